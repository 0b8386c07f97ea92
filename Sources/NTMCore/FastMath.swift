// Vectorised exp, log, logistic sigmoid and tanh over SIMD8, for the element-wise passes of the cells
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

/// `ln x` for eight lanes with `x > 0` (subnormals included); within about 2 ulp of the correctly rounded
/// result. Lanes with `x ≤ 0` or NaN give an unspecified finite or NaN value: callers mask them.
///
/// `x = 2^e · f` with `f` in `[√½, √2)`; with `z = f - 1`, `ln f = z - z²/2 + z³ P(z)` (Cephes' degree-8
/// polynomial for single precision), and `ln x = ln f + e ln 2`, with `ln 2` split in two so that `e ln 2`
/// adds exactly.
@inlinable @inline(__always)
public func log8(_ x: SIMD8<Float>) -> SIMD8<Float> {
    // Subnormals: scale by 2^25 first, so that the exponent field holds the whole magnitude.
    let tiny = x .< SIMD8<Float>(repeating: .leastNormalMagnitude)
    var v = x.replacing(with: x * 33_554_432, where: tiny)
    var bits = unsafeBitCast(v, to: SIMD8<Int32>.self)
    var e = (bits &>> 23) &- 127
    e.replace(with: e &- 25, where: tiny)
    bits = (bits & 0x007F_FFFF) | 0x3F80_0000          // f in [1, 2)
    v = unsafeBitCast(bits, to: SIMD8<Float>.self)
    let big = v .> SIMD8<Float>(repeating: 1.414_213_56)
    v.replace(with: v * 0.5, where: big)                 // f in [√½, √2)
    e.replace(with: e &+ 1, where: big)
    let ef = SIMD8<Float>(e)
    let z = v - 1
    let z2 = z * z
    var p = SIMD8<Float>(repeating: 7.037_683_629_2e-2)
    p = p * z - 1.151_461_031_0e-1
    p = p * z + 1.167_699_874_0e-1
    p = p * z - 1.242_014_084_6e-1
    p = p * z + 1.424_932_278_7e-1
    p = p * z - 1.666_805_766_5e-1
    p = p * z + 2.000_071_476_5e-1
    p = p * z - 2.499_999_399_3e-1
    p = p * z + 3.333_333_117_4e-1
    var y = p * z * z2
    y += ef * -2.121_944_400_546_905_8e-4
    y -= z2 * 0.5
    return z + y + ef * 0.693_359_375
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
