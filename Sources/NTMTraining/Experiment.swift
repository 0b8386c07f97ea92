// Running an experiment: every model of the config trained on the same data stream (models in
// parallel across cores, each bit-for-bit independent of the others), then evaluated.
import Foundation
import NTMCore
import NTMModels
import NTMTasks

/// What one model of an experiment produced.
public struct ModelResult: Sendable {
    public var kind: ModelKind
    public var config: ModelConfig
    public var training: TrainingSettings
    public var parameters: Int
    public var outcome: TrainingOutcome
    public var evaluation: [EvaluationResult]
    /// The trained weights, in checkpoint form.
    public var checkpoint: SafeTensorsFile
    /// Whether the model was trained on its whole budget and evaluated (false: a run stopped early;
    /// `outcome` holds the numbers so far and `evaluation` is empty).
    public var finished: Bool = true
    /// The first evaluation sequence at ``ExperimentConfig/readingPoint`` through the trained model, for
    /// models that record tensors (the NTM's weightings); nil for the others and for unfinished runs.
    public var example: RecordedExample? = nil

    public init(kind: ModelKind, config: ModelConfig, training: TrainingSettings, parameters: Int, outcome: TrainingOutcome,
                evaluation: [EvaluationResult], checkpoint: SafeTensorsFile, finished: Bool = true,
                example: RecordedExample? = nil) {
        self.kind = kind
        self.config = config
        self.training = training
        self.parameters = parameters
        self.outcome = outcome
        self.evaluation = evaluation
        self.checkpoint = checkpoint
        self.finished = finished
        self.example = example
    }
}

/// How an experiment is steered: stopping, training checkpoints, resuming, non-finite steps.
/// None of it changes the numbers.
public struct ExperimentControl: Sendable {
    /// Polled by every model between steps. A model that fails requests it too, so the others stop.
    public var stop: StopToken?
    /// Directory of the training checkpoints, one per model (`<directory>/<model>.safetensors`); nil: none.
    public var stateDirectory: String?
    /// When to checkpoint; nil: `CheckpointSchedule.default` of each model's budget.
    public var schedule: CheckpointSchedule?
    public var nonFinite: NonFinitePolicy
    /// States to continue from (see `Experiment.loadStates`); a finished one is not trained again.
    public var resume: [ModelKind: TrainingState]
    /// Test-only: see `TrainerControl.gradientHook`.
    @_spi(Testing) public var gradientHook: (@Sendable (ModelKind, Int, [Parameter]) -> Void)?

    public init(stop: StopToken? = nil, stateDirectory: String? = nil, schedule: CheckpointSchedule? = nil,
                nonFinite: NonFinitePolicy = .default, resume: [ModelKind: TrainingState] = [:]) {
        self.stop = stop
        self.stateDirectory = stateDirectory
        self.schedule = schedule
        self.nonFinite = nonFinite
        self.resume = resume
    }

    /// The library's historical behaviour: no checkpoints, non-finite steps skipped however many.
    public static let noCheckpoints = ExperimentControl(nonFinite: .skipAlways)
}

/// What an experiment run produced.
public struct ExperimentRun: Sendable {
    public enum Status: Sendable, Equatable {
        /// Every model trained and evaluated.
        case finished
        /// Stopped on request; the results hold the numbers so far.
        case interrupted
        /// Stopped by an error (non-finite steps, a checkpoint that could not be written).
        case failed(NTMError)
    }

    /// One result per model of the configuration, in its order (partial for models that did not finish).
    public var results: [ModelResult]
    public var status: Status
}

/// A thread-safe sink for progress lines from concurrently training models.
public final class ProgressBoard: @unchecked Sendable {
    private let lock = NSLock()
    private var latest: [String: TrainingProgress] = [:]
    private let render: @Sendable ([TrainingProgress]) -> Void
    private let order: [String]

    public init(order: [String], render: @escaping @Sendable ([TrainingProgress]) -> Void) {
        self.order = order
        self.render = render
    }

    public func update(_ p: TrainingProgress) {
        lock.lock()
        defer { lock.unlock() }
        latest[p.model] = p
        render(order.compactMap { latest[$0] })
    }
}

public enum Experiment {
    /// Trains and evaluates one model of `config`.
    public static func runModel(_ kind: ModelKind, config: ExperimentConfig, threads: Int = 1,
                                progress: ((TrainingProgress) -> Void)? = nil) -> ModelResult {
        runModel(kind, config: config, threads: threads, progress: progress, control: .noCheckpoints, stop: StopToken()).result
    }

    /// The training checkpoint of `kind` in `directory`.
    public static func statePath(_ directory: String, _ kind: ModelKind) -> String {
        "\(directory)/\(kind.rawValue).safetensors"
    }

    /// The resolved configuration as training checkpoints record it (the `experiment` metadata).
    public static func experimentText(_ config: ExperimentConfig) -> String {
        Preset.encode(config).serialized()
    }

    static func runModel(_ kind: ModelKind, config: ExperimentConfig, threads: Int, progress: ((TrainingProgress) -> Void)?,
                         control: ExperimentControl, stop: StopToken) -> (result: ModelResult, error: NTMError?) {
        let plan = config.plan(kind)
        var initRNG = config.initRNG(for: kind)
        let model = ModelFactory.make(plan.model, rng: &initRNG)
        let task = config.task.make()
        let trainer = Trainer(model: model, task: task, settings: plan.training, dataRNG: config.dataRNG(),
                              curveEvery: config.curveEvery(for: kind), validation: config.validation,
                              curriculum: config.makeCurriculum(), threads: threads, makeReplica: {
                                  var rng = RandomSource(seed: 0)
                                  return ModelFactory.make(plan.model, rng: &rng)
                              })
        func result(_ outcome: TrainingOutcome, _ evaluation: [EvaluationResult], finished: Bool) -> ModelResult {
            var r = ModelResult(kind: kind, config: plan.model, training: plan.training, parameters: model.parameterCount,
                                outcome: outcome, evaluation: evaluation,
                                checkpoint: Checkpoint.file(of: model, extra: ["task": config.task.name, "seed": "\(config.seed)"]),
                                finished: finished)
            if finished {
                let example = RecordedExample.record(model: model, task: task, point: config.readingPoint,
                                                     evalSeed: config.evalSeed)
                if !example.recorded.isEmpty { r.example = example }
            }
            return r
        }
        let saved = control.resume[kind]
        if let saved {
            do { try trainer.restore(saved) } catch {
                let path = control.stateDirectory.map { statePath($0, kind) } ?? kind.rawValue
                return (result(TrainingOutcome(sequences: 0, steps: 0, wallSeconds: 0, curve: [], skippedSteps: 0,
                                               validation: [], selected: nil), [], finished: false),
                        .runtime("\(path): \(error.message)"))
            }
        }
        let path = control.stateDirectory.map { statePath($0, kind) }
        var trainerControl = TrainerControl(
            stop: stop, checkpointPath: path, checkpointMetadata: ["experiment": experimentText(config)],
            schedule: control.schedule ?? .default(budget: plan.training.sequences, batch: plan.training.batch),
            nonFinite: control.nonFinite)
        if let hook = control.gradientHook { trainerControl.gradientHook = { hook(kind, $0, $1) } }
        switch trainer.run(progress: progress, control: trainerControl) {
        case .interrupted(let outcome):
            return (result(outcome, [], finished: false), nil)
        case .failed(let error, let outcome):
            return (result(outcome, [], finished: false), error)
        case .finished(let outcome):
            if let saved, saved.status == .finished, let evaluation = saved.evaluation {
                return (result(outcome, evaluation, finished: true), nil)
            }
            // Point by point, so that a stop request is honoured between points.
            var evaluation: [EvaluationResult] = []
            for point in config.evaluationPoints {
                if stop.isRequested { return (result(outcome, [], finished: false), nil) }
                evaluation += Evaluation.evaluate(model: model, task: task, points: [point],
                                                  sequences: config.evalSequences, evalSeed: config.evalSeed)
            }
            if let path, var final = trainer.finalState {
                final.status = .finished
                final.evaluation = evaluation
                do {
                    try TrainingCheckpoint.file(final, model: model, optimizer: trainer.state.optimizer,
                                                extra: trainerControl.checkpointMetadata).write(path: path)
                } catch {
                    return (result(outcome, evaluation, finished: false), error)
                }
            }
            return (result(outcome, evaluation, finished: true), nil)
        }
    }

    /// Trains every model, at most `threads` at a time, and returns the results in `config.models` order.
    /// Threads left over when there are fewer models than threads run each model's batch shards.
    /// The numbers do not depend on `threads`: each model has its own generators, and its shard count
    /// comes from the configuration.
    public static func run(_ config: ExperimentConfig, threads: Int, progress: ProgressBoard? = nil) -> [ModelResult] {
        run(config, threads: threads, progress: progress, control: .noCheckpoints).results
    }

    /// Trains every model under `control`: each continues from its state in `control.resume`, checkpoints
    /// into `control.stateDirectory`, and stops between steps when `control.stop` asks (or when another
    /// model fails). Every model gets a result, partial when it did not finish.
    public static func run(_ config: ExperimentConfig, threads: Int, progress: ProgressBoard? = nil,
                           control: ExperimentControl) -> ExperimentRun {
        let kinds = config.models
        let box = ResultBox(count: kinds.count)
        let next = Counter()
        let stop = control.stop ?? StopToken()
        let workers = max(1, min(threads, kinds.count))
        let perModel = max(1, threads / max(kinds.count, 1))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let i = next.take(below: kinds.count) {
                let (result, error) = runModel(kinds[i], config: config, threads: perModel,
                                               progress: progress.map { board in { board.update($0) } },
                                               control: control, stop: stop)
                box.set(i, result)
                if let error {
                    box.fail(error)
                    stop.request()
                }
            }
        }
        let results = box.results
        let status: ExperimentRun.Status
        if let error = box.firstError {
            status = .failed(error)
        } else if results.allSatisfy(\.finished) {
            status = .finished
        } else {
            status = .interrupted
        }
        return ExperimentRun(results: results, status: status)
    }
}

/// Hands out indices 0, 1, 2, ... to worker threads.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func take(below limit: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard value < limit else { return nil }
        value += 1
        return value - 1
    }
}

final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [ModelResult?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    private var errors: [NTMError] = []

    func set(_ i: Int, _ r: ModelResult) {
        lock.lock()
        slots[i] = r
        lock.unlock()
    }

    func fail(_ e: NTMError) {
        lock.lock()
        errors.append(e)
        lock.unlock()
    }

    /// The first error in time: the cause (later ones are often its consequences).
    var firstError: NTMError? {
        lock.lock()
        defer { lock.unlock() }
        return errors.first
    }

    var results: [ModelResult] {
        lock.lock()
        defer { lock.unlock() }
        return slots.map { $0! }
    }
}
