// The memory network's queue on constructed inputs: at step t only the t + 1 steps seen so far (at
// most N) receive attention, and row n is the step n back.
import Testing
import NTMCore
import NTMAutodiff
import NTMArchitectures

@Suite struct MemoryNetworkTests {
    @Test func attentionReachesOnlyTheStepsSeenSoFar() {
        let n = 4, steps = 7, hops = 2
        let model = MemoryNetwork(inputWidth: 3, outputWidth: 2, slots: n, embeddingSize: 5, hops: hops)
        var rng = RandomSource(seed: 5)
        let parameters = model.makeParameters()
        model.initialize(parameters, rng: &rng)
        let inputs = (0..<(steps * 3)).map { _ in rng.uniformFloat() }
        let run = evaluateInDouble(model, parameters: parameters, inputs: inputs, steps: steps, batch: 1) { y in
            (0, [Double](repeating: 0, count: y.count))
        }
        for t in 0..<steps {
            for k in 0..<hops {
                let p = Array(run.recorded["read_weights.\(k)"]![(t * n)..<((t + 1) * n)])
                #expect(abs(p.reduce(0, +) - 1) < 1e-12)
                for age in 0..<n {
                    if age > t { #expect(p[age] == 0, "step \(t) hop \(k) attends to row \(age), not yet filled: \(p)") }
                    else { #expect(p[age] > 0, "step \(t) hop \(k): no weight on the step \(age) back: \(p)") }
                }
            }
        }
    }

    @Test func theNewestStepIsRowZero() {
        // One hop, and a query that matches only what the input embedding of the current step gives:
        // a large input makes row 0 (this step) dominate the attention.
        let model = MemoryNetwork(inputWidth: 1, outputWidth: 1, slots: 3, embeddingSize: 1, hops: 1)
        let parameters = model.makeParameters()
        for p in parameters { p.value.fill(0) }
        parameters.first { $0.name == "memory.input.weight" }!.value.fill(1)
        parameters.first { $0.name == "query.weight" }!.value.fill(1)
        let run = evaluateInDouble(model, parameters: parameters, inputs: [0, 0, 10], steps: 3, batch: 1) { y in
            (0, [Double](repeating: 0, count: y.count))
        }
        // At the last step keys are [10, 0, 0] (ages 0, 1, 2) and the query is 10: softmax([100, 0, 0]).
        let last = Array(run.recorded["read_weights.0"]![6..<9])
        #expect(last[0] > 1 - 1e-15 && last[1] < 1e-40 && last[2] < 1e-40, "\(last)")
    }
}
