// Evaluation on a fixed, seeded set of sequences kept apart from the training stream.
import NTMCore
import NTMLayers
import NTMModels
import NTMTasks

/// Cost and bit errors of a model at one task point.
public struct EvaluationResult: Sendable, Equatable {
    public var length: Int
    public var sequences: Int
    /// Mean cost in bits per sequence.
    public var costBits: Double
    /// Mean bit errors per sequence.
    public var bitErrors: Double
    /// The repeat count of the point (repeat copy), nil for the other tasks.
    public var repeats: Int? = nil

    public var point: TaskPoint { TaskPoint(length: length, repeats: repeats) }

    public init(length: Int, sequences: Int, costBits: Double, bitErrors: Double, repeats: Int? = nil) {
        self.length = length
        self.sequences = sequences
        self.costBits = costBits
        self.bitErrors = bitErrors
        self.repeats = repeats
    }
}

public enum Evaluation {
    /// The generator of evaluation sequence `index` at `length`: derived from the evaluation seed, the
    /// task, the length and the index only, never from the training stream, so every model and every
    /// run with the same evaluation seed sees the same sequences, whatever the evaluation batch size.
    ///
    /// `stream` names the set: `eval` for the reported evaluation, `validation` for the set the trainer
    /// watches during training (drawn from the training seed, so it is never the evaluation set).
    /// A point with a repeat count is named `LxR` in the stream (`eval/repeat-copy/10x20/0`).
    public static func rng(evalSeed: UInt64, task: String, length: Int, repeats: Int? = nil, index: Int,
                           stream: String = "eval") -> RandomSource {
        let point = TaskPoint(length: length, repeats: repeats)
        return RandomSource.derived(seed: evalSeed, stream: "\(stream)/\(task)/\(point)/\(index)")
    }

    /// Sequences `first..<first + count` of the evaluation set at `point`, as one batch.
    public static func batch(task: any SequenceTask, point: TaskPoint, first: Int, count: Int, evalSeed: UInt64,
                             stream: String = "eval") -> Batch {
        Batch.stacking((first..<(first + count)).map { i in
            var rng = rng(evalSeed: evalSeed, task: task.name, length: point.length, repeats: point.repeats, index: i,
                          stream: stream)
            return task.makeBatch(batchSize: 1, point: point, rng: &rng)
        })
    }

    /// Sequences `first..<first + count` of the evaluation set at `length`, as one batch.
    public static func batch(task: any SequenceTask, length: Int, first: Int, count: Int, evalSeed: UInt64,
                             stream: String = "eval") -> Batch {
        batch(task: task, point: TaskPoint(length: length), first: first, count: count, evalSeed: evalSeed, stream: stream)
    }

    /// Evaluates `model` on `sequences` sequences of each length, in batches of at most `batchSize`.
    public static func evaluate(
        model: any SequenceModel, task: any SequenceTask, lengths: [Int], sequences: Int, evalSeed: UInt64,
        batchSize: Int = 50, stream: String = "eval"
    ) -> [EvaluationResult] {
        evaluate(model: model, task: task, points: lengths.map { TaskPoint(length: $0) }, sequences: sequences,
                 evalSeed: evalSeed, batchSize: batchSize, stream: stream)
    }

    /// Cost (bits) and bit errors per sequence on `sequences` sequences drawn from the task's own training
    /// distribution — each with its own length (repeat count, item count, ...), as the paper's training
    /// curves measure — generated from `\(stream)/<task>/training/<index>` of the evaluation seed, so never
    /// from the training stream. The sequences differ in length, so they run one at a time.
    public static func evaluateTrainingDistribution(
        model: any SequenceModel, task: any SequenceTask, sequences: Int, evalSeed: UInt64, stream: String = "eval"
    ) -> (costBits: Double, bitErrors: Double) {
        precondition(model.inputWidth == task.inputWidth && model.outputWidth == task.outputWidth,
                     "the model's widths do not fit the task")
        var loss = 0.0, errors = 0.0
        var logits: [Float] = []
        for i in 0..<sequences {
            var rng = RandomSource.derived(seed: evalSeed, stream: "\(stream)/\(task.name)/training/\(i)")
            let batch = task.makeBatch(batchSize: 1, length: nil, rng: &rng)
            let result = score(model: model, batch: batch, batchSize: 1, logits: &logits)
            loss += result.loss
            errors += result.bitErrors
        }
        let total = Double(max(sequences, 1))
        return (loss / total / 0.693_147_180_559_945_3, errors / total)
    }

    /// The cost of the optimal Bayesian predictor on the N-gram evaluation set at `point`, in bits per
    /// sequence (the same sequences the models are scored on).
    public static func bayesianCost(task: NGramTask, point: TaskPoint, sequences: Int, evalSeed: UInt64,
                                    batchSize: Int = 50) -> Double {
        var total = 0.0
        var first = 0
        while first < sequences {
            let b = min(batchSize, sequences - first)
            total += task.bayesianCost(of: batch(task: task, point: point, first: first, count: b, evalSeed: evalSeed))
                * Double(b)
            first += b
        }
        return total / Double(sequences)
    }

    /// Evaluates `model` on `sequences` sequences at each point, in batches of at most `batchSize`.
    public static func evaluate(
        model: any SequenceModel, task: any SequenceTask, points: [TaskPoint], sequences: Int, evalSeed: UInt64,
        batchSize: Int = 50, stream: String = "eval"
    ) -> [EvaluationResult] {
        precondition(model.inputWidth == task.inputWidth && model.outputWidth == task.outputWidth,
                     "the model's widths do not fit the task")
        return points.map { point in
            var remaining = sequences
            var loss = 0.0, errors = 0.0
            var logits: [Float] = []
            while remaining > 0 {
                let b = min(batchSize, remaining)
                let batch = batch(task: task, point: point, first: sequences - remaining, count: b, evalSeed: evalSeed,
                                  stream: stream)
                let result = score(model: model, batch: batch, batchSize: b, logits: &logits)
                loss += result.loss * Double(b)
                errors += result.bitErrors * Double(b)
                remaining -= b
            }
            let total = Double(sequences)
            return EvaluationResult(length: point.length, sequences: sequences, costBits: loss / total / 0.693_147_180_559_945_3,
                                    bitErrors: errors / total, repeats: point.repeats)
        }
    }

    /// Forward over `batch` (`batchSize` sequences) and its mean loss and bit errors per sequence;
    /// `logits` is grown as needed and reused between calls.
    private static func score(model: any SequenceModel, batch: Batch, batchSize b: Int,
                              logits: inout [Float]) -> BitLossResult {
        let n = batch.steps * b * model.outputWidth
        if logits.count < n { logits = [Float](repeating: 0, count: n) }
        return logits.withUnsafeMutableBufferPointer { y in
            batch.inputs.values.withUnsafeBufferPointer { x in
                model.forward(inputs: x.baseAddress!, steps: batch.steps, batch: b, logits: y.baseAddress!)
            }
            return batch.targets.values.withUnsafeBufferPointer { tg in
                batch.mask.values.withUnsafeBufferPointer { m in
                    BitLoss.evaluate(logits: y.baseAddress!, targets: tg.baseAddress!, mask: m.baseAddress!,
                                     steps: batch.steps, batch: b, width: model.outputWidth, gradient: nil)
                }
            }
        }
    }
}
