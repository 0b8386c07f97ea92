// Location addressing, part 3: sharpening the shifted weighting with γ ≥ 1.
import NTMCore

/// `w_n = ws_n^γ / (Σ_m ws_m^γ + 1e-16)`.
///
/// Entries with `ws_n == 0` stay zero and contribute zero to the gradients of `γ` and of `ws`
/// (for `γ > 1` the derivative of `x^γ` at 0 is 0; the `log ws_n` factor of the γ-gradient is never formed).
public enum Sharpening {
    public static let epsilon: Float = 1e-16

    /// Writes `w` (`[N]`) from `ws`. When `logs` is given it receives `log ws_n` (`-∞` where `ws_n == 0`),
    /// which ``backward(outputGradient:output:input:gamma:count:inputGradient:gammaGradient:logs:)`` can reuse.
    public static func forward(
        output w: UnsafeMutablePointer<Float>, input ws: UnsafePointer<Float>, gamma: Float, count N: Int,
        logs: UnsafeMutablePointer<Float>? = nil
    ) {
        // P_n = exp(γ log ws_n), logarithms and exponentials eight at a time; the sum in Double, since the
        // γ-gradient of a nearly flat weighting is a difference of nearly equal sums.
        logarithms(ws, N, into: w)
        if let logs { logs.update(from: w, count: N) }
        for n in 0..<N { w[n] *= gamma }
        mapInPlace(w, N, exp8)
        var sum = 0.0
        for n in 0..<N {
            if !(ws[n] > 0) { w[n] = 0 }
            sum += Double(w[n])
        }
        let inv = Float(1 / (sum + Double(epsilon)))
        for n in 0..<N { w[n] *= inv }
    }

    /// Given `dL/dw`, adds into (see ``GradientConvention``) `dL/dws` and `dL/dγ`. With `P_n = ws_n^γ`, `S = Σ P + 1e-16` and
    /// `w_n = P_n / S`:
    ///
    /// ```
    /// dL/dP_n  = (dL/dw_n - Σ_m dL/dw_m w_m) / S
    /// dL/dws_n = dL/dP_n · γ P_n / ws_n  = (dL/dw_n - Σ_m dL/dw_m w_m) γ w_n / ws_n
    /// dL/dγ    = Σ_n dL/dP_n · P_n log ws_n = Σ_n (dL/dw_n - Σ_m dL/dw_m w_m) w_n log ws_n
    /// ```
    /// `logs` are the forward's `log ws_n` (computed again when `nil`). The difference that cancels is
    /// formed by ``WeightedMeanDeviation``, in Double: a focused head's `w` is close to one-hot, and the
    /// plain difference `dL/dw_n - Σ_m dL/dw_m w_m` then lost 1.7e-4 of `dL/dws` at `γ = 4` and 6.5e-2
    /// at `γ = 8` (a float32 `w` does not sum to exactly 1).
    public static func backward(
        outputGradient dw: UnsafePointer<Float>, output w: UnsafePointer<Float>, input ws: UnsafePointer<Float>,
        gamma: Float, count N: Int, inputGradient dws: UnsafeMutablePointer<Float>,
        gammaGradient: UnsafeMutablePointer<Float>, logs: UnsafePointer<Float>? = nil
    ) {
        let deviation = WeightedMeanDeviation(weights: w, gradient: dw, count: N)
        guard let logs else {
            // The forward's logarithms, computed again the same way.
            withUnsafeTemporaryAllocation(of: Float.self, capacity: N) { again in
                logarithms(ws, N, into: again.baseAddress!)
                backward(outputGradient: dw, output: w, input: ws, gamma: gamma, count: N, inputGradient: dws,
                         gammaGradient: gammaGradient, logs: again.baseAddress!)
            }
            return
        }
        var dGamma = 0.0
        let g = Double(gamma)
        for n in 0..<N where ws[n] > 0 {
            let c = deviation.deviation(dw[n]) * Double(w[n])
            dws[n] += Float(c * g / Double(ws[n]))
            dGamma += c * Double(logs[n])
        }
        gammaGradient.pointee += Float(dGamma)
    }

    /// `log ws_n` for `n < N` (`-∞` where `ws_n ≤ 0`), eight at a time: the forward pass's logarithms, which
    /// the backward pass reuses.
    @inline(__always)
    static func logarithms(_ ws: UnsafePointer<Float>, _ N: Int, into l: UnsafeMutablePointer<Float>) {
        l.update(from: ws, count: N)
        mapInPlace(l, N) { x in
            log8(x).replacing(with: -.infinity, where: .!(x .> SIMD8<Float>(repeating: 0)))
        }
    }
}
