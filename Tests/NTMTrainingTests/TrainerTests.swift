// The trainer end to end on tiny models: it learns, it is reproducible, it never applies a NaN.
import Foundation
import Testing
import NTMKit

@Suite("Trainer")
struct TrainerTests {
    static let tinyNTM = ModelConfig(kind: .ntm, inputWidth: 5, outputWidth: 4, controllerSize: 16, layers: 1,
                                     memoryRows: 8, memoryWidth: 6, readHeads: 1, writeHeads: 1, shiftRange: 1)

    func train(_ config: ModelConfig, sequences: Int, seed: UInt64, lr: Double = 3e-3) -> (any SequenceModel, TrainingOutcome) {
        var rng = RandomSource(seed: seed)
        let model = ModelFactory.make(config, rng: &rng)
        let trainer = Trainer(model: model, task: CopyTask(bits: 4, minLength: 1, maxLength: 3),
                              settings: TrainingSettings(sequences: sequences, batch: 4,
                                                         optimizer: OptimizerConfig(name: .adam, learningRate: lr)),
                              dataRNG: RandomSource(seed: seed + 100), curveEvery: sequences / 4)
        return (model, trainer.run())
    }

    @Test(arguments: [ModelKind.ntm, .lstm, .gru])
    func costFallsOnShortCopies(kind: ModelKind) {
        var config = Self.tinyNTM
        config.kind = kind
        let (_, outcome) = train(config, sequences: 1600, seed: 1)
        #expect(outcome.curve.count == 4)
        let first = outcome.curve.first!.costBits, last = outcome.curve.last!.costBits
        #expect(last < 0.8 * first, "cost went from \(first) to \(last)")
        #expect(outcome.skippedSteps == 0)
    }

    @Test func sameSeedSameWeights() {
        let (a, oa) = train(Self.tinyNTM, sequences: 200, seed: 4)
        let (b, ob) = train(Self.tinyNTM, sequences: 200, seed: 4)
        let (c, _) = train(Self.tinyNTM, sequences: 200, seed: 5)
        #expect(zip(a.parameters, b.parameters).allSatisfy { $0.value.array == $1.value.array })
        #expect(oa.curve.map(\.costBits) == ob.curve.map(\.costBits))
        #expect(!zip(a.parameters, c.parameters).allSatisfy { $0.value.array == $1.value.array })
    }

    @Test func nonFiniteLossIsNeverApplied() {
        var rng = RandomSource(seed: 1)
        let model = ModelFactory.make(Self.tinyNTM, rng: &rng)
        // A NaN weight makes every loss NaN: no step may be applied, every one is counted.
        let output = model.parameters.named("output.weight")!
        output.value[0] = .nan
        let before = model.parameters.map(\.value.array)
        let trainer = Trainer(model: model, task: CopyTask(bits: 4, minLength: 1, maxLength: 2),
                              settings: TrainingSettings(sequences: 8, batch: 2, optimizer: OptimizerConfig(name: .adam)),
                              dataRNG: RandomSource(seed: 2), curveEvery: 4)
        let outcome = trainer.run()
        #expect(outcome.skippedSteps == 4)
        let after = model.parameters.map(\.value.array)
        for (x, y) in zip(before, after) {
            #expect(x.count == y.count)
            #expect(zip(x, y).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) })
        }
    }

    @Test func evaluationIsSeededAndIndependentOfTraining() {
        var rng = RandomSource(seed: 3)
        let model = ModelFactory.make(Self.tinyNTM, rng: &rng)
        let task = CopyTask(bits: 4, minLength: 1, maxLength: 3)
        let a = Evaluation.evaluate(model: model, task: task, lengths: [3, 6], sequences: 30, evalSeed: 9, batchSize: 7)
        let b = Evaluation.evaluate(model: model, task: task, lengths: [3, 6], sequences: 30, evalSeed: 9, batchSize: 30)
        #expect(a.map(\.length) == [3, 6])
        #expect(a.map(\.sequences) == [30, 30])
        // Same sequences whatever the evaluation batch size.
        for (x, y) in zip(a, b) {
            #expect(abs(x.costBits - y.costBits) < 1e-3 * max(1, abs(x.costBits)))
            #expect(abs(x.bitErrors - y.bitErrors) < 1e-9)
        }
        // Bit errors are bounded by the number of target bits.
        #expect(a.allSatisfy { $0.bitErrors >= 0 && $0.bitErrors <= Double(4 * $0.length) })
    }

    /// An all-zero model predicts σ(0) = 1/2 for every bit: one bit of cost per scored target bit. On the
    /// training distribution the cost is then the mean count of scored bits of sequences of many lengths
    /// (repeat copy: lengths and repeat counts both vary), drawn from the evaluation seed's own streams.
    @Test func trainingDistributionDrawsEveryLength() {
        var rng = RandomSource(seed: 3)
        var config = Self.tinyNTM
        config.inputWidth = 6
        config.outputWidth = 5
        let model = ModelFactory.make(config, rng: &rng)
        for p in model.parameters { p.value.zero() }
        let task = RepeatCopyTask(bits: 4, minLength: 1, maxLength: 3, minRepeats: 1, maxRepeats: 4)
        let r = Evaluation.evaluateTrainingDistribution(model: model, task: task, sequences: 40, evalSeed: 9)
        var scored: [Double] = []
        for i in 0..<40 {
            var g = RandomSource.derived(seed: 9, stream: "eval/\(task.name)/training/\(i)")
            let b = task.makeBatch(batchSize: 1, length: nil, rng: &g)
            scored.append(Double(b.mask.values.reduce(0, +)) * 5)
        }
        #expect(abs(r.costBits - scored.reduce(0, +) / 40) < 1e-3)
        #expect(Set(scored).count > 4, "the sequences should differ in length and repeats")
        #expect(r.bitErrors > 0 && r.bitErrors < r.costBits)
        let again = Evaluation.evaluateTrainingDistribution(model: model, task: task, sequences: 40, evalSeed: 9)
        #expect(again == r)
    }
}
