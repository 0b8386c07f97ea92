// RMSProp with momentum, the optimiser of the NTM paper.
import NTMCore

/// RMSProp with momentum (Tieleman & Hinton 2012; with the momentum and optional centring of
/// Graves 2013, "Generating Sequences With Recurrent Neural Networks", eq. 38–41):
///
/// ```
/// n ← ρ n + (1 - ρ) g²
/// ḡ ← ρ ḡ + (1 - ρ) g                        (centered only)
/// Δ ← μ Δ + g / (√(n - ḡ²) + ε)             (√n when not centered)
/// θ ← θ - η Δ
/// ```
/// The NTM paper trains with η = 1e-4, μ = 0.9, ρ = 0.95. This is PyTorch's `RMSprop` update.
public final class RMSProp: Optimizer {
    public let learningRate: Float
    public let decay: Float
    public let momentum: Float
    public let epsilon: Float
    public let centered: Bool

    public init(learningRate: Float = 1e-4, decay: Float = 0.95, momentum: Float = 0.9,
                epsilon: Float = 1e-8, centered: Bool = false) {
        self.learningRate = learningRate
        self.decay = decay
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered
    }

    public var name: String { "rmsprop" }
    public var stateSlots: [String] { ["square_avg", "grad_avg", "momentum"] }

    public func update(value: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>,
                       state: UnsafeMutablePointer<Float>, slotStride: Int, count: Int, step: Int) {
        let n = state, gAvg = state + slotStride, delta = state + 2 * slotStride
        let rho = decay, lr = learningRate, mu = momentum, eps = epsilon
        var i = 0
        if !centered {
            // Eight parameters at a time: the same operations in the same order as the scalar loop.
            let vRho = SIMD8<Float>(repeating: rho), vOneMinusRho = SIMD8<Float>(repeating: 1 - rho)
            let vMu = SIMD8<Float>(repeating: mu), vLr = SIMD8<Float>(repeating: lr), vEps = SIMD8<Float>(repeating: eps)
            while i + 8 <= count {
                let g = load8(gradient + i)
                let v = vRho * load8(n + i) + vOneMinusRho * g * g
                store8(v, n + i)
                let d = vMu * load8(delta + i) + g / (squareRoot8(v) + vEps)
                store8(d, delta + i)
                store8(load8(value + i) - vLr * d, value + i)
                i += 8
            }
        }
        while i < count {
            let g = gradient[i]
            n[i] = rho * n[i] + (1 - rho) * g * g
            var v = n[i]
            if centered {
                gAvg[i] = rho * gAvg[i] + (1 - rho) * g
                v -= gAvg[i] * gAvg[i]
            }
            let d = mu * delta[i] + g / (max(v, 0).squareRoot() + eps)
            delta[i] = d
            value[i] -= lr * d
            i += 1
        }
    }
}
