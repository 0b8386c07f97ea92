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
    /// Seed of the validation set.
    public var seed: UInt64
    /// At the end, restore the weights of the validation with the lowest cost, so that a late
    /// instability (common in NTM training) does not decide the result.
    public var keepBest: Bool

    public init(every: Int, sequences: Int, length: Int, seed: UInt64, keepBest: Bool) {
        self.every = every
        self.sequences = sequences
        self.length = length
        self.seed = seed
        self.keepBest = keepBest
    }

    public static let disabled = ValidationSettings(every: 0, sequences: 0, length: 1, seed: 0, keepBest: false)
}

/// One validation: cost and bit errors per sequence on the validation set after `sequences`.
public struct ValidationPoint: Sendable, Equatable {
    public var sequences: Int
    public var costBits: Double
    public var bitErrors: Double
    public var seconds: Double
}

/// One point of a learning curve: the mean training cost and bit errors over the sequences since
/// the previous point.
public struct CurvePoint: Sendable, Equatable {
    public var sequences: Int
    public var costBits: Double
    public var bitErrors: Double
    public var seconds: Double
}

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

    /// The first validation with fewer than `bitErrors` errors per sequence: when the task was solved.
    public func firstSolved(below bitErrors: Double) -> ValidationPoint? {
        validation.first { $0.bitErrors < bitErrors }
    }
}

/// Trains one model on one task.
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
    /// Forward and backward of a batch, in `settings.shards` blocks.
    public let step: GradientStep

    /// - Parameters:
    ///   - threads: threads that run a batch's shards (results do not depend on it).
    ///   - makeReplica: builds another model of the same configuration, needed when `settings.shards > 1`.
    public init(model: any SequenceModel, task: any SequenceTask, settings: TrainingSettings, dataRNG: RandomSource,
                curveEvery: Int, validation: ValidationSettings = .disabled, threads: Int = 1,
                makeReplica: (() -> any SequenceModel)? = nil) {
        precondition(settings.batch >= 1 && settings.sequences >= 0 && curveEvery >= 1, "invalid training settings")
        self.model = model
        self.task = task
        self.settings = settings
        self.dataRNG = dataRNG
        self.curveEvery = curveEvery
        self.validation = validation
        state = OptimizerState(optimizer: settings.optimizer.make(), parameters: model.parameters)
        let shards = makeReplica == nil ? 1 : min(settings.shards, settings.batch)
        step = GradientStep(model: model, shards: shards, threads: threads, makeReplica: makeReplica)
    }

    /// Runs the whole budget. `progress` is called about twice a second from this thread.
    public func run(progress: ((TrainingProgress) -> Void)? = nil) -> TrainingOutcome {
        let start = Date()
        let params = model.parameters
        var curve: [CurvePoint] = []
        var seen = 0, steps = 0, skipped = 0
        var windowLoss = 0.0, windowErrors = 0.0, windowCount = 0
        var lastReport = start, lastCost = Double.nan
        var validations: [ValidationPoint] = []
        var best: (point: ValidationPoint, weights: [[Float]])?
        func validate() {
            let r = Evaluation.evaluate(model: model, task: task, lengths: [validation.length],
                                        sequences: validation.sequences, evalSeed: validation.seed, stream: "validation")[0]
            let point = ValidationPoint(sequences: seen, costBits: r.costBits, bitErrors: r.bitErrors,
                                        seconds: Date().timeIntervalSince(start))
            validations.append(point)
            if validation.keepBest && r.costBits.isFinite && (best == nil || r.costBits < best!.point.costBits) {
                best = (point, params.map(\.value.array))
            }
        }
        while seen < settings.sequences {
            let b = settings.batch
            let batch = task.makeBatch(batchSize: b, length: nil, rng: &dataRNG)
            let result = step.run(batch)
            steps += 1
            seen += b
            let norm = result.loss.isFinite ? GradientClipping.clipByGlobalNorm(params, maxNorm: settings.clipNorm) : .nan
            if result.loss.isFinite && norm.isFinite {
                if settings.clipGradValue > 0 { GradientClipping.clipByValue(params, limit: Float(settings.clipGradValue)) }
                state.apply()
                windowLoss += result.costBits * Double(b)
                windowErrors += result.bitErrors * Double(b)
                windowCount += b
            } else {
                // A non-finite loss or gradient never reaches the weights.
                skipped += 1
            }
            if seen / curveEvery != (seen - b) / curveEvery || seen >= settings.sequences {
                if windowCount > 0 {
                    lastCost = windowLoss / Double(windowCount)
                    curve.append(CurvePoint(sequences: seen, costBits: lastCost,
                                            bitErrors: windowErrors / Double(windowCount),
                                            seconds: Date().timeIntervalSince(start)))
                }
                windowLoss = 0; windowErrors = 0; windowCount = 0
            }
            if validation.every > 0 && (seen / validation.every != (seen - b) / validation.every || seen >= settings.sequences) {
                validate()
            }
            if let progress {
                let now = Date()
                if now.timeIntervalSince(lastReport) >= 0.5 || seen >= settings.sequences {
                    lastReport = now
                    let elapsed = now.timeIntervalSince(start)
                    let cost = windowCount > 0 ? windowLoss / Double(windowCount) : lastCost
                    progress(TrainingProgress(model: model.kind, sequences: seen, total: settings.sequences,
                                              sequencesPerSecond: Double(seen) / max(elapsed, 1e-9), costBits: cost,
                                              elapsed: elapsed))
                }
            }
        }
        var selected: ValidationPoint?
        if let best, best.point.sequences != seen {
            for (p, w) in zip(params, best.weights) { p.value.copy(from: w) }
            selected = best.point
        }
        return TrainingOutcome(sequences: seen, steps: steps, wallSeconds: Date().timeIntervalSince(start),
                               curve: curve, skippedSteps: skipped, validation: validations, selected: selected)
    }
}
