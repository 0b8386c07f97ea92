// Location addressing, part 3: sharpening the shifted weighting with γ ≥ 1.
import NTMCore

/// `w_n = ws_n^γ / (Σ_m ws_m^γ + 1e-16)`.
///
/// Entries with `ws_n == 0` stay zero and contribute zero to the gradients of `γ` and of `ws`
/// (for `γ > 1` the derivative of `x^γ` at 0 is 0; the `log ws_n` factor of the γ-gradient is never formed).
public enum Sharpening {
    public static let epsilon: Float = 1e-16

    public static func forward(
        output w: UnsafeMutablePointer<Float>, input ws: UnsafePointer<Float>, gamma: Float, count N: Int
    ) {
        // Powers as exp(γ log ws) in Float; their sum in Double, since the γ-gradient of a nearly flat
        // weighting is a difference of nearly equal sums.
        var sum = 0.0
        for n in 0..<N {
            let p = ws[n] > 0 ? expf_(gamma * logf_(ws[n])) : 0
            w[n] = p
            sum += Double(p)
        }
        let inv = Float(1 / (sum + Double(epsilon)))
        for n in 0..<N { w[n] *= inv }
    }

    /// Given `dL/dw`, adds `dL/dws` and returns `dL/dγ`. With `P_n = ws_n^γ`, `S = Σ P + 1e-16`:
    ///
    /// ```
    /// dL/dP_n  = (dL/dw_n - Σ_m dL/dw_m w_m) / S
    /// dL/dws_n = dL/dP_n · γ P_n / ws_n          dL/dγ = Σ_n dL/dP_n · P_n log ws_n
    /// ```
    @discardableResult
    public static func backward(
        outputGradient dw: UnsafePointer<Float>, output w: UnsafePointer<Float>, input ws: UnsafePointer<Float>,
        gamma: Float, count N: Int, inputGradient dws: UnsafeMutablePointer<Float>
    ) -> Float {
        // P_n recomputed as in forward; the sums that cancel (Σ dw w, and dγ) accumulate in Double.
        var sumP = 0.0
        for n in 0..<N where ws[n] > 0 { sumP += Double(expf_(gamma * logf_(ws[n]))) }
        let S = sumP + Double(epsilon)
        var dot = 0.0
        for n in 0..<N { dot += Double(dw[n]) * Double(w[n]) }
        var dGamma = 0.0
        for n in 0..<N where ws[n] > 0 {
            let x = ws[n]
            let logx = logf_(x)
            let P = Double(expf_(gamma * logx))
            let dP = (Double(dw[n]) - dot) / S
            dws[n] += Float(dP * Double(gamma) * P / Double(x))
            dGamma += dP * P * Double(logx)
        }
        return Float(dGamma)
    }
}
