// Sharded forward/backward: the same gradient as one pass (up to rounding), and the same bits
// whatever the number of threads.
import Testing
import NTMKit

@Suite("Sharded gradient step")
struct GradientStepTests {
    func gradients(kind: ModelKind, shards: Int, threads: Int, batchSize: Int = 5,
                   hidden: Int? = nil, modelThreads: Int? = nil) -> ([[Float]], BitLossResult) {
        var config = TrainerTests.tinyNTM
        config.kind = kind
        if let hidden { config.controllerSize = hidden }
        var rng = RandomSource(seed: 21)
        let model = ModelFactory.make(config, rng: &rng)
        let step = GradientStep(model: model, shards: shards, threads: threads, makeReplica: {
            var r = RandomSource(seed: 99)
            return ModelFactory.make(config, rng: &r)
        })
        step.modelThreads = modelThreads
        var data = RandomSource(seed: 3)
        let batch = CopyTask(bits: 4, minLength: 3, maxLength: 3).makeBatch(batchSize: batchSize, length: nil, rng: &data)
        let result = step.run(batch)
        return (model.parameters.map(\.grad.array), result)
    }

    @Test(arguments: [ModelKind.ntm, .lstm, .gru])
    func shardsAgreeWithOnePass(kind: ModelKind) {
        let (one, r1) = gradients(kind: kind, shards: 1, threads: 1)
        let (three, r3) = gradients(kind: kind, shards: 3, threads: 1)
        #expect(abs(r1.loss - r3.loss) < 1e-4 * abs(r1.loss))
        #expect(r1.bitErrors == r3.bitErrors)
        for (a, b) in zip(one, three) {
            let c = Closeness(name: "grad", actual: b, reference: a)
            #expect(c.within(1e-4), "\(c)")
        }
    }

    @Test(arguments: [ModelKind.ntm, .lstm])
    func threadsDoNotChangeTheBits(kind: ModelKind) {
        let (a, ra) = gradients(kind: kind, shards: 2, threads: 1)
        let (b, rb) = gradients(kind: kind, shards: 2, threads: 2)
        #expect(a == b)
        #expect(ra.loss == rb.loss)
    }

    /// At batch 1 there is one shard; given threads of its own, the model splits its weight gradients
    /// (72 units: enough gate rows for two or three blocks in every cell).
    @Test(arguments: [ModelKind.ntm, .lstm, .gru, .rnn])
    func batchOneWithSpareThreadsKeepsTheBits(kind: ModelKind) {
        let (a, ra) = gradients(kind: kind, shards: 1, threads: 1, batchSize: 1, hidden: 72)
        let (b, rb) = gradients(kind: kind, shards: 1, threads: 2, batchSize: 1, hidden: 72, modelThreads: 2)
        let (c, _) = gradients(kind: kind, shards: 1, threads: 3, batchSize: 1, hidden: 72, modelThreads: 3)
        #expect(a == b)
        #expect(a == c)
        #expect(ra.loss == rb.loss)
    }

    @Test func moreShardsThanSequences() {
        let (one, _) = gradients(kind: .gru, shards: 1, threads: 1, batchSize: 2)
        let (many, _) = gradients(kind: .gru, shards: 8, threads: 2, batchSize: 2)
        for (a, b) in zip(one, many) { #expect(Closeness(name: "g", actual: b, reference: a).within(1e-4)) }
    }
}
