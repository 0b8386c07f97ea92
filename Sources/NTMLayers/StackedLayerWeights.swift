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

    /// Adds the gradients of layer `l`'s weights and biases over a whole sequence (`rows = T B` rows):
    ///
    /// ```
    /// dW_ih += dIᵀ u      dW_hh += dHᵀ h_prev      db_ih += Σ_rows dI      db_hh += Σ_rows dH
    /// ```
    /// where `dI` and `dH` (`[rows, gates H]`) are the gradients of the input-side and hidden-side
    /// pre-activations; `hiddenSideGradient == nil` means they are the same (LSTM, RNN), and the
    /// transposed `dI` is then reused for `W_hh`. `inputs` is `[rows, in_l]`, `previousHidden` `[rows, H]`;
    /// `scratch` holds the transposed gradient.
    public func accumulateGradients(
        layer l: Int, rows: Int, inputGradient dI: UnsafePointer<Float>, hiddenSideGradient dH: UnsafePointer<Float>?,
        inputs u: UnsafePointer<Float>, previousHidden h: UnsafePointer<Float>, scratch: Workspace
    ) {
        let G = weightHH[l].shape[0], H = weightHH[l].shape[1], inSize = weightIH[l].shape[1]
        let t = scratch.reserve(rows * G)
        gemmAccumulateTN(G, inSize, rows, dI, G, u, inSize, weightIH[l].grad.base, inSize, scratch: t)
        addColumnSums(rows, G, dI, G, into: biasIH[l].grad.base)
        if let dH {
            gemmAccumulateTN(G, H, rows, dH, G, h, H, weightHH[l].grad.base, H, scratch: t)
            addColumnSums(rows, G, dH, G, into: biasHH[l].grad.base)
        } else {
            // dIᵀ is already in the scratch.
            gemmAccumulate(G, H, rows, t, rowStrideA: rows, colStrideA: 1, h, H, weightHH[l].grad.base, H)
            addColumnSums(rows, G, dI, G, into: biasHH[l].grad.base)
        }
    }

    /// PyTorch's initialisation: every weight and bias `U(-1/√H, 1/√H)`.
    public func initialize(hiddenSize: Int, rng: inout RandomSource) {
        for p in parameters { Initializer.pyTorchUniform(p, fanIn: hiddenSize, rng: &rng) }
    }
}
