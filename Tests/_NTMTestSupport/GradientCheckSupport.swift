// Helpers around NTMCore's `gradientCheck` for the test bundles: checking only some entries of a
// tensor (ops that are not differentiable at some points), and small numeric utilities.
import NTMCore

public enum GradCheck {
    /// The default tolerance of the kit's gradient checks: error relative to the tensor's largest
    /// analytic gradient.
    public static let tolerance = 1e-2

    /// Gradient check of the entries `indices` of one tensor only (for example the non-zero entries
    /// of a sharpening input, where the function has a kink at the zero ones). Each entry is judged
    /// relative to the largest |analytic| gradient of the *whole* tensor, as `gradientCheck` does.
    public static func subset(
        name: String, values: UnsafeMutablePointer<Float>, analytic: [Float], indices: [Int],
        epsilon: Float = 1e-3, loss: () -> Double
    ) -> GradientCheckReport {
        let scale = max(Double(analytic.reduce(0) { max($0, abs($1)) }), 1e-3)
        let tensors = indices.map { i in
            (name: "\(name)[\(i)]", values: values + i, count: 1, analytic: [analytic[i]])
        }
        return gradientCheck(tensors: tensors, epsilon: epsilon, absoluteFloor: scale, loss: loss)
    }

    /// `true` when every value is finite.
    public static func allFinite(_ values: [Float]) -> Bool { values.allSatisfy(\.isFinite) }

    /// Largest absolute value.
    public static func maxAbs(_ values: [Float]) -> Float { values.reduce(0) { max($0, abs($1)) } }
}
