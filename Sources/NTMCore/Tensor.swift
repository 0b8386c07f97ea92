// A plain value type for whole tensors at the kit's boundaries: batches, traces, checkpoints.
// Hot loops use FloatBuffer and raw pointers instead; Tensor is for moving data between modules.

/// A row-major Float32 tensor: a shape and its values.
public struct Tensor: Sendable, Equatable {
    public var shape: [Int]
    public var values: [Float]

    public init(shape: [Int], values: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        precondition(values.count == shape.reduce(1, *), "\(values.count) values do not fill shape \(shape)")
        self.shape = shape
        self.values = values
    }

    public init(zeros shape: [Int]) {
        self.init(shape: shape, values: [Float](repeating: 0, count: shape.reduce(1, *)))
    }

    public var count: Int { values.count }

    /// Largest absolute entry (0 for an empty tensor).
    public var maxAbs: Float { values.reduce(0) { max($0, abs($1)) } }
}
