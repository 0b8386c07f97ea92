// Whole training runs on every kernel path this CPU can run: the same weights, bit for bit.
import Testing
import NTMKit

@Suite("Training on every kernel path")
struct KernelPathRunTests {
    /// Sizes that leave partial vectors on every path (controller 20, 4 x 20 gates, memory width 6).
    static let config = ModelConfig(kind: .ntm, inputWidth: 5, outputWidth: 4, controllerSize: 20, layers: 1,
                                    memoryRows: 8, memoryWidth: 6, readHeads: 1, writeHeads: 1, shiftRange: 1)

    func trainedBits(_ kind: ModelKind, on path: KernelPath) throws -> [[UInt32]] {
        try KernelPath.select(path)
        defer { try? KernelPath.select(.best) }
        var config = Self.config
        config.kind = kind
        if kind != .ntm { config.layers = 2 }
        var rng = RandomSource(seed: 11)
        let model = ModelFactory.make(config, rng: &rng)
        let trainer = Trainer(model: model, task: CopyTask(bits: 4, minLength: 1, maxLength: 3),
                              settings: TrainingSettings(sequences: 48, batch: 4,
                                                         optimizer: OptimizerConfig(name: .rmsprop, learningRate: 1e-3)),
                              dataRNG: RandomSource(seed: 12), curveEvery: 16)
        _ = trainer.run()
        return model.parameters.map { $0.value.array.map(\.bitPattern) }
    }

    @Test(arguments: [ModelKind.ntm, .lstm, .gru])
    func everyPathTrainsTheSameWeights(kind: ModelKind) throws {
        let paths = KernelPath.available
        let reference = try trainedBits(kind, on: paths[0])
        for path in paths.dropFirst() {
            let bits = try trainedBits(kind, on: path)
            #expect(bits == reference, "\(kind) trained on \(path) differs from \(paths[0])")
        }
        #expect(paths.count >= 2, "only one kernel path here: nothing was compared")
    }
}
