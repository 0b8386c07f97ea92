// Gradient clipping: by global norm (Pascanu et al. 2013) and, optionally, element by element.
import NTMCore

public enum GradientClipping {
    /// The global L2 norm of the trainable parameters' gradients, `√(Σ_p Σ_i g_i²)` (in Double).
    public static func globalNorm(_ parameters: [Parameter]) -> Double {
        var s = 0.0
        for p in parameters where p.trainable {
            s += Double(dot(p.grad.base, p.grad.base, p.count))
        }
        return s.squareRoot()
    }

    /// Scales every gradient by `maxNorm / norm` when the global norm exceeds `maxNorm`; returns the
    /// norm before clipping.
    @discardableResult
    public static func clipByGlobalNorm(_ parameters: [Parameter], maxNorm: Double) -> Double {
        let norm = globalNorm(parameters)
        if maxNorm > 0 && norm > maxNorm {
            let scale = Float(maxNorm / norm)
            for p in parameters where p.trainable {
                let g = p.grad.base
                for i in 0..<p.count { g[i] *= scale }
            }
        }
        return norm
    }

    /// Clamps every gradient entry to `[-limit, limit]`.
    public static func clipByValue(_ parameters: [Parameter], limit: Float) {
        for p in parameters where p.trainable {
            let g = p.grad.base
            for i in 0..<p.count { g[i] = min(max(g[i], -limit), limit) }
        }
    }
}
