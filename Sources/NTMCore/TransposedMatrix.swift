// A weight matrix's transpose, kept beside it for the forward products, which read weights one input
// at a time (see gemmNT). Refreshed whenever the weights may have changed: once per sequence.
/// `Wᵀ` (`[cols, rows]`) of a row-major matrix `W` (`[rows, cols]`), in storage that grows only.
///
/// The owner calls ``update(from:rows:cols:)`` before the first forward product of a sequence (weights
/// do not change within one) and passes ``base`` to ``gemmNT(_:_:_:_:_:transposed:_:_:_:accumulate:)``.
public final class TransposedMatrix {
    private var storage: UnsafeMutablePointer<Float>
    private var capacity = 0
    public private(set) var rows = 0
    public private(set) var cols = 0

    public init() { storage = .allocate(capacity: 1) }

    deinit { storage.deallocate() }

    /// Copies `Wᵀ` of `w` (`[rows, cols]`, row stride `cols`).
    public func update(from w: UnsafePointer<Float>, rows: Int, cols: Int) {
        if rows * cols > capacity {
            storage.deallocate()
            capacity = rows * cols
            storage = .allocate(capacity: max(capacity, 1))
        }
        self.rows = rows
        self.cols = cols
        transpose(rows, cols, w, cols, storage, rows)
    }

    /// Copies the transpose of `parameter` (`[rows, cols]`).
    public func update(from parameter: Parameter) {
        precondition(parameter.shape.count == 2, "\(parameter.name) is not a matrix")
        update(from: parameter.value.base, rows: parameter.shape[0], cols: parameter.shape[1])
    }

    /// `Wᵀ`, `[cols, rows]` row-major (row stride `rows`).
    public var base: UnsafePointer<Float> { UnsafePointer(storage) }
}
