// Scalar functions shared by the kernels, written once so forward and backward agree bit for bit.
// The exponentials and logarithms are the kit's own (``KitMath``), not the platform's C library.

/// Logistic sigmoid `σ(x) = 1 / (1 + e^-x)`, computed without overflow for large |x|.
@inlinable @inline(__always) public func sigmoid(_ x: Float) -> Float {
    if x >= 0 {
        return 1 / (1 + KitMath.exp(-x))
    } else {
        let e = KitMath.exp(x)
        return e / (1 + e)
    }
}

/// `softplus(x) = log(1 + e^x)`, stable for large |x|.
@inlinable @inline(__always) public func softplus(_ x: Float) -> Float {
    x > 0 ? x + KitMath.log1p(KitMath.exp(-x)) : KitMath.log1p(KitMath.exp(x))
}
