// A batch of equal-length sequences, time-major, exactly as the spec's trace format lays it out.
import NTMCore

/// A batch of `B` sequences of `T` steps: inputs `[T, B, X]`, targets `[T, B, Y]` (zero where there
/// is none), and a mask `[T]` that is `1` at steps whose targets count in the loss.
public struct Batch: Sendable, Equatable {
    public var inputs: Tensor
    public var targets: Tensor
    public var mask: Tensor
    /// The task's length parameter this batch was drawn with (e.g. the copy sequence length).
    public var length: Int

    public init(inputs: Tensor, targets: Tensor, mask: Tensor, length: Int) {
        precondition(inputs.shape.count == 3 && targets.shape.count == 3, "batch tensors are [T, B, width]")
        precondition(inputs.shape[0] == targets.shape[0] && inputs.shape[1] == targets.shape[1]
                     && mask.shape == [inputs.shape[0]], "inputs, targets and mask disagree on T or B")
        self.inputs = inputs
        self.targets = targets
        self.mask = mask
        self.length = length
    }

    /// Stacks batches of equal length along the batch axis, in order.
    public static func stacking(_ parts: [Batch]) -> Batch {
        precondition(!parts.isEmpty, "nothing to stack")
        let T = parts[0].steps, X = parts[0].inputWidth, Y = parts[0].outputWidth
        precondition(parts.allSatisfy { $0.steps == T && $0.inputWidth == X && $0.outputWidth == Y && $0.mask == parts[0].mask },
                     "stacked batches must share steps, widths and mask")
        let B = parts.reduce(0) { $0 + $1.batchSize }
        var inputs = [Float](repeating: 0, count: T * B * X), targets = [Float](repeating: 0, count: T * B * Y)
        var offset = 0
        for p in parts {
            let b = p.batchSize
            for t in 0..<T {
                for i in 0..<(b * X) { inputs[(t * B + offset) * X + i] = p.inputs.values[t * b * X + i] }
                for i in 0..<(b * Y) { targets[(t * B + offset) * Y + i] = p.targets.values[t * b * Y + i] }
            }
            offset += b
        }
        return Batch(inputs: Tensor(shape: [T, B, X], values: inputs), targets: Tensor(shape: [T, B, Y], values: targets),
                     mask: parts[0].mask, length: parts[0].length)
    }

    public var steps: Int { inputs.shape[0] }
    public var batchSize: Int { inputs.shape[1] }
    public var inputWidth: Int { inputs.shape[2] }
    public var outputWidth: Int { targets.shape[2] }
}

/// A task that generates batches of sequences from a seeded generator.
public protocol SequenceTask: Sendable {
    /// The task's name in presets, reports and traces (`copy`, ...).
    var name: String { get }
    var inputWidth: Int { get }
    var outputWidth: Int { get }
    /// Draws a batch. `length` fixes the task's length parameter; `nil` draws it from the training range.
    func makeBatch(batchSize: Int, length: Int?, rng: inout RandomSource) -> Batch
    /// Draws a batch at a fixed point (every parameter of the point fixed, the rest drawn as in training).
    /// The default fixes the length parameter only.
    func makeBatch(batchSize: Int, point: TaskPoint, rng: inout RandomSource) -> Batch
    /// The point a curriculum level stands for. The default: the length parameter equal to the level.
    func point(level: Int) -> TaskPoint
    /// The smallest valid length parameter (1 for most tasks).
    var minimumLength: Int { get }
    /// Number of steps of a sequence at `point`.
    func steps(at point: TaskPoint) -> Int
}
