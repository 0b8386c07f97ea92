// Evaluation on a fixed, seeded set of sequences kept apart from the training stream.
import NTMCore
import NTMLayers
import NTMModels
import NTMTasks

/// Cost and bit errors of a model at one task length.
public struct EvaluationResult: Sendable, Equatable {
    public var length: Int
    public var sequences: Int
    /// Mean cost in bits per sequence.
    public var costBits: Double
    /// Mean bit errors per sequence.
    public var bitErrors: Double
}

public enum Evaluation {
    /// The generator of evaluation sequence `index` at `length`: derived from the evaluation seed, the
    /// task, the length and the index only, never from the training stream, so every model and every
    /// run with the same evaluation seed sees the same sequences, whatever the evaluation batch size.
    ///
    /// `stream` names the set: `eval` for the reported evaluation, `validation` for the set the trainer
    /// watches during training (drawn from the training seed, so it is never the evaluation set).
    public static func rng(evalSeed: UInt64, task: String, length: Int, index: Int, stream: String = "eval") -> RandomSource {
        RandomSource.derived(seed: evalSeed, stream: "\(stream)/\(task)/\(length)/\(index)")
    }

    /// Sequences `first..<first + count` of the evaluation set at `length`, as one batch.
    public static func batch(task: any SequenceTask, length: Int, first: Int, count: Int, evalSeed: UInt64,
                             stream: String = "eval") -> Batch {
        Batch.stacking((first..<(first + count)).map { i in
            var rng = rng(evalSeed: evalSeed, task: task.name, length: length, index: i, stream: stream)
            return task.makeBatch(batchSize: 1, length: length, rng: &rng)
        })
    }

    /// Evaluates `model` on `sequences` sequences of each length, in batches of at most `batchSize`.
    public static func evaluate(
        model: any SequenceModel, task: any SequenceTask, lengths: [Int], sequences: Int, evalSeed: UInt64,
        batchSize: Int = 50, stream: String = "eval"
    ) -> [EvaluationResult] {
        lengths.map { length in
            var remaining = sequences
            var loss = 0.0, errors = 0.0
            var logits: [Float] = []
            while remaining > 0 {
                let b = min(batchSize, remaining)
                let batch = batch(task: task, length: length, first: sequences - remaining, count: b, evalSeed: evalSeed,
                                  stream: stream)
                let n = batch.steps * b * model.outputWidth
                if logits.count < n { logits = [Float](repeating: 0, count: n) }
                let result = logits.withUnsafeMutableBufferPointer { y in
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
                loss += result.loss * Double(b)
                errors += result.bitErrors * Double(b)
                remaining -= b
            }
            let total = Double(sequences)
            return EvaluationResult(length: length, sequences: sequences, costBits: loss / total / 0.693_147_180_559_945_3,
                                    bitErrors: errors / total)
        }
    }
}
