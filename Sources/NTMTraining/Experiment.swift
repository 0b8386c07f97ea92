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
        let plan = config.plan(kind)
        var initRNG = config.initRNG(for: kind)
        let model = ModelFactory.make(plan.model, rng: &initRNG)
        let task = config.task.make()
        let trainer = Trainer(model: model, task: task, settings: plan.training, dataRNG: config.dataRNG(),
                              curveEvery: config.curveEvery(for: kind), validation: config.validation, threads: threads,
                              makeReplica: {
                                  var rng = RandomSource(seed: 0)
                                  return ModelFactory.make(plan.model, rng: &rng)
                              })
        let outcome = trainer.run(progress: progress)
        let evaluation = Evaluation.evaluate(model: model, task: task, lengths: config.evalLengths,
                                             sequences: config.evalSequences, evalSeed: config.evalSeed)
        return ModelResult(kind: kind, config: plan.model, training: plan.training, parameters: model.parameterCount,
                           outcome: outcome, evaluation: evaluation,
                           checkpoint: Checkpoint.file(of: model, extra: ["task": config.task.name, "seed": "\(config.seed)"]))
    }

    /// Trains every model, at most `threads` at a time, and returns the results in `config.models` order.
    /// Threads left over when there are fewer models than threads run each model's batch shards.
    /// The numbers do not depend on `threads`: each model has its own generators, and its shard count
    /// comes from the configuration.
    public static func run(_ config: ExperimentConfig, threads: Int, progress: ProgressBoard? = nil) -> [ModelResult] {
        let kinds = config.models
        let box = ResultBox(count: kinds.count)
        let next = Counter()
        let workers = max(1, min(threads, kinds.count))
        let perModel = max(1, threads / max(kinds.count, 1))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let i = next.take(below: kinds.count) {
                let result = runModel(kinds[i], config: config, threads: perModel,
                                      progress: progress.map { board in { board.update($0) } })
                box.set(i, result)
            }
        }
        return box.results
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

    func set(_ i: Int, _ r: ModelResult) {
        lock.lock()
        slots[i] = r
        lock.unlock()
    }

    var results: [ModelResult] {
        lock.lock()
        defer { lock.unlock() }
        return slots.map { $0! }
    }
}
