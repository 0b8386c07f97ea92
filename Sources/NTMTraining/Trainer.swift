// The training loop: seeded batches, forward, loss, backward, clipping, a guarded update,
// and a learning curve, identical for every SequenceModel.
import Foundation
import NTMCore
import NTMLayers
import NTMModels
import NTMTasks

/// How one model is trained.
public struct TrainingSettings: Sendable, Equatable {
    /// Training budget in sequences.
    public var sequences: Int
    /// Sequences per batch (all of one length).
    public var batch: Int
    public var optimizer: OptimizerConfig
    /// Maximum global gradient norm (0 disables).
    public var clipNorm: Double
    /// Optional element-wise gradient clip (0 disables).
    public var clipGradValue: Double
    /// Blocks each batch is split into for parallel forward/backward passes. The numbers depend on it
    /// (gradients are summed block by block), never on the number of threads that run the blocks.
    public var shards: Int

    public init(sequences: Int, batch: Int, optimizer: OptimizerConfig, clipNorm: Double = 10, clipGradValue: Double = 0,
                shards: Int = 1) {
        self.sequences = sequences
        self.batch = batch
        self.optimizer = optimizer
        self.clipNorm = clipNorm
        self.clipGradValue = clipGradValue
        self.shards = shards
    }
}

/// Periodic validation during training, on a fixed set drawn from the training seed (never the
/// evaluation set), and what to do with it.
public struct ValidationSettings: Sendable, Equatable {
    /// Sequences between validations; 0 disables validation.
    public var every: Int
    /// Sequences in the validation set.
    public var sequences: Int
    /// Length of the validation sequences (the longest training length: the hardest case in distribution).
    public var length: Int
    /// Repeat count of the validation sequences (repeat copy: the most repeats of training).
    public var repeats: Int?
    /// Seed of the validation set.
    public var seed: UInt64
    /// At the end, restore the weights of the validation with the lowest cost, so that a late
    /// instability (common in NTM training) does not decide the result.
    public var keepBest: Bool

    public init(every: Int, sequences: Int, length: Int, repeats: Int? = nil, seed: UInt64, keepBest: Bool) {
        self.every = every
        self.sequences = sequences
        self.length = length
        self.repeats = repeats
        self.seed = seed
        self.keepBest = keepBest
    }

    public static let disabled = ValidationSettings(every: 0, sequences: 0, length: 1, seed: 0, keepBest: false)

    /// The point the validation sequences are drawn at.
    public var point: TaskPoint { TaskPoint(length: length, repeats: repeats) }
}

/// Cost and bit errors per sequence after `sequences` training sequences, `seconds` into training:
/// a point of a learning curve (the mean over the training sequences since the previous point) or a
/// validation (on the fixed validation set).
public struct MetricPoint: Sendable, Equatable {
    public var sequences: Int
    public var costBits: Double
    public var bitErrors: Double
    public var seconds: Double

    public init(sequences: Int, costBits: Double, bitErrors: Double, seconds: Double) {
        self.sequences = sequences
        self.costBits = costBits
        self.bitErrors = bitErrors
        self.seconds = seconds
    }
}

/// A learning-curve point: the mean training cost and bit errors since the previous point.
public typealias CurvePoint = MetricPoint

/// A validation: cost and bit errors per sequence on the validation set.
public typealias ValidationPoint = MetricPoint

/// Progress of a running training, for live display.
public struct TrainingProgress: Sendable {
    public var model: String
    public var sequences: Int
    public var total: Int
    public var sequencesPerSecond: Double
    public var costBits: Double
    public var elapsed: Double
    public var eta: Double { sequencesPerSecond > 0 ? Double(total - sequences) / sequencesPerSecond : .infinity }
}

/// What a finished training produced.
public struct TrainingOutcome: Sendable {
    public var sequences: Int
    public var steps: Int
    public var wallSeconds: Double
    public var curve: [CurvePoint]
    /// Steps whose loss or gradient was not finite, which were not applied.
    public var skippedSteps: Int
    /// Every validation, in order.
    public var validation: [ValidationPoint]
    /// The validation whose weights the model ends with (`nil` when the final weights are kept).
    public var selected: ValidationPoint?
    /// The level an advancing curriculum reached (nil without one).
    public var curriculumLevel: Int? = nil

    public init(sequences: Int, steps: Int, wallSeconds: Double, curve: [CurvePoint], skippedSteps: Int,
                validation: [ValidationPoint], selected: ValidationPoint?, curriculumLevel: Int? = nil) {
        self.sequences = sequences
        self.steps = steps
        self.wallSeconds = wallSeconds
        self.curve = curve
        self.skippedSteps = skippedSteps
        self.validation = validation
        self.selected = selected
        self.curriculumLevel = curriculumLevel
    }

    /// The first validation with fewer than `bitErrors` errors per sequence: when the task was solved.
    public func firstSolved(below bitErrors: Double) -> ValidationPoint? {
        validation.first { $0.bitErrors < bitErrors }
    }
}

/// Trains one model on one task.
///
/// A trainer can stop between steps (`TrainerControl.stop`), write training checkpoints
/// (`TrainerControl.checkpointPath`), and continue from one (`restore(_:)`): a run stopped and
/// resumed any number of times ends with exactly the numbers of a run that never stopped.
public final class Trainer {
    public let model: any SequenceModel
    public let task: any SequenceTask
    public let settings: TrainingSettings
    public let state: OptimizerState
    /// The training data stream.
    public private(set) var dataRNG: RandomSource
    /// Sequences between learning-curve points.
    public let curveEvery: Int
    public let validation: ValidationSettings
    /// Chooses each batch's length parameter (`Curriculum.none`: the task's own distribution).
    public private(set) var curriculum: Curriculum
    /// Forward and backward of a batch, in `settings.shards` blocks.
    public let step: GradientStep
    /// The training state when the budget was reached, before the best validation's weights were
    /// restored: what a finished training checkpoint holds. Set by `run` when it finishes.
    public private(set) var finalState: TrainingState?

    /// Counters and records of the training so far, all restored by `restore(_:)`.
    private struct Loop {
        var seen = 0, steps = 0, skipped = 0, consecutiveSkipped = 0
        var windowLoss = 0.0, windowErrors = 0.0, windowCount = 0
        var lastCost = Double.nan
        var curve: [CurvePoint] = []
        var validations: [ValidationPoint] = []
        var best: (point: ValidationPoint, weights: [[Float]])?
        /// Training wall time before this `run` (from a restored state).
        var secondsBefore = 0.0
    }

    private var loop = Loop()
    /// Sequences of the training checkpoint this trainer last wrote or was restored from.
    private var lastCheckpointSequences: Int?

    /// - Parameters:
    ///   - threads: threads that run a batch's shards (results do not depend on it).
    ///   - makeReplica: builds another model of the same configuration, needed when `settings.shards > 1`.
    public init(model: any SequenceModel, task: any SequenceTask, settings: TrainingSettings, dataRNG: RandomSource,
                curveEvery: Int, validation: ValidationSettings = .disabled, curriculum: Curriculum = .none, threads: Int = 1,
                makeReplica: (() -> any SequenceModel)? = nil) {
        precondition(settings.batch >= 1 && settings.sequences >= 0 && curveEvery >= 1, "invalid training settings")
        self.model = model
        self.task = task
        self.settings = settings
        self.dataRNG = dataRNG
        self.curveEvery = curveEvery
        self.validation = validation
        self.curriculum = curriculum
        state = OptimizerState(optimizer: settings.optimizer.make(), parameters: model.parameters)
        let shards = makeReplica == nil ? 1 : min(settings.shards, settings.batch)
        step = GradientStep(model: model, shards: shards, threads: threads, makeReplica: makeReplica)
        parallelism = Parallelism(threads: threads)
    }

    /// Threads for the optimiser's update (element-wise, so the thread count never changes a number).
    private let parallelism: Parallelism

    // MARK: - Training state

    /// The complete state between two steps (`seconds`: training wall time so far).
    public func trainingState(status: TrainingState.Status = .training, seconds: Double) -> TrainingState {
        TrainingState(
            status: status, weights: model.parameters.map(\.value.array), optimizerStep: state.step,
            optimizerBuffers: state.buffers.map(\.array), dataRNG: dataRNG, sequences: loop.seen, steps: loop.steps,
            skipped: loop.skipped, consecutiveSkipped: loop.consecutiveSkipped, windowCost: loop.windowLoss,
            windowErrors: loop.windowErrors, windowCount: loop.windowCount, lastCost: loop.lastCost, curve: loop.curve,
            validation: loop.validations, best: loop.best?.point, bestWeights: loop.best?.weights, seconds: seconds,
            evaluation: nil, curriculum: curriculum.state)
    }

    /// Continues from `saved` (usually decoded by `TrainingCheckpoint.decode`): weights, optimiser state,
    /// data generator, counters, curve and validations. Refuses a state that is inconsistent with this
    /// trainer's settings; nothing is changed then.
    public func restore(_ saved: TrainingState) throws(NTMError) {
        func bad(_ what: String) -> NTMError { .runtime("the training state \(what)") }
        let params = model.parameters
        guard saved.weights.count == params.count, zip(saved.weights, params).allSatisfy({ $0.count == $1.count }) else {
            throw bad("does not fit the model's parameters")
        }
        guard saved.optimizerBuffers.count == state.buffers.count,
              zip(saved.optimizerBuffers, state.buffers).allSatisfy({ $0.count == $1.count }) else {
            throw bad("does not fit the optimiser")
        }
        if let w = saved.bestWeights {
            guard saved.best != nil, w.count == params.count, zip(w, params).allSatisfy({ $0.count == $1.count }) else {
                throw bad("has best-validation weights that do not fit the model")
            }
        }
        let b = settings.batch
        let (product, overflow) = saved.steps.multipliedReportingOverflow(by: b)
        guard saved.sequences <= settings.sequences, !overflow, product == saved.sequences else {
            throw bad("is at \(saved.sequences) sequences after \(saved.steps) steps, which does not fit a budget of "
                      + "\(settings.sequences) in batches of \(b)")
        }
        guard saved.skipped <= saved.steps, saved.consecutiveSkipped <= saved.skipped,
              saved.optimizerStep == saved.steps - saved.skipped else {
            throw bad("has inconsistent step counts (steps \(saved.steps), skipped \(saved.skipped), "
                      + "consecutive \(saved.consecutiveSkipped), updates \(saved.optimizerStep))")
        }
        guard saved.windowCount <= saved.sequences, saved.windowCount % b == 0,
              saved.windowCost.isFinite, saved.windowErrors.isFinite else {
            throw bad("has an invalid learning-curve window")
        }
        guard saved.curve.allSatisfy({ $0.sequences <= saved.sequences }),
              saved.validation.allSatisfy({ $0.sequences <= saved.sequences }),
              (saved.best?.sequences ?? 0) <= saved.sequences, saved.seconds.isFinite, saved.seconds >= 0 else {
            throw bad("has records beyond its own position")
        }
        guard saved.bestWeights != nil || saved.best == nil else { throw bad("has a best validation without its weights") }
        var restoredCurriculum = curriculum
        try restoredCurriculum.restore(saved.curriculum)
        for (p, w) in zip(params, saved.weights) { p.value.copy(from: w) }
        for (buffer, w) in zip(state.buffers, saved.optimizerBuffers) { buffer.copy(from: w) }
        state.restore(step: saved.optimizerStep)
        dataRNG = saved.dataRNG
        curriculum = restoredCurriculum
        loop = Loop(seen: saved.sequences, steps: saved.steps, skipped: saved.skipped,
                    consecutiveSkipped: saved.consecutiveSkipped, windowLoss: saved.windowCost,
                    windowErrors: saved.windowErrors, windowCount: saved.windowCount, lastCost: saved.lastCost,
                    curve: saved.curve, validations: saved.validation,
                    best: saved.best.map { ($0, saved.bestWeights!) }, secondsBefore: saved.seconds)
        lastCheckpointSequences = saved.sequences
        finalState = nil
    }

    // MARK: - Running

    /// Runs the whole budget (from where a restored state left off). `progress` is called about twice a
    /// second from this thread. Non-finite steps are skipped and counted, however many there are.
    public func run(progress: ((TrainingProgress) -> Void)? = nil) -> TrainingOutcome {
        run(progress: progress, control: TrainerControl()).outcome
    }

    /// Runs the budget under `control`: stops between steps when asked, writes training checkpoints on
    /// its schedule (and when stopping and finishing), applies the non-finite policy.
    public func run(progress: ((TrainingProgress) -> Void)? = nil, control: TrainerControl) -> TrainingEnd {
        let resumed = Date()
        let start = resumed.addingTimeInterval(-loop.secondsBefore)
        let params = model.parameters
        var lastCheckpoint = resumed
        var lastReport = resumed
        func elapsed() -> Double { Date().timeIntervalSince(start) }
        func outcome() -> TrainingOutcome {
            TrainingOutcome(sequences: loop.seen, steps: loop.steps, wallSeconds: elapsed(), curve: loop.curve,
                            skippedSteps: loop.skipped, validation: loop.validations, selected: nil,
                            curriculumLevel: curriculum.state?.level)
        }
        func writeCheckpoint(_ s: TrainingState) throws(NTMError) {
            guard let path = control.checkpointPath else { return }
            try TrainingCheckpoint.file(s, model: model, optimizer: state.optimizer, extra: control.checkpointMetadata)
                .write(path: path)
            lastCheckpoint = Date()
            lastCheckpointSequences = s.sequences
        }
        func validate() {
            let r = Evaluation.evaluate(model: model, task: task, points: [validation.point],
                                        sequences: validation.sequences, evalSeed: validation.seed, stream: "validation")[0]
            let point = ValidationPoint(sequences: loop.seen, costBits: r.costBits, bitErrors: r.bitErrors, seconds: elapsed())
            loop.validations.append(point)
            if validation.keepBest && r.costBits.isFinite && (loop.best == nil || r.costBits < loop.best!.point.costBits) {
                loop.best = (point, params.map(\.value.array))
            }
        }
        finalState = nil
        let seenAtStart = loop.seen
        var checkpointedAt = control.checkpointPath != nil ? lastCheckpointSequences : nil
        while loop.seen < settings.sequences {
            if control.stop?.shouldStop(steps: loop.steps) == true {
                if checkpointedAt != loop.seen {
                    do { try writeCheckpoint(trainingState(seconds: elapsed())) } catch { return .failed(error, outcome()) }
                }
                return .interrupted(outcome())
            }
            let b = settings.batch
            let level = curriculum.nextLevel(rng: &dataRNG)
            let batch = level.map { task.makeBatch(batchSize: b, point: task.point(level: $0), rng: &dataRNG) }
                ?? task.makeBatch(batchSize: b, length: nil, rng: &dataRNG)
            let result = step.run(batch)
            loop.steps += 1
            loop.seen += b
            control.gradientHook?(loop.steps, params)
            var culprit: String?
            if !result.loss.isFinite {
                culprit = "loss"
            } else {
                let norm = GradientClipping.clipByGlobalNorm(params, maxNorm: settings.clipNorm)
                if !norm.isFinite {
                    let p = params.first { p in p.trainable && (0..<p.count).contains { !p.grad.base[$0].isFinite } }
                    culprit = p.map { "gradient of '\($0.name)'" } ?? "gradient norm"
                }
            }
            if let culprit {
                // A non-finite loss or gradient never reaches the weights.
                loop.skipped += 1
                loop.consecutiveSkipped += 1
                let policy = control.nonFinite
                if policy.mode == .stop || loop.consecutiveSkipped >= policy.maxConsecutive {
                    return .failed(nonFiniteError(culprit, policy: policy, path: control.checkpointPath), outcome())
                }
            } else {
                if settings.clipGradValue > 0 { GradientClipping.clipByValue(params, limit: Float(settings.clipGradValue)) }
                state.apply(parallelism: parallelism)
                loop.consecutiveSkipped = 0
                loop.windowLoss += result.costBits * Double(b)
                loop.windowErrors += result.bitErrors * Double(b)
                loop.windowCount += b
                if let level { curriculum.record(level: level, bitErrors: result.bitErrors, sequences: b) }
            }
            if loop.seen / curveEvery != (loop.seen - b) / curveEvery || loop.seen >= settings.sequences {
                if loop.windowCount > 0 {
                    loop.lastCost = loop.windowLoss / Double(loop.windowCount)
                    loop.curve.append(CurvePoint(sequences: loop.seen, costBits: loop.lastCost,
                                                 bitErrors: loop.windowErrors / Double(loop.windowCount), seconds: elapsed()))
                }
                loop.windowLoss = 0; loop.windowErrors = 0; loop.windowCount = 0
            }
            if validation.every > 0
                && (loop.seen / validation.every != (loop.seen - b) / validation.every || loop.seen >= settings.sequences) {
                validate()
            }
            if control.checkpointPath != nil && loop.seen < settings.sequences
                && control.schedule.isDue(seen: loop.seen, batch: b, secondsSinceLast: Date().timeIntervalSince(lastCheckpoint)) {
                do { try writeCheckpoint(trainingState(seconds: elapsed())) } catch { return .failed(error, outcome()) }
                checkpointedAt = loop.seen
            }
            if let progress {
                let now = Date()
                if now.timeIntervalSince(lastReport) >= 0.5 || loop.seen >= settings.sequences {
                    lastReport = now
                    let elapsed = now.timeIntervalSince(start)
                    let cost = loop.windowCount > 0 ? loop.windowLoss / Double(loop.windowCount) : loop.lastCost
                    progress(TrainingProgress(model: model.kind, sequences: loop.seen, total: settings.sequences,
                                              sequencesPerSecond: Double(loop.seen) / max(elapsed, 1e-9), costBits: cost,
                                              elapsed: elapsed))
                }
            }
        }
        // The end of the budget: checkpoint it (training done, evaluation not yet), then keep the best weights.
        // A run resumed at its end trained nothing: it keeps the time it had, not that plus this call's.
        let end = trainingState(seconds: loop.seen == seenAtStart ? loop.secondsBefore : elapsed())
        if checkpointedAt != loop.seen {
            do { try writeCheckpoint(end) } catch { return .failed(error, outcome()) }
        }
        finalState = end
        var result = outcome()
        // The wall time is the one the final checkpoint records, not counting the checkpoint's own writing:
        // a finished run re-read by `--resume` then reports the same time.
        result.wallSeconds = end.seconds
        if let best = loop.best, best.point.sequences != loop.seen {
            for (p, w) in zip(params, best.weights) { p.value.copy(from: w) }
            result.selected = best.point
        }
        return .finished(result)
    }

    private func nonFiniteError(_ culprit: String, policy: NonFinitePolicy, path: String?) -> NTMError {
        let b = settings.batch
        var text = "\(model.kind): step \(loop.steps) (sequences \(loop.seen - b + 1)-\(loop.seen)) has a non-finite \(culprit)"
        if policy.mode == .stop {
            text += "; stopping at the first non-finite step (--on-nonfinite stop)"
        } else {
            text += "; \(loop.consecutiveSkipped) consecutive non-finite steps skipped, the limit (--on-nonfinite skip)"
        }
        if let path {
            if let at = lastCheckpointSequences {
                text += "; last good training checkpoint: \(path) at \(at) sequences"
            } else {
                text += "; no training checkpoint was written yet"
            }
        }
        return .runtime(text)
    }
}
