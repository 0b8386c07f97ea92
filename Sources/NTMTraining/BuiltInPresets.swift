// The defaults the binary uses when no preset file is given; a test checks they equal tasks/copy.json,
// so the binary works outside the repository and the preset stays the single documented source.
import NTMModels

public enum BuiltInPresets {
    /// `tasks/copy.json`: the copy task with the NTM paper's sizes and optimiser.
    public static var copy: ExperimentConfig {
        let task = TaskConfig(name: "copy", bits: 8, minLength: 1, length: 20)
        let rmsprop = OptimizerConfig(name: .rmsprop, learningRate: 1e-4, momentum: 0.9, decay: 0.95, centered: false,
                                      epsilon: 1e-8)
        let adam = OptimizerConfig(name: .adam, learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8)
        let ntm = ModelPlan(
            model: ModelConfig(kind: .ntm, inputWidth: task.inputWidth, outputWidth: task.outputWidth, controllerSize: 100,
                               layers: 1, memoryRows: 128, memoryWidth: 20, readHeads: 1, writeHeads: 1, shiftRange: 1,
                               memoryInit: .constant, clipValue: 20),
            training: TrainingSettings(sequences: 40_000, batch: 1, optimizer: rmsprop, clipNorm: 10, clipGradValue: 0,
                                       shards: 1))
        let lstm = ModelPlan(
            model: ModelConfig(kind: .lstm, inputWidth: task.inputWidth, outputWidth: task.outputWidth, controllerSize: 256,
                               layers: 3),
            training: TrainingSettings(sequences: 20_000, batch: 16, optimizer: adam, clipNorm: 10, clipGradValue: 0,
                                       shards: 2))
        var gru = lstm
        gru.model.kind = .gru
        return ExperimentConfig(
            about: copyAbout, task: task, seed: 1, models: [.ntm, .lstm, .gru], plans: [.ntm: ntm, .lstm: lstm, .gru: gru],
            evalSequences: 200, evalLengthFactors: [1, 2], evalSeed: 1000, curvePoints: 100,
            validationEvery: 1000, validationSequences: 100, keepBest: true)
    }

    static let copyAbout =
        "Copy task of Graves et al. (2014), section 4.1: the NTM with the paper's sizes and optimiser; "
        + "LSTM and GRU baselines of the paper's 3 x 256 size, trained on half as many sequences (each costs five times as much)."
}
