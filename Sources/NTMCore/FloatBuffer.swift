// A fixed-size, zero-initialised block of Float32 owned by one object.
// Kernels work on raw pointers into these buffers so that the training step never allocates.

/// A contiguous array of `Float` allocated once and freed with its owner.
///
/// The kit's caches, parameters and gradients live in `FloatBuffer`s; kernels take
/// `UnsafeMutablePointer<Float>` into them (`buffer.base + offset`), which keeps the inner
/// loops free of bounds checks, uniqueness checks and allocation.
public final class FloatBuffer: @unchecked Sendable {
    public let count: Int
    public let base: UnsafeMutablePointer<Float>

    public init(count: Int) {
        precondition(count >= 0, "FloatBuffer count must be non-negative, got \(count)")
        self.count = count
        base = .allocate(capacity: max(count, 1))
        base.initialize(repeating: 0, count: max(count, 1))
    }

    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { src in
            if let p = src.baseAddress { base.update(from: p, count: values.count) }
        }
    }

    deinit { base.deallocate() }

    public subscript(i: Int) -> Float {
        get { precondition(i >= 0 && i < count, "index \(i) out of range 0..<\(count)"); return base[i] }
        set { precondition(i >= 0 && i < count, "index \(i) out of range 0..<\(count)"); base[i] = newValue }
    }

    public func zero() { base.update(repeating: 0, count: count) }

    public func fill(_ value: Float) { base.update(repeating: value, count: count) }

    public var array: [Float] { Array(UnsafeBufferPointer(start: base, count: count)) }

    public func copy(from values: [Float]) {
        precondition(values.count == count, "copy of \(values.count) values into a buffer of \(count)")
        values.withUnsafeBufferPointer { src in
            if let p = src.baseAddress { base.update(from: p, count: count) }
        }
    }

    public func copy(from other: FloatBuffer) {
        precondition(other.count == count, "copy of \(other.count) values into a buffer of \(count)")
        base.update(from: other.base, count: count)
    }
}
