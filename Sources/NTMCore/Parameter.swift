// A named, trainable tensor with its gradient beside it.
// Names are the spec's dotted checkpoint keys, so checkpoints, traces and optimiser state share them.

/// A trainable tensor: value and gradient of the same shape, under the checkpoint name of
/// `models.md` (for example `controller.weight_ih_l0` or `read_heads.0.w0`).
///
/// Gradients are accumulated (`+=`) by backward passes and cleared with ``zeroGradient()``.
/// A parameter with `trainable == false` (the NTM's constant memory) is saved in checkpoints
/// but never updated by an optimiser.
public final class Parameter: @unchecked Sendable {
    public let name: String
    public let shape: [Int]
    public let value: FloatBuffer
    public let grad: FloatBuffer
    public let trainable: Bool

    public init(name: String, shape: [Int], trainable: Bool = true) {
        self.name = name
        self.shape = shape
        let count = shape.reduce(1, *)
        value = FloatBuffer(count: count)
        grad = FloatBuffer(count: count)
        self.trainable = trainable
    }

    public var count: Int { value.count }

    public func zeroGradient() { grad.zero() }
}

extension Array where Element == Parameter {
    /// Total number of scalars in the trainable parameters.
    public var trainableCount: Int { filter(\.trainable).reduce(0) { $0 + $1.count } }

    public func zeroGradients() { for p in self { p.zeroGradient() } }

    public func named(_ name: String) -> Parameter? { first { $0.name == name } }
}
