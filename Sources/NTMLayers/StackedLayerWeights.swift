// The weights every PyTorch-style stacked recurrent layer has — W_ih, W_hh, b_ih, b_hh per layer,
// named `{prefix}.weight_ih_l{k}` and so on — shared by the LSTM and GRU stacks.
import NTMCore

/// Per-layer input and recurrent weights and biases of a stack of `layers` gated recurrent layers with
/// `gates * hiddenSize` pre-activations each.
public struct StackedLayerWeights {
    public let weightIH: [Parameter]
    public let weightHH: [Parameter]
    public let biasIH: [Parameter]
    public let biasHH: [Parameter]

    public init(prefix: String, gates: Int, inputSize: Int, hiddenSize: Int, layers: Int) {
        let g = gates * hiddenSize
        weightIH = (0..<layers).map {
            Parameter(name: "\(prefix).weight_ih_l\($0)", shape: [g, $0 == 0 ? inputSize : hiddenSize])
        }
        weightHH = (0..<layers).map { Parameter(name: "\(prefix).weight_hh_l\($0)", shape: [g, hiddenSize]) }
        biasIH = (0..<layers).map { Parameter(name: "\(prefix).bias_ih_l\($0)", shape: [g]) }
        biasHH = (0..<layers).map { Parameter(name: "\(prefix).bias_hh_l\($0)", shape: [g]) }
    }

    /// In PyTorch's order: layer by layer, `weight_ih`, `weight_hh`, `bias_ih`, `bias_hh`.
    public var parameters: [Parameter] {
        weightIH.indices.flatMap { [weightIH[$0], weightHH[$0], biasIH[$0], biasHH[$0]] }
    }

    /// PyTorch's initialisation: every weight and bias `U(-1/√H, 1/√H)`.
    public func initialize(hiddenSize: Int, rng: inout RandomSource) {
        for p in parameters { Initializer.pyTorchUniform(p, fanIn: hiddenSize, rng: &rng) }
    }
}
