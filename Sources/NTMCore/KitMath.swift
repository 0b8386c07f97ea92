// The kit's own elementary functions, so that a run gives the same numbers on every platform and CPU.
//
// The platform's C library (Glibc on Linux, Darwin's libm on macOS) rounds exp, log, tanh, … differently
// in the last bit, and a training run amplifies one bit into different curves. These functions use
// only IEEE-exact operations — `+ - * /`, comparisons, conversions and bit manipulation, never `fma`
// (Swift does not contract `a * b + c` by itself) — so every CPU rounds every step the same way.
//
// Method: argument reduction plus a polynomial (Taylor or the atanh series, coefficients 1/k! and
// 2/(2k+1), evaluated by Horner's rule), with Cody–Waite splitting of ln 2 and π/2.
// The Float functions compute in Double with a shorter polynomial (relative error below 2^-30
// before the one final rounding to Float), so they are correctly rounded nearly always and within
// 1 ulp always. The Double functions are within a few ulp (tests measure them against the C library).

/// The kit's platform-independent `exp`, `log`, `tanh`, `pow`, `sin`, … for `Float` and `Double`.
public enum KitMath {}

// MARK: - Shared pieces

extension KitMath {
    /// `1.5 · 2^52`: adding it to a Double of magnitude below 2^51 rounds it to an integer (ties to
    /// even) and leaves that integer in the low bits of the sum's bit pattern.
    @inlinable @inline(__always) static var roundingMagic: Double { 0x1.8p52 }

    /// `2^n` for `n` in `-1022...1023`, straight from the exponent bits.
    @inlinable @inline(__always)
    static func twoToThe(_ n: Int64) -> Double {
        Double(bitPattern: UInt64(bitPattern: (n &+ 1023) &<< 52))
    }

    /// `x · 2^n` for `n` in `-1086...2046` with at most one rounding (the last multiplication, when
    /// the result is subnormal or overflows).
    @usableFromInline
    static func scaled(_ x: Double, _ n: Int64) -> Double {
        if n > 1023 { return x * twoToThe(1023) * twoToThe(n - 1023) }
        if n < -1022 { return x * twoToThe(n + 64) * twoToThe(-64) }
        return x * twoToThe(n)
    }

    /// Splits a positive normal Double `u` as `2^k (1 + f)` with `1 + f` in `[√2/2, √2)`; `f` is exact.
    /// Adding `1.0's bits − (√2/2)'s bits` to `u`'s bits carries into the exponent exactly when the
    /// mantissa is at least √2's, which picks the interval without a branch.
    @inlinable @inline(__always)
    static func logSplit(_ u: Double) -> (k: Double, f: Double) {
        let offset: UInt64 = 0x3FF0_0000_0000_0000 - 0x3FE6_A09E_667F_3BCD
        let shifted = u.bitPattern &+ offset
        let k = Int64(bitPattern: shifted >> 52) - 1023
        let m = Double(bitPattern: (shifted & 0x000F_FFFF_FFFF_FFFF) &+ 0x3FE6_A09E_667F_3BCD)
        return (Double(k), m - 1)
    }

    /// Integer-ness and parity of a Double without rounding functions: every |y| ≥ 2^53 is an even integer.
    @usableFromInline
    static func integerParity(_ y: Double) -> (isInteger: Bool, isOdd: Bool) {
        if !(y.magnitude < 0x1p53) { return (true, false) }
        let i = Int64(y)
        return (Double(i) == y, Double(i) == y && i & 1 != 0)
    }
}

// MARK: - Float: computed in Double, rounded once

extension KitMath {
    /// `x = n ln2 + r` with `|r| ≤ ln2/2`, and `e^r − 1` as a degree-8 Taylor polynomial in `r` (relative
    /// error below 2^-32), for `x` in `[-104, 89]`: the shared part of ``expForFloat(_:)`` and
    /// ``expm1ForFloat(_:)``. Returns `e^r − 1` and `2^n`.
    @inlinable @inline(__always)
    static func reducedExpm1ForFloat(_ x: Double) -> (em1: Double, scale: Double) {
        let t = x * 1.4426950408889634 + roundingMagic
        let n = t - roundingMagic
        let r = x - n * 0.6931471805599453
        var p = 1.0 / 40320
        p = p * r + 1.0 / 5040
        p = p * r + 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        return (p * r, twoToThe(Int64(bitPattern: t.bitPattern &- roundingMagic.bitPattern)))
    }

    /// `e^x` for `x` in `[-104, 89]` in Double, relative error below 2^-32. Enough for a Float result.
    @inlinable @inline(__always)
    static func expForFloat(_ x: Double) -> Double {
        let (em1, scale) = reducedExpm1ForFloat(x)
        return (em1 + 1) * scale
    }

    /// `e^x − 1` for `x` in `[-104, 89]` in Double, relative error below 2^-30 (also for tiny `x`:
    /// with `n = 0` the result is the polynomial itself, no cancellation).
    @inlinable @inline(__always)
    static func expm1ForFloat(_ x: Double) -> Double {
        let (p, s) = reducedExpm1ForFloat(x)
        return (s - 1) + s * p                             // 2^n e^r − 1; exact s − 1 for small n
    }

    /// `log(1 + f)` for `1 + f` in `[√2/2, √2]` in Double, relative error below 2^-44:
    /// `2 atanh(s) = 2s (1 + s²/3 + s⁴/5 + … + s¹⁴/15)` with `s = f / (2 + f)`, `|s| ≤ 0.172`.
    @inlinable @inline(__always)
    static func log1pKernelForFloat(_ f: Double) -> Double {
        let s = f / (2 + f), z = s * s
        var q = 1.0 / 15
        q = q * z + 1.0 / 13
        q = q * z + 1.0 / 11
        q = q * z + 1.0 / 9
        q = q * z + 1.0 / 7
        q = q * z + 1.0 / 5
        q = q * z + 1.0 / 3
        let twoS = s + s
        return twoS + twoS * (z * q)
    }

    /// `e^x`. Within 1 ulp of the correctly rounded result (nearly always correctly rounded);
    /// overflows to `+inf` above about 88.72, underflows through the subnormals to `0` below about -103.97.
    @inlinable @inline(__always)
    public static func exp(_ x: Float) -> Float {
        let d = Double(x)
        if d > -104, d < 89 { return Float(expForFloat(d)) }
        if x.isNaN { return x }
        return d > 0 ? .infinity : 0
    }

    /// `e^x − 1`, accurate also for tiny `x`. Within 1 ulp.
    @inlinable @inline(__always)
    public static func expm1(_ x: Float) -> Float {
        let d = Double(x)
        if d > -104, d < 89 { return x == 0 ? x : Float(expm1ForFloat(d)) }
        if x.isNaN { return x }
        return d > 0 ? .infinity : -1
    }

    /// Natural logarithm. Within 1 ulp; `log(0) = -inf`, `log(x < 0) = NaN`, subnormals exact-split.
    @inlinable @inline(__always)
    public static func log(_ x: Float) -> Float {
        if x > 0, x < .infinity {
            let (k, f) = logSplit(Double(x))               // Float subnormals are normal Doubles
            return Float(k * 0.6931471805599453 + log1pKernelForFloat(f))
        }
        return logSpecial(x)
    }

    @usableFromInline
    static func logSpecial(_ x: Float) -> Float {
        if x.isNaN { return x }
        if x == 0 { return -.infinity }
        return x > 0 ? .infinity : .nan
    }

    /// `log(1 + x)`, accurate for tiny `x`. Within 1 ulp; `log1p(-1) = -inf`, `log1p(x < -1) = NaN`.
    @inlinable @inline(__always)
    public static func log1p(_ x: Float) -> Float {
        let d = Double(x)
        // 1 + x in (√2/2, √2): the kernel takes x itself, no rounding of 1 + x at all.
        if d > -0.29289321881345254, d < 0.41421356237309515 { return Float(log1pKernelForFloat(d)) }
        if d > -1, d < .infinity {
            let (k, f) = logSplit(1 + d)                   // 1 + d is exact here for |d| < 2^29
            return Float(k * 0.6931471805599453 + log1pKernelForFloat(f))
        }
        if x == -1 { return -.infinity }
        return x.isNaN || x == .infinity ? x : .nan
    }

    /// Hyperbolic tangent, `expm1(2|x|) / (expm1(2|x|) + 2)` with the sign of `x`. Within 1 ulp;
    /// exactly ±1 for |x| ≥ 9.1 (where the correctly rounded result is ±1 anyway); odd, keeps `-0`.
    @inlinable @inline(__always)
    public static func tanh(_ x: Float) -> Float {
        let a = Double(x.magnitude)
        let sign = x.bitPattern & 0x8000_0000
        if a < 9.1 {
            let t = expm1ForFloat(a + a)
            return Float(bitPattern: Float(t / (t + 2)).bitPattern | sign)
        }
        return x.isNaN ? x : Float(bitPattern: Float(1).bitPattern | sign)
    }

    /// `x^y` as `e^(y log x)` in Double (log to 2^-44, so even `|y log x| ≈ 100` keeps 2^-37).
    /// Within 1 ulp for `x > 0`. Special cases as C's `pow`: `x^0 = 1`, `1^y = 1`, `0^y` is `0` or
    /// `inf`, negative `x` only with integer `y` (else NaN).
    @inlinable @inline(__always)
    public static func pow(_ x: Float, _ y: Float) -> Float {
        if x > 0, x < .infinity, y.isFinite {
            let (k, f) = logSplit(Double(x))
            let l = Double(y) * (k * 0.6931471805599453 + log1pKernelForFloat(f))
            if l > -104, l < 89 { return Float(expForFloat(l)) }
            return l > 0 ? .infinity : 0
        }
        return Float(powSpecial(Double(x), Double(y), pow: { Double(pow(Float($0), Float($1))) }))
    }

    /// Sine (through the Double ``sin(_:)-(Double)``, one extra rounding). Within 1 ulp for |x| < 2^20,
    /// NaN beyond.
    @inlinable
    public static func sin(_ x: Float) -> Float { Float(sin(Double(x))) }

    /// Cosine (through the Double ``cos(_:)-(Double)``, one extra rounding). Within 1 ulp for |x| < 2^20,
    /// NaN beyond.
    @inlinable
    public static func cos(_ x: Float) -> Float { Float(cos(Double(x))) }
}

// MARK: - Double

extension KitMath {
    /// `e^r − 1` for `|r| ≤ ln2/2 + ε`: `r + r² (1/2! + r/3! + … + r^12/14!)`, truncation below 2^-58.
    @inlinable @inline(__always)
    static func expm1Kernel(_ r: Double) -> Double {
        var q = 1.0 / 87_178_291_200
        q = q * r + 1.0 / 6_227_020_800
        q = q * r + 1.0 / 479_001_600
        q = q * r + 1.0 / 39_916_800
        q = q * r + 1.0 / 3_628_800
        q = q * r + 1.0 / 362_880
        q = q * r + 1.0 / 40320
        q = q * r + 1.0 / 5040
        q = q * r + 1.0 / 720
        q = q * r + 1.0 / 120
        q = q * r + 1.0 / 24
        q = q * r + 1.0 / 6
        q = q * r + 0.5
        return r + (r * r) * q
    }

    /// `hi + lo = n ln2 + r` with `|r| ≤ ln2/2 + ε` (`|hi| < 1100`). Cody–Waite: `ln2 = ln2hi + ln2lo`
    /// with 32 significant bits in `ln2hi`, so `n ln2hi` and `hi − n ln2hi` are exact.
    @inlinable @inline(__always)
    static func reduceLn2(_ hi: Double, _ lo: Double) -> (n: Int64, r: Double) {
        let t = hi * 1.4426950408889634 + roundingMagic
        let n = t - roundingMagic
        let r = (hi - n * 0x1.62e42feep-1) + (lo - n * 1.9082149292705877e-10)
        return (Int64(bitPattern: t.bitPattern &- roundingMagic.bitPattern), r)
    }

    /// `e^(hi + lo)` for `hi` in `(-745.2, 709.8)`.
    @usableFromInline
    static func expDoubleDouble(_ hi: Double, _ lo: Double) -> Double {
        let (n, r) = reduceLn2(hi, lo)
        return scaled(1 + expm1Kernel(r), n)
    }

    /// `e^x`, within 1 ulp (subnormal results rounded once). `+inf` above 709.78, `0` below -745.13.
    @inlinable
    public static func exp(_ x: Double) -> Double {
        if x > -745.2, x < 709.8 { return expDoubleDouble(x, 0) }
        if x.isNaN { return x }
        return x > 0 ? .infinity : 0
    }

    /// `e^x − 1`, accurate for tiny `x`; within about 2 ulp.
    @inlinable
    public static func expm1(_ x: Double) -> Double {
        if x > -40, x < 709.8 {
            if x == 0 { return x }
            let (n, r) = reduceLn2(x, 0)
            let p = expm1Kernel(r)
            if n > 56 { return scaled(1 + p, n) - 1 }
            let s = twoToThe(n)
            return (s - 1) + s * p                         // s − 1 exact for n ≥ -53
        }
        if x.isNaN { return x }
        return x > 0 ? .infinity : -1                      // e^-40 < 2^-54: rounds to -1
    }

    /// `2/3 + 2z/5 + 2z²/7 + … + 2z⁹/21` by Horner's rule: with `z = s²`, `z` times it is the series of
    /// `log((1 + s)/(1 − s)) − 2s` over `s` (the `R` of ``logParts(_:_:correction:)``).
    @usableFromInline @inline(__always)
    static func atanhSeries(_ z: Double) -> Double {
        var q = 2.0 / 21
        q = q * z + 2.0 / 19
        q = q * z + 2.0 / 17
        q = q * z + 2.0 / 15
        q = q * z + 2.0 / 13
        q = q * z + 2.0 / 11
        q = q * z + 2.0 / 9
        q = q * z + 2.0 / 7
        q = q * z + 2.0 / 5
        q = q * z + 2.0 / 3
        return q
    }

    /// `k ln2 + log(1 + f) + c / (2^k (1 + f))` for `1 + f` in `[√2/2, √2)`, the fdlibm arrangement:
    /// `log(1 + f) = f − f²/2 + s (f²/2 + R)`, `s = f/(2+f)`, `R = 2s²/3 + 2s⁴/5 + … + 2s²⁰/21`,
    /// with the small terms summed before the large ones. Within 1 ulp.
    @usableFromInline
    static func logParts(_ k: Double, _ f: Double, correction c: Double) -> Double {
        let s = f / (2 + f), z = s * s, halfSquare = 0.5 * f * f
        let q = atanhSeries(z)
        let r = z * q
        return k * 0x1.62e42feep-1
            - ((halfSquare - (s * (halfSquare + r) + (k * 1.9082149292705877e-10 + c))) - f)
    }

    /// `(k, f)` of ``logSplit(_:)`` for any positive finite Double, subnormals scaled up first.
    @inlinable @inline(__always)
    static func logSplitAny(_ x: Double) -> (k: Double, f: Double) {
        if x < 0x1p-1022 {
            let (k, f) = logSplit(x * 0x1p54)
            return (k - 54, f)
        }
        return logSplit(x)
    }

    /// Natural logarithm, within 1 ulp. `log(0) = -inf`, `log(x < 0) = NaN`.
    @inlinable
    public static func log(_ x: Double) -> Double {
        if x > 0, x < .infinity {
            let (k, f) = logSplitAny(x)
            return logParts(k, f, correction: 0)
        }
        if x.isNaN { return x }
        if x == 0 { return -.infinity }
        return x > 0 ? .infinity : .nan
    }

    /// `log(1 + x)`: `log(u) + (x − (u − 1)) / u` with `u = 1 + x` rounded, the correction being
    /// the exact rounding error of `u`. Within about 1 ulp.
    @inlinable
    public static func log1p(_ x: Double) -> Double {
        if x > -1, x < .infinity {
            let u = 1 + x
            if u == 1 { return x }                          // |x| ≤ 2^-53: log1p(x) = x − x²/2 rounds to x
            let (k, f) = logSplit(u)
            return logParts(k, f, correction: (x - (u - 1)) / u)
        }
        if x == -1 { return -.infinity }
        return x.isNaN || x == .infinity ? x : .nan
    }

    /// Base-2 logarithm, `k + log(1 + f) / ln2`: exact at powers of two, within 2 ulp elsewhere.
    @inlinable
    public static func log2(_ x: Double) -> Double {
        if x > 0, x < .infinity {
            let (k, f) = logSplitAny(x)
            return k + logParts(0, f, correction: 0) * 1.4426950408889634
        }
        if x.isNaN { return x }
        if x == 0 { return -.infinity }
        return x > 0 ? .infinity : .nan
    }

    /// Hyperbolic tangent, `expm1(2|x|) / (expm1(2|x|) + 2)` with the sign of `x`; within 3 ulp.
    @inlinable
    public static func tanh(_ x: Double) -> Double {
        let a = x.magnitude
        let sign = x.bitPattern & 0x8000_0000_0000_0000
        if a < 22 {
            if a < 0x1p-28 { return x }                     // tanh x = x − x³/3: x²/3 < 2^-57
            let t = expm1(a + a)
            return Double(bitPattern: (t / (t + 2)).bitPattern | sign)
        }
        return x.isNaN ? x : Double(bitPattern: Double(1).bitPattern | sign)
    }

    /// `a = hi + lo` with `hi` keeping the top 26 bits (Veltkamp's split; `|a| < 2^995`).
    @inlinable @inline(__always)
    static func split(_ a: Double) -> (hi: Double, lo: Double) {
        let c = 134_217_729 * a                              // 2^27 + 1
        let hi = c - (c - a)
        return (hi, a - hi)
    }

    /// `a b = p + e` exactly (Dekker's product, no fma).
    @inlinable @inline(__always)
    static func exactProduct(_ a: Double, _ b: Double) -> (p: Double, e: Double) {
        let p = a * b
        let (ah, al) = split(a), (bh, bl) = split(b)
        return (p, ((ah * bh - p) + ah * bl + al * bh) + al * bl)
    }

    /// `log x = hi + lo` to about 2^-56 relative, for positive finite `x`: `f²/2` is taken exactly
    /// (Dekker's product), `f − f²/2` as an exact sum, and only the small term `s (f²/2 + R)` rounded.
    @usableFromInline
    static func logDoubleDouble(_ x: Double) -> (hi: Double, lo: Double) {
        let (k, f) = logSplitAny(x)
        let (square, squareError) = exactProduct(f, f)
        let hh = 0.5 * square, hl = 0.5 * squareError      // f²/2 = hh + hl
        let s = f / (2 + f), z = s * s
        let q = atanhSeries(z)
        let small = s * (hh + z * q)
        let t = f - hh, te = (f - t) - hh                  // |hh| ≤ |f|: fast two-sum, exact
        let a = k * 0x1.62e42feep-1                        // exact
        let sum = a + t                                    // two-sum of a and t
        let b = sum - a
        let se = (a - (sum - b)) + (t - b)
        let lo = (((te - hl) + small) + k * 1.9082149292705877e-10) + se
        let hi = sum + lo
        return (hi, lo - (hi - sum))
    }

    /// `x^y = e^(y log x)` with `log x` and the product carried in double-double, so the error stays
    /// within a few ulp for `|y log x|` up to about 50 (about `|y log x| · 2^-56` relative beyond).
    /// Special cases as C's `pow`: `x^0 = 1`, `1^y = 1`, `0^y` is `0` or `inf`, negative `x` only
    /// with integer `y` (else NaN).
    @inlinable
    public static func pow(_ x: Double, _ y: Double) -> Double {
        if x > 0, x < .infinity, y.isFinite {
            if x == 1 { return 1 }
            let (lh, ll) = logDoubleDouble(x)
            let rough = y * lh
            if rough > 710 { return .infinity }
            if rough < -746 { return 0 }
            let (ph, pe) = exactProduct(y, lh)             // |y| < 746 / |lh| < 2^62: no overflow
            let pl = pe + y * ll
            if ph >= 709.8 { return .infinity }
            if ph <= -745.2 { return 0 }
            return expDoubleDouble(ph, pl)
        }
        return powSpecial(x, y, pow: { pow($0, $1) })
    }

    /// The cases of `pow` outside positive finite `x` with finite `y`; `pow` evaluates `|x|^y`.
    @usableFromInline
    static func powSpecial(_ x: Double, _ y: Double, pow: (Double, Double) -> Double) -> Double {
        if y == 0 || x == 1 { return 1 }
        if x.isNaN || y.isNaN { return .nan }
        if x.sign == .minus {
            let (isInteger, isOdd) = integerParity(y)
            if !isInteger { return x == -.infinity ? powSpecial(.infinity, y, pow: pow) : .nan }
            let r = powSpecialOrPow(-x, y, pow: pow)
            return isOdd ? -r : r
        }
        if x == 0 { return y > 0 ? 0 : .infinity }
        if x == .infinity { return y > 0 ? .infinity : 0 }
        return (x < 1) == (y > 0) ? 0 : .infinity           // positive finite x ≠ 1, y = ±inf
    }

    @usableFromInline
    static func powSpecialOrPow(_ x: Double, _ y: Double, pow: (Double, Double) -> Double) -> Double {
        x > 0 && x < .infinity && y.isFinite ? pow(x, y) : powSpecial(x, y, pow: pow)
    }

    /// `sin r` for `|r| ≤ π/4 + ε`: Taylor to `r^17/17!` (truncation below 2^-62).
    @inlinable @inline(__always)
    static func sinKernel(_ r: Double) -> Double {
        let z = r * r
        var q = 1.0 / 355_687_428_096_000
        q = q * z - 1.0 / 1_307_674_368_000
        q = q * z + 1.0 / 6_227_020_800
        q = q * z - 1.0 / 39_916_800
        q = q * z + 1.0 / 362_880
        q = q * z - 1.0 / 5040
        q = q * z + 1.0 / 120
        q = q * z - 1.0 / 6
        return r + r * (z * q)
    }

    /// `cos r` for `|r| ≤ π/4 + ε`: `1 − (z/2 − z² Q)`, `Q` Taylor to `z^7/18!`; the rounding error of
    /// `1 − z/2` is recovered exactly and added back.
    @inlinable @inline(__always)
    static func cosKernel(_ r: Double) -> Double {
        let z = r * r
        var q = -1.0 / 6_402_373_705_728_000
        q = q * z + 1.0 / 20_922_789_888_000
        q = q * z - 1.0 / 87_178_291_200
        q = q * z + 1.0 / 479_001_600
        q = q * z - 1.0 / 3_628_800
        q = q * z + 1.0 / 40320
        q = q * z - 1.0 / 720
        q = q * z + 1.0 / 24
        let hz = 0.5 * z, w = 1 - hz
        return w + (((1 - w) - hz) + (z * z) * q)
    }

    /// `x = n π/2 + r`, `|r| ≤ π/4 + ε`, returning `n mod 4`. Cody–Waite with π/2 in three pieces
    /// of 33, 33 and 53 bits: the products `n · piece` are exact for `|n| < 2^20`, so `|x| < 2^20` is safe.
    @inlinable @inline(__always)
    static func reducePiOver2(_ x: Double) -> (quadrant: Int, r: Double) {
        let t = x * 0.6366197723675814 + roundingMagic
        let n = t - roundingMagic
        let r = ((x - n * 0x1.921fb544p+0) - n * 0x1.0b4611a6p-34) - n * 0x1.3198a2e037073p-69
        return (Int(truncatingIfNeeded: t.bitPattern) & 3, r)
    }

    /// Sine, within 1 ulp for `|x| < 2^20` (about 1.05e6), the range of the Cody–Waite reduction; NaN
    /// for larger `|x|` and ±inf (the kit only takes sines of angles in `[0, 2π]`). Keeps `-0`.
    @inlinable
    public static func sin(_ x: Double) -> Double {
        let a = x.magnitude
        if a <= 0.7853981633974483 { return a < 0x1p-26 ? x : sinKernel(x) }
        if !(a < 0x1p20) { return x.isNaN ? x : .nan }
        let (quadrant, r) = reducePiOver2(x)
        switch quadrant {
        case 0: return sinKernel(r)
        case 1: return cosKernel(r)
        case 2: return -sinKernel(r)
        default: return -cosKernel(r)
        }
    }

    /// Cosine, within 1 ulp for `|x| < 2^20` (about 1.05e6); NaN for larger `|x|` and ±inf.
    @inlinable
    public static func cos(_ x: Double) -> Double {
        let a = x.magnitude
        if a <= 0.7853981633974483 { return a < 0x1p-27 ? 1 : cosKernel(x) }
        if !(a < 0x1p20) { return x.isNaN ? x : .nan }
        let (quadrant, r) = reducePiOver2(x)
        switch quadrant {
        case 0: return cosKernel(r)
        case 1: return -sinKernel(r)
        case 2: return -cosKernel(r)
        default: return sinKernel(r)
        }
    }
}
