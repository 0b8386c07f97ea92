// Location addressing, part 1: interpolation between the content weighting and the previous one.
import NTMCore

/// `wg = g wc + (1 - g) w_{t-1}` with the interpolation gate `g ∈ (0, 1)`.
public enum Interpolation {
    public static func forward(
        output wg: UnsafeMutablePointer<Float>, content wc: UnsafePointer<Float>,
        previous wPrev: UnsafePointer<Float>, gate g: Float, count N: Int
    ) {
        for n in 0..<N { wg[n] = g * wc[n] + (1 - g) * wPrev[n] }
    }

    /// Adds into (see ``GradientConvention``) `dL/dwc = g dwg`, `dL/dw_{t-1} = (1 - g) dwg` and
    /// `dL/dg = Σ dwg_n (wc_n - w_{t-1,n})`.
    public static func backward(
        outputGradient dwg: UnsafePointer<Float>, content wc: UnsafePointer<Float>,
        previous wPrev: UnsafePointer<Float>, gate g: Float, count N: Int,
        contentGradient dwc: UnsafeMutablePointer<Float>, previousGradient dwPrev: UnsafeMutablePointer<Float>,
        gateGradient: UnsafeMutablePointer<Float>
    ) {
        var dg: Float = 0
        for n in 0..<N {
            dg += dwg[n] * (wc[n] - wPrev[n])
            dwc[n] += g * dwg[n]
            dwPrev[n] += (1 - g) * dwg[n]
        }
        gateGradient.pointee += dg
    }
}
