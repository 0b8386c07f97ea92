// What a model declares about each of its parameters: the spec-style dotted name, the shape,
// whether an optimiser trains it, and how it starts.
import NTMCore

/// How a parameter's first values are drawn, in declaration order from the model's generator.
public enum ParameterInit: Sendable {
    case zeros
    case constant(Float)
    /// `U(-a, a)`.
    case uniform(Float)
    /// `N(0, std²)`.
    case normal(std: Float)
    /// Glorot (Xavier) uniform, `U(±√(6 / (fanIn + fanOut)))`, for a `[fanOut, fanIn]` matrix.
    case glorotUniform
    /// PyTorch's default for linear and recurrent layers, `U(±1/√fanIn)`.
    case pyTorchUniform(fanIn: Int)

    /// Fills `values` (a tensor of `shape`) with this initialiser's draws.
    public func fill(_ values: UnsafeMutableBufferPointer<Float>, shape: [Int], rng: inout RandomSource) {
        switch self {
        case .zeros: values.update(repeating: 0)
        case .constant(let c): values.update(repeating: c)
        case .uniform(let a): for i in values.indices { values[i] = rng.uniform(-a, a) }
        case .normal(let std): for i in values.indices { values[i] = rng.normal(std: std) }
        case .glorotUniform:
            let fanOut = shape.first ?? 1, fanIn = shape.count > 1 ? shape.dropFirst().reduce(1, *) : 1
            let a = (6 / Float(fanIn + fanOut)).squareRoot()
            for i in values.indices { values[i] = rng.uniform(-a, a) }
        case .pyTorchUniform(let fanIn):
            let a = 1 / Float(max(fanIn, 1)).squareRoot()
            for i in values.indices { values[i] = rng.uniform(-a, a) }
        }
    }
}

/// A parameter a model declares: its checkpoint name, shape, whether it is trained, and its start.
public struct ParameterSpec: Sendable {
    public var name: String
    public var shape: [Int]
    public var trainable: Bool
    public var initializer: ParameterInit

    public init(_ name: String, shape: [Int], trainable: Bool = true, initializer: ParameterInit = .zeros) {
        self.name = name
        self.shape = shape
        self.trainable = trainable
        self.initializer = initializer
    }

    public var count: Int { shape.reduce(1, *) }
}
