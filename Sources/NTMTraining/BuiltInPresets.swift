// The defaults the binary uses when no preset file is given; a test checks each equals its file in
// tasks/, so the binary works outside the repository and the presets stay the single documented source.
import NTMMemory
import NTMModels
import NTMTasks

public enum BuiltInPresets {
    /// The built-in preset of a task (`tasks/<task>.json`).
    public static func preset(_ task: TaskConfig.Kind) -> ExperimentConfig {
        switch task {
        case .copy: return copy
        case .repeatCopy: return repeatCopy
        case .associativeRecall: return associativeRecall
        case .ngrams: return ngrams
        case .prioritySort: return prioritySort
        }
    }

    /// The paper's RMSProp (momentum 0.9, decay 0.95) at a learning rate.
    static func rmsprop(_ learningRate: Double) -> OptimizerConfig {
        OptimizerConfig(name: .rmsprop, learningRate: learningRate, momentum: 0.9, decay: 0.95, centered: false, epsilon: 1e-8)
    }

    static let adam = OptimizerConfig(name: .adam, learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8)

    /// An NTM with a 128 x 20 constant-initialised memory and shifts of -1, 0, +1, trained in batches of 1.
    static func ntm(_ task: TaskConfig, controller: Int, layers: Int = 1, heads: Int = 1, sequences: Int,
                    learningRate: Double, weightingInit: WeightingInit = .uniform) -> ModelPlan {
        ModelPlan(
            model: ModelConfig(kind: .ntm, inputWidth: task.inputWidth, outputWidth: task.outputWidth, controllerSize: controller,
                               layers: layers, memoryRows: 128, memoryWidth: 20, readHeads: heads, writeHeads: heads,
                               shiftRange: 1, memoryInit: .constant, weightingInit: weightingInit, clipValue: 20),
            training: TrainingSettings(sequences: sequences, batch: 1, optimizer: rmsprop(learningRate), clipNorm: 10,
                                       clipGradValue: 0, shards: 1))
    }

    /// A baseline trained with Adam at 1e-3 in batches of 16 run as two blocks of 8.
    static func baseline(_ kind: ModelKind, _ task: TaskConfig, hidden: Int, layers: Int = 3, sequences: Int) -> ModelPlan {
        ModelPlan(
            model: ModelConfig(kind: kind, inputWidth: task.inputWidth, outputWidth: task.outputWidth, controllerSize: hidden,
                               layers: layers),
            training: TrainingSettings(sequences: sequences, batch: 16, optimizer: adam, clipNorm: 10, clipGradValue: 0, shards: 2))
    }

    /// `tasks/copy.json`: the copy task with the NTM paper's sizes and optimiser. Like every built-in preset it
    /// configures every built-in model (`--models` may name any of them); the RNN is not compared by default.
    public static var copy: ExperimentConfig {
        let task = TaskConfig(kind: .copy, bits: 8, minLength: 1, length: 20)
        let lstm = baseline(.lstm, task, hidden: 256, sequences: 20_000)
        return ExperimentConfig(
            about: copyAbout, task: task, seed: 1, models: [.ntm, .lstm, .gru],
            plans: [.ntm: ntm(task, controller: 100, sequences: 40_000, learningRate: 1e-4, weightingInit: .firstRow), .lstm: lstm,
                    .gru: baseline(.gru, task, hidden: 256, sequences: 20_000),
                    .rnn: baseline(.rnn, task, hidden: 256, sequences: 20_000)],
            evalSequences: 200, evalLengthFactors: [1, 2], evalSeed: 1000, curvePoints: 100,
            validationEvery: 1000, validationSequences: 100, keepBest: true)
    }

    static let copyAbout =
        "Copy task of Graves et al. (2014), section 4.1: the NTM with the paper's sizes and optimiser; "
        + "LSTM and GRU baselines of the paper's 3 x 256 size, trained on half as many sequences (each costs five times as much)."

    /// The new tasks' experiments share the copy preset's evaluation seed, validation and curve settings,
    /// and compare the NTM with LSTM, GRU and plain RNN baselines of one shape.
    /// `points` nil: evaluated at the training length (`lengthFactors` [1]).
    static func experiment(_ about: String, _ task: TaskConfig, ntm: ModelPlan, baselineHidden: Int, baselineSequences: Int,
                           points: [TaskPoint]?, curriculum: CurriculumConfig = .none) -> ExperimentConfig {
        var plans: [ModelKind: ModelPlan] = [.ntm: ntm]
        for kind in [ModelKind.lstm, .gru, .rnn] {
            plans[kind] = baseline(kind, task, hidden: baselineHidden, sequences: baselineSequences)
        }
        return ExperimentConfig(
            about: about, task: task, seed: 1, models: [.ntm, .lstm, .gru, .rnn], plans: plans, evalSequences: 200,
            evalLengthFactors: points == nil ? [1] : [1, 2], evalPoints: points, evalSeed: 1000, curvePoints: 100, validationEvery: 1000,
            validationSequences: 100, keepBest: true, curriculum: curriculum)
    }

    /// `tasks/repeat-copy.json`.
    public static var repeatCopy: ExperimentConfig {
        let task = TaskConfig(kind: .repeatCopy, bits: 8, minLength: 1, length: 10, minRepeats: 1, maxRepeats: 10,
                              repeatEncoding: .standardized)
        return experiment(
            "Repeat copy of Graves et al. (2014), section 4.2: 8-bit vectors, lengths and repeat counts from 1 to 10; the NTM "
                + "with the paper's LSTM-controller sizes and optimiser (Table 2); LSTM, GRU and RNN baselines of 3 x 256 "
                + "(the paper's LSTM has 3 x 512), trained with Adam on fewer sequences. Evaluated in distribution (10x10) "
                + "and beyond it, as in the paper's Figure 7 (10x20, 20x10).",
            task, ntm: ntm(task, controller: 100, sequences: 300_000, learningRate: 1e-4),
            baselineHidden: 256, baselineSequences: 20_000,
            points: [TaskPoint(length: 10, repeats: 10), TaskPoint(length: 10, repeats: 20), TaskPoint(length: 20, repeats: 10)])
    }

    /// `tasks/associative-recall.json`.
    public static var associativeRecall: ExperimentConfig {
        let task = TaskConfig(kind: .associativeRecall, bits: 6, minLength: 2, length: 6, itemSize: 3)
        return experiment(
            "Associative recall of Graves et al. (2014), section 4.3: items of three 6-bit vectors, 2 to 6 items; the NTM "
                + "with the paper's LSTM-controller sizes and optimiser (Table 2); LSTM, GRU and RNN baselines of the "
                + "paper's 3 x 256, trained with Adam on fewer sequences. All models follow a look-back curriculum from 2 to "
                + "6 items (Collier & Beel 2018). Evaluated up to 12 items (twice the training maximum).",
            task, ntm: ntm(task, controller: 100, sequences: 300_000, learningRate: 3e-4),
            baselineHidden: 256, baselineSequences: 20_000,
            points: [6, 8, 10, 12].map { TaskPoint(length: $0) }, curriculum: CurriculumConfig(kind: .lookback))
    }

    /// `tasks/ngrams.json`.
    public static var ngrams: ExperimentConfig {
        let task = TaskConfig(kind: .ngrams, minLength: 200, length: 200, contextBits: 5)
        return experiment(
            "Dynamic N-grams of Graves et al. (2014), section 4.4: 200-bit sequences from a fresh 6-gram table per sequence, "
                + "scored against the optimal Bayesian predictor; the NTM with the paper's LSTM-controller sizes and "
                + "learning rate (Table 2); LSTM, GRU and RNN baselines of the paper's 3 x 128, trained with Adam.",
            task, ntm: ntm(task, controller: 100, sequences: 50_000, learningRate: 3e-5),
            baselineHidden: 128, baselineSequences: 20_000, points: nil)
    }

    /// `tasks/priority-sort.json`.
    public static var prioritySort: ExperimentConfig {
        let task = TaskConfig(kind: .prioritySort, bits: 8, minLength: 20, length: 20, outputCount: 16)
        return experiment(
            "Priority sort of Graves et al. (2014), section 4.5: 20 8-bit vectors with priorities in [-1, 1], the 16 "
                + "highest written back in order. The paper's best NTM had a feedforward controller with 8 heads; this kit "
                + "has LSTM controllers only, so the NTM takes the paper's LSTM-controller settings (Table 2: 2 x 100, "
                + "5 read and 5 write heads, learning rate 3e-5); LSTM, GRU and RNN baselines of the paper's 3 x 128, "
                + "trained with Adam.",
            task, ntm: ntm(task, controller: 100, layers: 2, heads: 5, sequences: 200_000, learningRate: 3e-5),
            baselineHidden: 128, baselineSequences: 100_000, points: nil)
    }
}
