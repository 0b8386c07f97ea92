// The memory network's slots on constructed inputs: step t writes slot t mod N, and attention never
// reaches a slot before it is written.
import Testing
import NTMCore
import NTMAutodiff
import NTMArchitectures

@Suite struct MemoryNetworkTests {
    @Test func stepsFillTheSlotsInOrderAndAttentionSeesOnlyWrittenSlots() {
        let n = 4, steps = 7, hops = 2
        let model = MemoryNetwork(inputWidth: 3, outputWidth: 2, slots: n, embeddingSize: 5, hops: hops)
        var rng = RandomSource(seed: 5)
        let parameters = model.makeParameters()
        model.initialize(parameters, rng: &rng)
        let inputs = (0..<(steps * 3)).map { _ in rng.uniformFloat() }
        let run = evaluateInDouble(model, parameters: parameters, inputs: inputs, steps: steps, batch: 1) { y in
            (0, [Double](repeating: 0, count: y.count))
        }
        let slots = run.recorded["write_weights.0"]!
        for t in 0..<steps {
            var expected = [Double](repeating: 0, count: n); expected[t % n] = 1
            #expect(Array(slots[(t * n)..<((t + 1) * n)]) == expected, "step \(t)")
            for k in 0..<hops {
                let p = Array(run.recorded["read_weights.\(k)"]![(t * n)..<((t + 1) * n)])
                #expect(abs(p.reduce(0, +) - 1) < 1e-12)
                for slot in 0..<n where slot > t { #expect(p[slot] == 0, "step \(t) hop \(k) attends to unwritten slot \(slot): \(p)") }
            }
        }
    }
}
