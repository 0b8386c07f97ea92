// Weight initialisation schemes, each named after where it comes from.
import NTMCore

public enum Initializer {
    /// `U(-1/√fanIn, 1/√fanIn)`, PyTorch's default for `nn.LSTM`, `nn.GRU` and `nn.Linear` weights.
    public static func pyTorchUniform(_ p: Parameter, fanIn: Int, rng: inout RandomSource) {
        let bound = 1 / Float(max(fanIn, 1)).squareRoot()
        for i in 0..<p.count { p.value.base[i] = rng.uniform(-bound, bound) }
    }

    /// Glorot/Xavier uniform: `U(-a, a)` with `a = √(6 / (fanIn + fanOut))` (Glorot & Bengio, 2010).
    public static func glorotUniform(_ p: Parameter, fanIn: Int, fanOut: Int, rng: inout RandomSource) {
        let bound = (6 / Float(max(fanIn + fanOut, 1))).squareRoot()
        for i in 0..<p.count { p.value.base[i] = rng.uniform(-bound, bound) }
    }

    /// `N(0, std²)`.
    public static func normal(_ p: Parameter, std: Float, rng: inout RandomSource) {
        for i in 0..<p.count { p.value.base[i] = rng.normal(mean: 0, std: std) }
    }
}
