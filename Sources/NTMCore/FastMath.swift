// Vectorised exp, logistic sigmoid and tanh over SIMD8, for the element-wise passes of the cells
// and the addressing. Accuracy: exp within about 2 ulp of the correctly rounded result on
// [-87, 88] (Cephes' polynomial); sigmoid and tanh within about 1e-7 absolute.

/// `e^x` for eight lanes. Arguments are clamped to `[-87.3, 88]`, so the result is finite and
/// positive (`e^-87.3 ≈ 1.2e-38`, the smallest normal Float).
@inlinable @inline(__always)
public func exp8(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let lo = SIMD8<Float>(repeating: -87.3), hi = SIMD8<Float>(repeating: 88.0)
    var x = x.replacing(with: lo, where: x .< lo)
    x.replace(with: hi, where: x .> hi)
    // x = n ln 2 + r with |r| <= ln2 / 2 and n = round(x / ln 2). Adding 1.5 * 2^23 rounds to an integer
    // and leaves it in the low mantissa bits (no per-lane float-to-int conversion, no floor, both of
    // which the portable x86-64 target lacks as vector instructions).
    let magic = SIMD8<Float>(repeating: 12_582_912)
    let t = x * 1.442_695_040_888_963_4 + magic
    let n = t - magic
    x -= n * 0.693_359_375
    x -= n * -2.121_944_400_546_905_8e-4
    let z = x * x
    var y = SIMD8<Float>(repeating: 1.987_569_150_0e-4)
    y = y * x + 1.398_199_950_7e-3
    y = y * x + 8.333_451_907_3e-3
    y = y * x + 4.166_579_589_4e-2
    y = y * x + 1.666_666_545_9e-1
    y = y * x + 5.000_000_120_1e-1
    y = y * z + x + 1
    // 2^n from the exponent bits: t's bit pattern is 0x4B400000 + n.
    let bits = (unsafeBitCast(t, to: SIMD8<Int32>.self) &- (0x4B40_0000 - 127)) &<< 23
    return y * unsafeBitCast(bits, to: SIMD8<Float>.self)
}

/// `σ(x) = 1 / (1 + e^-x)` for eight lanes.
@inlinable @inline(__always)
public func sigmoid8(_ x: SIMD8<Float>) -> SIMD8<Float> {
    1 / (1 + exp8(-x))
}

/// `tanh(x) = 1 - 2 / (1 + e^{2x})` for eight lanes (exactly ±1 beyond |x| ≈ 9).
@inlinable @inline(__always)
public func tanh8(_ x: SIMD8<Float>) -> SIMD8<Float> {
    1 - 2 / (1 + exp8(2 * x))
}

/// Applies `f` to `n` floats in place, eight at a time; the tail goes through a zero-padded vector.
@inlinable @inline(__always)
public func mapInPlace(_ p: UnsafeMutablePointer<Float>, _ n: Int, _ f: (SIMD8<Float>) -> SIMD8<Float>) {
    var i = 0
    while i + 8 <= n {
        store8(f(load8(p + i)), p + i)
        i += 8
    }
    if i < n {
        var v = SIMD8<Float>()
        for j in 0..<(n - i) { v[j] = p[i + j] }
        let r = f(v)
        for j in 0..<(n - i) { p[i + j] = r[j] }
    }
}

/// `p[i] = σ(p[i])` for `n` floats.
@inlinable public func sigmoidInPlace(_ p: UnsafeMutablePointer<Float>, _ n: Int) { mapInPlace(p, n, sigmoid8) }

/// `p[i] = tanh(p[i])` for `n` floats.
@inlinable public func tanhInPlace(_ p: UnsafeMutablePointer<Float>, _ n: Int) { mapInPlace(p, n, tanh8) }
