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

    /// Adds the gradients of layer `l`'s weights and biases over a whole sequence (`rows = T B` rows) into
    /// their `grad` (see ``GradientConvention``):
    ///
    /// ```
    /// dW_ih += dIᵀ u      dW_hh += dHᵀ h_prev      db_ih += Σ_rows dI      db_hh += Σ_rows dH
    /// ```
    /// where `dI` and `dH` (`[rows, gates H]`) are the gradients of the input-side and hidden-side
    /// pre-activations; `hiddenSideGradient == nil` means they are the same (LSTM, RNN), and the
    /// transposed `dI` is then reused for `W_hh`. `inputs` is `[rows, in_l]`, `previousHidden` `[rows, H]`;
    /// `scratch` holds the transposed gradient.
    ///
    /// With `parallelism`, the `G` gate rows of both weight matrices are cut into blocks of a multiple of
    /// four rows (the products' register block), one per thread; every row is computed as in the serial
    /// product, so the numbers do not depend on the thread count.
    public func accumulateGradients(
        layer l: Int, rows: Int, inputGradient dI: UnsafePointer<Float>, hiddenSideGradient dH: UnsafePointer<Float>?,
        inputs u: UnsafePointer<Float>, previousHidden h: UnsafePointer<Float>, scratch: Workspace,
        parallelism: Parallelism = .serial
    ) {
        let G = weightHH[l].shape[0], H = weightHH[l].shape[1], inSize = weightIH[l].shape[1]
        let t = scratch.reserve(rows * G)
        let dWih = weightIH[l].grad.base, dWhh = weightHH[l].grad.base
        // Fewer than 32 gate rows per thread is not worth waking a thread for.
        parallelism.forEachBlock(of: G, alignment: 4, minimumBlock: 32) { block in
            let g0 = block.lowerBound, n = block.count, tBlock = t + g0 * rows
            // dIᵀ for these gate rows, then dW_ih += dIᵀ u.
            transpose(rows, n, dI + g0, G, tBlock, rows)
            gemmAccumulate(n, inSize, rows, tBlock, rowStrideA: rows, colStrideA: 1, u, inSize, dWih + g0 * inSize, inSize)
            // dW_hh += dHᵀ h (dH = dI unless the cell has separate hidden-side pre-activations).
            if let dH { transpose(rows, n, dH + g0, G, tBlock, rows) }
            gemmAccumulate(n, H, rows, tBlock, rowStrideA: rows, colStrideA: 1, h, H, dWhh + g0 * H, H)
        }
        addColumnSums(rows, G, dI, G, into: biasIH[l].grad.base)
        addColumnSums(rows, G, dH ?? dI, G, into: biasHH[l].grad.base)
    }

    /// PyTorch's initialisation: every weight and bias `U(-1/√H, 1/√H)`.
    public func initialize(hiddenSize: Int, rng: inout RandomSource) {
        for p in parameters { Initializer.pyTorchUniform(p, fanIn: hiddenSize, rng: &rng) }
    }
}
