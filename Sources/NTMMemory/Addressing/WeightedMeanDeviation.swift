// The deviation of a gradient from its weighted mean, `g_n - Σ_m w_m g_m`, which the backward passes of
// softmax and sharpening need, formed so that a weighting close to one-hot does not cancel it away.
import NTMCore

/// `g_n - ḡ` with `ḡ = Σ_m w_m g_m`, for a weighting `w` (entries ≥ 0 that sum to 1), evaluated as
///
/// ```
/// g_n - ḡ = (g_n - g_k) - Σ_m w_m (g_m - g_k)        k = argmax_m w_m
/// ```
///
/// The two forms are equal because `Σ_m w_m = 1`; in float32 they are not equally accurate. A float32
/// weighting sums to `1 + δ` with `|δ|` a few ulps, so the plain form computes
/// `g_k - ḡ = Σ_{m≠k} w_m (g_k - g_m) - δ g_k`. When `w_k` is near 1 (the NTM's `first-row` initial
/// weighting puts 0.994 on row 0; a sharpened weighting can put more) the true value is of order
/// `(1 - w_k) |g|` and the `δ g_k` term is a relative error of `δ / (1 - w_k)`: about 1e-5 for
/// `1 - w_k = 0.006`, and it feeds `dL/dω` at row `k`, the largest entry. Around the pivot `k`
/// the term `m = k` vanishes exactly, and every other term is a small weight times a difference that
/// carries no cancelled digits, so the error is that of the weights themselves. A large common
/// component of `g` (which the exact result ignores) cancels in `g_m - g_k` before anything is
/// multiplied, for the same reason. The sum is accumulated in Double: it is the one reduction.
struct WeightedMeanDeviation {
    /// `g_k` at the largest weight.
    let pivotGradient: Float
    /// `Σ_m w_m (g_m - g_k)`, in Double.
    let offset: Double

    /// Reads `w` and `g` (`[count]`) once to find the pivot and once to sum.
    @inline(__always) init(weights w: UnsafePointer<Float>, gradient g: UnsafePointer<Float>, count n: Int) {
        var k = 0
        var i = 1
        while i < n {
            if w[i] > w[k] { k = i }
            i += 1
        }
        let gk = n > 0 ? g[k] : 0
        var sum = 0.0
        for m in 0..<n { sum += Double(w[m]) * (Double(g[m]) - Double(gk)) }
        pivotGradient = gk
        offset = sum
    }

    /// `g_n - ḡ` for the entry `g_n` of the gradient, in Double.
    @inline(__always) func deviation(_ gn: Float) -> Double {
        (Double(gn) - Double(pivotGradient)) - offset
    }
}
