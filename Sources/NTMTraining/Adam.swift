// Adam, for runs that want fewer steps than the paper's RMSProp.
import NTMCore

/// Adam (Kingma & Ba 2015) with bias correction:
///
/// ```
/// m ← β1 m + (1 - β1) g         v ← β2 v + (1 - β2) g²
/// θ ← θ - η (m / (1 - β1^t)) / (√(v / (1 - β2^t)) + ε)
/// ```
public final class Adam: Optimizer {
    public let learningRate: Float
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float

    public init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    public var name: String { "adam" }
    public var stateSlots: [String] { ["m", "v"] }

    public func update(value: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>,
                       state: UnsafeMutablePointer<Float>, slotStride: Int, count: Int, step: Int) {
        let m = state, v = state + slotStride
        let c1 = 1 - Float(KitMath.pow(Double(beta1), Double(step)))
        let c2 = 1 - Float(KitMath.pow(Double(beta2), Double(step)))
        let lr = learningRate / c1, b1 = beta1, b2 = beta2, eps = epsilon
        let invSqrtC2 = 1 / c2.squareRoot()
        // Eight parameters at a time: the same operations in the same order as the scalar loop.
        let vB1 = SIMD8<Float>(repeating: b1), vOneMinusB1 = SIMD8<Float>(repeating: 1 - b1)
        let vB2 = SIMD8<Float>(repeating: b2), vOneMinusB2 = SIMD8<Float>(repeating: 1 - b2)
        let vLr = SIMD8<Float>(repeating: lr), vEps = SIMD8<Float>(repeating: eps)
        let vInvSqrtC2 = SIMD8<Float>(repeating: invSqrtC2)
        var i = 0
        while i + 8 <= count {
            let g = load8(gradient + i)
            let mi = vB1 * load8(m + i) + vOneMinusB1 * g
            let vi = vB2 * load8(v + i) + vOneMinusB2 * g * g
            store8(mi, m + i)
            store8(vi, v + i)
            store8(load8(value + i) - vLr * mi / (squareRoot8(vi) * vInvSqrtC2 + vEps), value + i)
            i += 8
        }
        while i < count {
            let g = gradient[i]
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g * g
            value[i] -= lr * m[i] / (v[i].squareRoot() * invSqrtC2 + eps)
            i += 1
        }
    }
}
