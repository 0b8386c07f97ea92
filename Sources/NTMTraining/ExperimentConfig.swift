// A whole experiment as presets describe it: the task, the models with their sizes and training
// settings, the evaluation, the seed. Presets in tasks/ decode into this; reports write it back.
import NTMCore
import NTMModels
import NTMTasks

/// The task part of an experiment.
public struct TaskConfig: Sendable, Equatable {
    public var name: String
    public var bits: Int
    public var minLength: Int
    /// The longest training sequence (`--length`).
    public var length: Int

    public init(name: String = "copy", bits: Int = 8, minLength: Int = 1, length: Int = 20) {
        self.name = name
        self.bits = bits
        self.minLength = minLength
        self.length = length
    }

    public func make() -> any SequenceTask {
        CopyTask(bits: bits, minLength: minLength, maxLength: length)
    }

    public var inputWidth: Int { bits + 1 }
    public var outputWidth: Int { bits }
}

/// One model of an experiment: its configuration and how it is trained.
public struct ModelPlan: Sendable, Equatable {
    public var model: ModelConfig
    public var training: TrainingSettings

    public init(model: ModelConfig, training: TrainingSettings) {
        self.model = model
        self.training = training
    }
}

/// Everything a run needs besides the command line's output settings.
public struct ExperimentConfig: Sendable, Equatable {
    /// Why the values are what they are (presets carry this; reports quote it).
    public var about: String
    public var task: TaskConfig
    public var seed: UInt64
    /// The models compared, in report order.
    public var models: [ModelKind]
    public var plans: [ModelKind: ModelPlan]
    /// Evaluation: sequences per length, and lengths as multiples of the training length.
    public var evalSequences: Int
    public var evalLengthFactors: [Double]
    /// Seed of the evaluation set, independent of the training seed.
    public var evalSeed: UInt64
    /// Learning-curve points per model.
    public var curvePoints: Int
    /// Sequences between validations (0: none), validation set size, and whether the weights of the
    /// best validation are kept.
    public var validationEvery: Int
    public var validationSequences: Int
    public var keepBest: Bool

    public init(about: String, task: TaskConfig, seed: UInt64, models: [ModelKind], plans: [ModelKind: ModelPlan],
                evalSequences: Int, evalLengthFactors: [Double], evalSeed: UInt64, curvePoints: Int,
                validationEvery: Int = 0, validationSequences: Int = 100, keepBest: Bool = false) {
        self.about = about
        self.task = task
        self.seed = seed
        self.models = models
        self.plans = plans
        self.evalSequences = evalSequences
        self.evalLengthFactors = evalLengthFactors
        self.evalSeed = evalSeed
        self.curvePoints = curvePoints
        self.validationEvery = validationEvery
        self.validationSequences = validationSequences
        self.keepBest = keepBest
    }

    /// Validation at the longest training length, on a set drawn from the training seed.
    public var validation: ValidationSettings {
        ValidationSettings(every: validationEvery, sequences: validationSequences, length: task.length, seed: seed,
                           keepBest: keepBest && validationEvery > 0)
    }

    /// The evaluated lengths: the training length times each factor, rounded, without duplicates, sorted.
    public var evalLengths: [Int] {
        Array(Set(evalLengthFactors.map { max(1, Int(($0 * Double(task.length)).rounded())) })).sorted()
    }

    public func plan(_ kind: ModelKind) -> ModelPlan {
        guard let p = plans[kind] else { preconditionFailure("no plan for \(kind)") }
        return p
    }

    /// The generators of a model's run: initial weights per model, one data stream shared by every
    /// model so that all of them see the same training sequences.
    public func initRNG(for kind: ModelKind) -> RandomSource {
        RandomSource.derived(seed: seed, stream: "init/\(kind.rawValue)")
    }

    public func dataRNG() -> RandomSource {
        RandomSource.derived(seed: seed, stream: "train/\(task.name)")
    }

    public func curveEvery(for kind: ModelKind) -> Int {
        let p = plan(kind).training
        return max(p.batch, p.sequences / max(curvePoints, 1))
    }

    /// Estimated peak memory of training `kind`, in bytes (caches of the longest sequence plus
    /// parameters, gradients and optimiser state), to refuse sizes the machine cannot hold.
    public func estimatedBytes(for kind: ModelKind) -> Double {
        let p = plan(kind)
        let longest = max(task.length, evalLengths.max() ?? task.length)
        let steps = 2 * longest + 1
        let batch = max(p.training.batch, 50)
        let cache = Double(p.model.cacheFloatsPerStep(batch: batch)) * Double(steps)
        let params = Double(ExperimentConfig.parameterEstimate(p.model)) * 6
        return (cache + params) * 4
    }

    /// Number of scalars of a model, from its configuration alone (no allocation).
    public static func parameterEstimate(_ c: ModelConfig) -> Int { c.parameterCount }
}
