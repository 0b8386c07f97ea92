// The optimiser and clipping settings of one model's training, as presets write them.
import NTMCore

/// Which optimiser to use and its hyperparameters.
public struct OptimizerConfig: Sendable, Equatable {
    public enum Name: String, Sendable, CaseIterable { case rmsprop, adam }
    public var name: Name
    public var learningRate: Double
    /// RMSProp's momentum μ.
    public var momentum: Double
    /// RMSProp's decay ρ of the squared-gradient average.
    public var decay: Double
    /// Centred RMSProp (Graves 2013) divides by the running variance instead of the second moment.
    public var centered: Bool
    public var beta1: Double
    public var beta2: Double
    public var epsilon: Double

    public init(name: Name = .rmsprop, learningRate: Double = 1e-4, momentum: Double = 0.9, decay: Double = 0.95,
                centered: Bool = false, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8) {
        self.name = name
        self.learningRate = learningRate
        self.momentum = momentum
        self.decay = decay
        self.centered = centered
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    public func make() -> any Optimizer {
        switch name {
        case .rmsprop:
            return RMSProp(learningRate: Float(learningRate), decay: Float(decay), momentum: Float(momentum),
                           epsilon: Float(epsilon), centered: centered)
        case .adam:
            return Adam(learningRate: Float(learningRate), beta1: Float(beta1), beta2: Float(beta2), epsilon: Float(epsilon))
        }
    }

    public var summary: String {
        switch name {
        case .rmsprop:
            return "RMSProp (lr \(learningRate), momentum \(momentum), decay \(decay)\(centered ? ", centered" : ""))"
        case .adam:
            return "Adam (lr \(learningRate), β1 \(beta1), β2 \(beta2))"
        }
    }
}
