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
        // Powers and their sum in Double: γ-gradients of nearly flat weightings cancel badly in Float.
        var sum = 0.0
        let g = Double(gamma)
        for n in 0..<N {
            let p = ws[n] > 0 ? Foundation_pow(Double(ws[n]), g) : 0
            w[n] = Float(p)
            sum += p
        }
        let inv = 1 / (sum + Double(epsilon))
        for n in 0..<N { w[n] = Float(Double(w[n]) * inv) }
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
        // Recomputed in Double (as in forward), so that dL/dP_n - Σ dL/dw_m w_m keeps its digits.
        let g = Double(gamma)
        var sumP = 0.0
        for n in 0..<N where ws[n] > 0 { sumP += Foundation_pow(Double(ws[n]), g) }
        let S = sumP + Double(epsilon)
        var dot = 0.0
        for n in 0..<N where ws[n] > 0 { dot += Double(dw[n]) * Foundation_pow(Double(ws[n]), g) / S }
        var dGamma = 0.0
        for n in 0..<N where ws[n] > 0 {
            let x = Double(ws[n])
            let P = Foundation_pow(x, g)
            let dP = (Double(dw[n]) - dot) / S
            dws[n] += Float(dP * g * P / x)
            dGamma += dP * P * Foundation_logd(x)
        }
        return Float(dGamma)
    }
}
