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
    /// `W_ihᵀ` and `W_hhᵀ` per layer for the forward products, refreshed by ``refreshTransposes(layer:)``.
    public let transposedIH: [TransposedMatrix]
    public let transposedHH: [TransposedMatrix]

    public init(prefix: String, gates: Int, inputSize: Int, hiddenSize: Int, layers: Int) {
        let g = gates * hiddenSize
        weightIH = (0..<layers).map {
            Parameter(name: "\(prefix).weight_ih_l\($0)", shape: [g, $0 == 0 ? inputSize : hiddenSize])
        }
        weightHH = (0..<layers).map { Parameter(name: "\(prefix).weight_hh_l\($0)", shape: [g, hiddenSize]) }
        biasIH = (0..<layers).map { Parameter(name: "\(prefix).bias_ih_l\($0)", shape: [g]) }
        biasHH = (0..<layers).map { Parameter(name: "\(prefix).bias_hh_l\($0)", shape: [g]) }
        transposedIH = (0..<layers).map { _ in TransposedMatrix() }
        transposedHH = (0..<layers).map { _ in TransposedMatrix() }
    }

    /// Copies `W_ihᵀ` and `W_hhᵀ` of layer `l`; call it at the first step of every sequence.
    public func refreshTransposes(layer l: Int) {
        transposedIH[l].update(from: weightIH[l])
        transposedHH[l].update(from: weightHH[l])
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
    /// same gradient then serves `W_hh`. `inputs` is `[rows, in_l]`, `previousHidden` `[rows, H]`.
    ///
    /// With `parallelism`, the `G` gate rows of both weight matrices are cut into blocks of a multiple of
    /// eight rows, one per thread; every element is the same chain of multiply-adds as in the serial
    /// product, so the numbers do not depend on the thread count.
    public func accumulateGradients(
        layer l: Int, rows: Int, inputGradient dI: UnsafePointer<Float>, hiddenSideGradient dH: UnsafePointer<Float>?,
        inputs u: UnsafePointer<Float>, previousHidden h: UnsafePointer<Float>,
        parallelism: Parallelism = .serial
    ) {
        let G = weightHH[l].shape[0], H = weightHH[l].shape[1], inSize = weightIH[l].shape[1]
        let dWih = weightIH[l].grad.base, dWhh = weightHH[l].grad.base
        // Fewer than 32 gate rows per thread is not worth waking a thread for.
        parallelism.forEachBlock(of: G, alignment: 8, minimumBlock: 32) { block in
            let g0 = block.lowerBound, n = block.count
            // dW_ih += dIᵀ u, reading dI column-wise (A(g, r) = dI[r, g0 + g]).
            gemmAccumulate(n, inSize, rows, dI + g0, rowStrideA: 1, colStrideA: G, u, inSize, dWih + g0 * inSize, inSize)
            // dW_hh += dHᵀ h (dH = dI unless the cell has separate hidden-side pre-activations).
            gemmAccumulate(n, H, rows, (dH ?? dI) + g0, rowStrideA: 1, colStrideA: G, h, H, dWhh + g0 * H, H)
        }
        addColumnSums(rows, G, dI, G, into: biasIH[l].grad.base)
        addColumnSums(rows, G, dH ?? dI, G, into: biasHH[l].grad.base)
    }

    /// PyTorch's initialisation: every weight and bias `U(-1/√H, 1/√H)`.
    public func initialize(hiddenSize: Int, rng: inout RandomSource) {
        for p in parameters { Initializer.pyTorchUniform(p, fanIn: hiddenSize, rng: &rng) }
    }
}
