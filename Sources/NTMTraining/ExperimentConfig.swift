// A whole experiment as presets describe it: the task, the models with their sizes and training
// settings, the evaluation, the seed. Presets in tasks/ decode into this; reports write it back.
import NTMCore
import NTMModels
import NTMTasks

/// The task part of an experiment: which of the paper's tasks, and its parameters.
///
/// Every task has a *length parameter* drawn per batch from `minLength...length` (`--length` sets its
/// maximum): copy and repeat copy, the number of vectors; associative recall, the number of items;
/// dynamic N-grams, the number of bits (one length, `minLength == length`); priority sort, the number
/// of input vectors. Fields a task does not use keep their defaults.
public struct TaskConfig: Sendable, Equatable {
    /// The tasks of Graves et al. (2014), by their names in presets, reports and commands.
    public enum Kind: String, Sendable, CaseIterable {
        case copy
        case repeatCopy = "repeat-copy"
        case associativeRecall = "associative-recall"
        case ngrams
        case prioritySort = "priority-sort"
    }

    public var kind: Kind
    /// Bits per vector (not used by N-grams).
    public var bits: Int
    /// The shortest training length parameter.
    public var minLength: Int
    /// The longest training length parameter (`--length`).
    public var length: Int
    /// Repeat copy: the training range of the repeat count, and how it is written on its channel.
    public var minRepeats: Int
    public var maxRepeats: Int
    public var repeatEncoding: RepeatCopyTask.RepeatEncoding
    /// Associative recall: vectors per item.
    public var itemSize: Int
    /// Dynamic N-grams: bits of context (5 for the paper's 6-grams).
    public var contextBits: Int
    /// Priority sort: vectors written back, the highest priorities first.
    public var outputCount: Int

    public init(kind: Kind = .copy, bits: Int = 8, minLength: Int = 1, length: Int = 20, minRepeats: Int = 1,
                maxRepeats: Int = 10, repeatEncoding: RepeatCopyTask.RepeatEncoding = .standardized, itemSize: Int = 3,
                contextBits: Int = 5, outputCount: Int = 16) {
        self.kind = kind
        self.bits = bits
        self.minLength = minLength
        self.length = length
        self.minRepeats = minRepeats
        self.maxRepeats = maxRepeats
        self.repeatEncoding = repeatEncoding
        self.itemSize = itemSize
        self.contextBits = contextBits
        self.outputCount = outputCount
    }

    public var name: String { kind.rawValue }

    /// Refuses parameters the task cannot be built with, naming the field (usage errors).
    public func validate() throws(NTMError) {
        guard minLength >= minimumLength, minLength <= length else {
            throw .usage("\(name): the length range \(minLength)...\(length) must lie within \(minimumLength)...")
        }
        switch kind {
        case .repeatCopy:
            guard minRepeats >= 1, maxRepeats >= minRepeats else {
                throw .usage("repeat-copy: the repeat range \(minRepeats)...\(maxRepeats) must lie within 1...")
            }
            if repeatEncoding == .standardized && (minRepeats + maxRepeats) % 2 == 0 {
                throw .usage("repeat-copy: standardized repeat counts need minRepeats + maxRepeats odd (else the mean "
                             + "count is a blank input); use repeatEncoding \"fractionOfMaximum\"")
            }
        case .ngrams:
            guard minLength == length else { throw .usage("ngrams: sequences have one length (minLength = length)") }
        case .copy, .associativeRecall, .prioritySort:
            break
        }
    }

    /// The task's generator. The parameters must be valid (see `validate()`).
    public func make() -> any SequenceTask {
        switch kind {
        case .copy:
            return CopyTask(bits: bits, minLength: minLength, maxLength: length)
        case .repeatCopy:
            return RepeatCopyTask(bits: bits, minLength: minLength, maxLength: length, minRepeats: minRepeats,
                                  maxRepeats: maxRepeats, encoding: repeatEncoding)
        case .associativeRecall:
            return AssociativeRecallTask(bits: bits, itemSize: itemSize, minItems: minLength, maxItems: length)
        case .ngrams:
            return NGramTask(contextBits: contextBits, sequenceLength: length)
        case .prioritySort:
            return PrioritySortTask(bits: bits, minLength: minLength, maxLength: length, outputCount: outputCount)
        }
    }

    public var inputWidth: Int { make().inputWidth }
    public var outputWidth: Int { make().outputWidth }

    /// The smallest valid length parameter: 2 items for associative recall, `contextBits + 1` bits for
    /// N-grams, 1 otherwise (as the task's `minimumLength`).
    public var minimumLength: Int { kind == .associativeRecall ? 2 : kind == .ngrams ? contextBits + 1 : 1 }

    /// The hardest point of the training distribution (the longest length, the most repeats), where
    /// validation sets are drawn.
    public var hardestPoint: TaskPoint {
        TaskPoint(length: length, repeats: kind == .repeatCopy ? maxRepeats : nil)
    }

    /// What the length parameter counts, in the plural ("lengths", "items", ...), for reports and help.
    public var lengthNoun: String {
        switch kind {
        case .copy, .repeatCopy: return "lengths"
        case .associativeRecall: return "items"
        case .ngrams: return "bits"
        case .prioritySort: return "inputs"
        }
    }
}

/// How each batch's length parameter is chosen during training (Collier & Beel, 2018, "An empirical
/// comparison of syllabuses for curriculum learning"). Levels are values of the length parameter,
/// from `start` (default: the task's `minLength`) to the task's `length`; the task turns a level
/// into a point (``SequenceTask/point(level:)``: for repeat copy the repeat count grows with it).
///
/// - `none`: the task's own training distribution (the paper's: uniform over its ranges); no curriculum.
/// - `uniform`: each batch at a level drawn uniformly from `start...length` (for single-parameter
///   tasks with the default `start`, the same distribution as `none`, drawn the same way).
/// - `naive`: every batch at the current level, which starts at `start` and grows by `step` whenever
///   the mean training bit errors per sequence over `window` sequences at the current level fall
///   below `threshold`.
/// - `lookback`: as naive, but each batch, with probability `probability`, at a level drawn uniformly
///   from `start` up to the current level.
public struct CurriculumConfig: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case none, uniform, naive, lookback
    }

    public var kind: Kind
    /// The first level (nil: the task's `minLength`).
    public var start: Int?
    /// Levels gained at each advance (naive, lookback).
    public var step: Int
    /// Advance when the mean training bit errors per sequence over a window fall below this.
    public var threshold: Double
    /// Sequences at the current level per window.
    public var window: Int
    /// Lookback: the probability that a batch goes to an earlier level.
    public var probability: Double

    public init(kind: Kind, start: Int? = nil, step: Int = 1, threshold: Double = 1, window: Int = 1000,
                probability: Double = 0.1) {
        self.kind = kind
        self.start = start
        self.step = step
        self.threshold = threshold
        self.window = window
        self.probability = probability
    }

    public static let none = CurriculumConfig(kind: .none)

    /// Whether the curriculum moves from level to level as training goes (and so has a state).
    public var advances: Bool { kind == .naive || kind == .lookback }
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
    /// Evaluation: sequences per point, and the points: multiples of the training length
    /// (`evalLengthFactors`), or, when `evalPoints` is set, those points.
    public var evalSequences: Int
    public var evalLengthFactors: [Double]
    public var evalPoints: [TaskPoint]?
    /// Seed of the evaluation set, independent of the training seed.
    public var evalSeed: UInt64
    /// Learning-curve points per model.
    public var curvePoints: Int
    /// Sequences between validations (0: none), validation set size, and whether the weights of the
    /// best validation are kept.
    public var validationEvery: Int
    public var validationSequences: Int
    public var keepBest: Bool
    /// How each batch's length parameter is chosen.
    public var curriculum: CurriculumConfig
    /// How the generalisation figure spaces the evaluation points (a drawing choice: no number depends on it).
    public var lengthAxis: LengthAxis

    public init(about: String, task: TaskConfig, seed: UInt64, models: [ModelKind], plans: [ModelKind: ModelPlan],
                evalSequences: Int, evalLengthFactors: [Double], evalPoints: [TaskPoint]? = nil, evalSeed: UInt64,
                curvePoints: Int, validationEvery: Int = 0, validationSequences: Int = 100, keepBest: Bool = false,
                curriculum: CurriculumConfig = .none, lengthAxis: LengthAxis = .linear) {
        self.about = about
        self.task = task
        self.seed = seed
        self.models = models
        self.plans = plans
        self.evalSequences = evalSequences
        self.evalLengthFactors = evalLengthFactors
        self.evalPoints = evalPoints
        self.evalSeed = evalSeed
        self.curvePoints = curvePoints
        self.validationEvery = validationEvery
        self.validationSequences = validationSequences
        self.keepBest = keepBest
        self.curriculum = curriculum
        self.lengthAxis = lengthAxis
    }

    /// Validation at the hardest training point, on a set drawn from the training seed.
    public var validation: ValidationSettings {
        let point = task.hardestPoint
        return ValidationSettings(every: validationEvery, sequences: validationSequences, length: point.length,
                                  repeats: point.repeats, seed: seed, keepBest: keepBest && validationEvery > 0)
    }

    /// Where reports read each model's result and draw its example sequence: the hardest training point
    /// when it is evaluated, otherwise the first evaluation point.
    public var readingPoint: TaskPoint {
        let points = evaluationPoints
        return points.contains(task.hardestPoint) ? task.hardestPoint : points.first ?? task.hardestPoint
    }

    /// The evaluated points, sorted, without duplicates: `evalPoints` when set; otherwise the training
    /// length times each factor, rounded (at least the task's smallest length; repeat copy at its most
    /// repeats).
    public var evaluationPoints: [TaskPoint] {
        if let evalPoints { return Array(Set(evalPoints)).sorted() }
        let repeats = task.kind == .repeatCopy ? task.maxRepeats : nil
        return Array(Set(evalLengthFactors.map {
            TaskPoint(length: max(task.minimumLength, Int(($0 * Double(task.length)).rounded())), repeats: repeats)
        })).sorted()
    }

    /// The cost of the optimal Bayesian predictor at each evaluation point, on the evaluation set itself
    /// (dynamic N-grams only; nil for the other tasks).
    public func optimalCosts() -> [TaskPoint: Double]? {
        guard let ngrams = task.make() as? NGramTask else { return nil }
        var costs: [TaskPoint: Double] = [:]
        for p in evaluationPoints {
            costs[p] = Evaluation.bayesianCost(task: ngrams, point: p, sequences: evalSequences, evalSeed: evalSeed)
        }
        return costs
    }

    /// The curriculum of every model's training, over levels `start...task.length`.
    public func makeCurriculum() -> Curriculum {
        Curriculum(config: curriculum, levels: min(curriculum.start ?? task.minLength, task.length)...task.length)
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
        let generator = task.make()
        let steps = ([task.hardestPoint] + evaluationPoints).map { generator.steps(at: $0) }.max()!
        let batch = max(p.training.batch, 50)
        let cache = Double(p.model.cacheFloatsPerStep(batch: batch)) * Double(steps)
        let params = Double(ExperimentConfig.parameterEstimate(p.model)) * 6
        return (cache + params) * 4
    }

    /// Number of scalars of a model, from its configuration alone (no allocation).
    public static func parameterEstimate(_ c: ModelConfig) -> Int { c.parameterCount }
}
