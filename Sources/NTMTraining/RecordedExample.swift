// One evaluation sequence through a trained model, kept whole for a figure: what went in, what was
// wanted, what came out, and what the model records inside (the NTM's head weightings).
import NTMCore
import NTMLayers
import NTMModels
import NTMTasks

/// The first sequence of the evaluation set at a point, run through a model. Every tensor is
/// time-major and holds batch element 0 only: `[T, width]`.
public struct RecordedExample: Sendable, Equatable {
    /// A named `[T, width]` tensor, e.g. `write_weights.0` over the memory rows.
    public struct Channel: Sendable, Equatable {
        public var name: String
        public var tensor: Tensor

        public init(name: String, tensor: Tensor) {
            self.name = name
            self.tensor = tensor
        }
    }

    public var point: TaskPoint
    public var inputs: Tensor
    public var targets: Tensor
    /// `[T]`: 1 at the steps whose targets are scored.
    public var mask: Tensor
    /// `σ(logits)` at the scored steps, 0 elsewhere.
    public var outputs: Tensor
    /// What the model records in its forward pass (``SequenceModel/recordedTensors()``), in its order.
    public var recorded: [Channel]

    public var steps: Int { mask.count }

    public init(point: TaskPoint, inputs: Tensor, targets: Tensor, mask: Tensor, outputs: Tensor, recorded: [Channel]) {
        precondition(mask.shape.count == 1, "the mask is [T]")
        let T = mask.count
        for t in [inputs, targets, outputs] + recorded.map(\.tensor) {
            precondition(t.shape.count == 2 && t.shape[0] == T, "example tensors are [T = \(T), width], not \(t.shape)")
        }
        self.point = point
        self.inputs = inputs
        self.targets = targets
        self.mask = mask
        self.outputs = outputs
        self.recorded = recorded
    }

    /// Runs `model` forward over sequence 0 of the evaluation set at `point` (the sequence evaluation
    /// scores first, drawn from `evalSeed` alone) and keeps everything a figure of it needs.
    public static func record(model: any SequenceModel, task: any SequenceTask, point: TaskPoint,
                              evalSeed: UInt64) -> RecordedExample {
        precondition(model.inputWidth == task.inputWidth && model.outputWidth == task.outputWidth,
                     "the model's widths do not fit the task")
        let batch = Evaluation.batch(task: task, point: point, first: 0, count: 1, evalSeed: evalSeed)
        let T = batch.steps, Y = model.outputWidth
        var logits = [Float](repeating: 0, count: T * Y)
        logits.withUnsafeMutableBufferPointer { y in
            batch.inputs.values.withUnsafeBufferPointer { x in
                model.forward(inputs: x.baseAddress!, steps: T, batch: 1, logits: y.baseAddress!)
            }
        }
        var outputs = [Float](repeating: 0, count: T * Y)
        for t in 0..<T where batch.mask.values[t] != 0 {
            for j in 0..<Y { outputs[t * Y + j] = sigmoid(logits[t * Y + j]) }
        }
        let recorded = model.recordedTensors().map { named -> Channel in
            // Recorded tensors are [T, B, width]; keep element 0 of the batch of one.
            let width = named.tensor.count / Swift.max(T, 1)
            return Channel(name: named.name, tensor: Tensor(shape: [T, width], values: named.tensor.values))
        }
        return RecordedExample(
            point: point,
            inputs: Tensor(shape: [T, batch.inputWidth], values: batch.inputs.values),
            targets: Tensor(shape: [T, Y], values: batch.targets.values),
            mask: batch.mask, outputs: Tensor(shape: [T, Y], values: outputs), recorded: recorded)
    }

    /// How focused a recorded weighting is: the mean over steps of its largest entry (1 for a
    /// weighting on one row at every step, `1/N` for a flat one), and how many different rows hold
    /// that largest entry over the sequence.
    public func focus(of channel: Channel) -> (meanPeak: Double, peakRows: Int) {
        let T = steps, width = channel.tensor.shape[1]
        guard T > 0, width > 0 else { return (.nan, 0) }
        var total = 0.0
        var rows = Set<Int>()
        for t in 0..<T {
            var best = 0, peak = -Float.infinity
            for n in 0..<width where channel.tensor.values[t * width + n] > peak {
                peak = channel.tensor.values[t * width + n]
                best = n
            }
            guard peak.isFinite else { return (.nan, 0) }
            total += Double(peak)
            rows.insert(best)
        }
        return (total / Double(T), rows.count)
    }
}
