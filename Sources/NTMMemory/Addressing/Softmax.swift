// Softmax over a short vector, with an optional scale (content addressing's key strength β).
import NTMCore

/// `w_n = exp(β x_n) / Σ_m exp(β x_m)`; with `β = 1` the plain softmax used for shift weights
/// and for the learned initial weightings `w0 = softmax(ω)`.
public enum Softmax {
    /// Writes `w` (`[n]`) from `x` (`[n]`) scaled by `beta`. Subtracts the maximum first, so any
    /// finite input gives a finite output.
    public static func forward(
        output w: UnsafeMutablePointer<Float>, input x: UnsafePointer<Float>, count n: Int, beta: Float = 1
    ) {
        // The maximum eight lanes at a time. It can differ from a left-to-right `max` only in the sign of a
        // zero maximum, which changes no output: β x_n - (±0) is the same number unless it is zero, and
        // exp(±0) = 1. NaNs are passed over in both, as `max` does.
        var lanes = SIMD8<Float>(repeating: -.infinity)
        let b8 = SIMD8<Float>(repeating: beta)
        var i = 0
        while i + 8 <= n {
            let v = b8 * load8(x + i)
            lanes.replace(with: v, where: v .>= lanes)
            i += 8
        }
        var maxV = -Float.infinity
        for l in 0..<8 { maxV = max(maxV, lanes[l]) }
        while i < n {
            maxV = max(maxV, beta * x[i])
            i += 1
        }
        for i in 0..<n { w[i] = beta * x[i] - maxV }
        mapInPlace(w, n, exp8)
        // The sum in Double: a float32 sum adds each small term to a total near 1 with the same
        // rounding, so for `first-row` (1 + 127 e^-10) it came out 2.4e-6 low and so did every small weight.
        var sum = 0.0
        for i in 0..<n { sum += Double(w[i]) }
        let inv = Float(1 / sum)
        for i in 0..<n { w[i] *= inv }
    }

    /// Given `dL/dw`, adds into (see ``GradientConvention``) `dL/dx` and, when `betaGradient` is given,
    /// `dL/dβ`:
    ///
    /// ```
    /// dL/d(βx_n) = w_n (dL/dw_n - Σ_m w_m dL/dw_m)
    /// dL/dx_n = β · dL/d(βx_n)        dL/dβ = Σ_n x_n · dL/d(βx_n)
    /// ```
    /// The difference `dL/dw_n - Σ_m w_m dL/dw_m` is formed by ``WeightedMeanDeviation``: for a weighting
    /// near one-hot (`w0 = softmax(ω)` under `first-row`) the plain float32 difference lost up to 6.7e-4
    /// of `dL/dω` at the NTM's paper sizes. `dL/dβ` sums terms of both signs that sum to nearly zero
    /// (`Σ_n dL/d(βx_n) = 0`), so it is accumulated in Double.
    public static func backward(
        outputGradient dw: UnsafePointer<Float>, output w: UnsafePointer<Float>, input x: UnsafePointer<Float>,
        count n: Int, beta: Float = 1, inputGradient dx: UnsafeMutablePointer<Float>,
        betaGradient: UnsafeMutablePointer<Float>? = nil
    ) {
        let deviation = WeightedMeanDeviation(weights: w, gradient: dw, count: n)
        var dBeta = 0.0
        for i in 0..<n {
            let dz = Float(Double(w[i]) * deviation.deviation(dw[i]))
            dx[i] += beta * dz
            dBeta += Double(x[i]) * Double(dz)
        }
        betaGradient?.pointee += Float(dBeta)
    }
}
