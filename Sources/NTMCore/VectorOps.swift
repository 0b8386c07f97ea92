// Short-vector reductions and updates over SIMD8, for the memory's per-row work (rows of M floats).
// Float reductions are not vectorised by the compiler (it may not reassociate), so they are written here.

/// `Σ_i a_i b_i`.
@inlinable @inline(__always) public func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc = SIMD8<Float>()
    var i = 0
    while i + 8 <= n {
        acc += load8(a + i) * load8(b + i)
        i += 8
    }
    if i + 4 <= n {
        // Memory rows are often 20 wide: 8 + 8 + 4.
        let a4 = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD4<Float>.self)
        let b4 = UnsafeRawPointer(b + i).loadUnaligned(as: SIMD4<Float>.self)
        acc.lowHalf += a4 * b4
        i += 4
    }
    var s = acc.sum()
    while i < n {
        s += a[i] * b[i]
        i += 1
    }
    return s
}

/// `y_i += α x_i`.
@inlinable @inline(__always) public func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
    let a = SIMD8<Float>(repeating: alpha)
    var i = 0
    while i + 8 <= n {
        let v = UnsafeMutableRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self) + a * load8(x + i)
        UnsafeMutableRawPointer(y + i).storeBytes(of: v, as: SIMD8<Float>.self)
        i += 8
    }
    if i + 4 <= n {
        let y4 = UnsafeMutableRawPointer(y + i).loadUnaligned(as: SIMD4<Float>.self)
            + SIMD4(repeating: alpha) * UnsafeRawPointer(x + i).loadUnaligned(as: SIMD4<Float>.self)
        UnsafeMutableRawPointer(y + i).storeBytes(of: y4, as: SIMD4<Float>.self)
        i += 4
    }
    while i < n {
        y[i] += alpha * x[i]
        i += 1
    }
}
