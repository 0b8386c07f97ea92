// The DNC memory and the memory network against their plain-loop references (ReferenceModels.swift),
// in Double, at random parameters and inputs over several steps: every slice of the interface vector,
// the order of the read modes, the write's content lookup on the memory before it and the reads from
// the memory after it, and the memory network's queue past its last row.
import Testing
import NTMCore
import NTMAutodiff
import NTMArchitectures

@Suite struct ReferenceTests {
    static func randomParameters(_ definition: some RecurrentDefinition, seed: UInt64) -> [Parameter] {
        var rng = RandomSource(seed: seed)
        let parameters = definition.makeParameters()
        definition.initialize(parameters, rng: &rng)
        // Non-zero biases too, so that every gate and mode is away from its starting value.
        for p in parameters where p.name.hasSuffix("bias") {
            for i in 0..<p.count { p.value.base[i] = rng.normal(std: 1) }
        }
        return parameters
    }

    static func expectClose(_ a: [Double], _ b: [Double], _ what: String) {
        #expect(a.count == b.count, "\(what): \(a.count) values against \(b.count)")
        let worst = zip(a, b).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
        #expect(worst < 1e-12, "\(what): largest difference \(worst)")
    }

    @Test func dncMemoryMatchesItsReference() {
        let (n, w, r, h, steps) = (5, 3, 2, 4, 7)
        let memory = DNCMemory(controllerSize: h, rows: n, width: w, readHeads: r)
        let parameters = Self.randomParameters(MemoryProbe(memory), seed: 11)
        var rng = RandomSource(seed: 12)
        let inputs = (0..<(steps * h)).map { _ in rng.uniform(-2, 2) }
        let run = evaluateInDouble(MemoryProbe(memory), parameters: parameters, inputs: inputs, steps: steps, batch: 1) { y in
            (0, [Double](repeating: 0, count: y.count))
        }
        let hs = (0..<steps).map { t in (0..<h).map { Double(inputs[t * h + $0]) } }
        let expected = referenceDNC(NamedValues(parameters), h: hs, rows: n, width: w, heads: r)
        Self.expectClose(run.outputs, expected.flatMap { $0 }, "DNC reads")
    }

    @Test func memoryNetworkMatchesItsReferencePastItsLastRow() {
        let (n, d, hops, steps) = (4, 5, 2, 9)
        let model = MemoryNetwork(inputWidth: 3, outputWidth: 2, slots: n, embeddingSize: d, hops: hops)
        let parameters = Self.randomParameters(model, seed: 21)
        var rng = RandomSource(seed: 22)
        let inputs = (0..<(steps * 3)).map { _ in rng.uniform(-1, 1) }
        let run = evaluateInDouble(model, parameters: parameters, inputs: inputs, steps: steps, batch: 1) { y in
            (0, [Double](repeating: 0, count: y.count))
        }
        let xs = (0..<steps).map { t in (0..<3).map { Double(inputs[t * 3 + $0]) } }
        let expected = referenceMemoryNetwork(NamedValues(parameters), x: xs, slots: n, size: d, hops: hops)
        Self.expectClose(run.outputs, expected.flatMap { $0 }, "memory network logits")
    }
}
