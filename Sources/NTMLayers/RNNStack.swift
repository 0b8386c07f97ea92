// A stack of plain Elman RNN layers (PyTorch `nn.RNN` convention, tanh) with a learned initial state:
// forward and backward for one step side by side, weight gradients as one product per sequence.
import NTMCore

/// `L` stacked Elman RNN layers with the tanh non-linearity, the convention of PyTorch's
/// `nn.RNN(nonlinearity: "tanh")`:
///
/// ```
/// h' = tanh(W_ih u + b_ih + W_hh h + b_hh)      # H values
/// ```
///
/// Layer 0 reads the cell input; layer `l > 0` reads `h` of layer `l-1` at the same step. The initial
/// state `h0` (`[L, H]`) is a learned parameter, initialised to zero, like those of ``LSTMStack`` and
/// ``GRUStack``.
///
/// Parameters are named `{prefix}.weight_ih_l{k}` (`[H, in_k]`), `…weight_hh_l{k}` (`[H, H]`),
/// `…bias_ih_l{k}`, `…bias_hh_l{k}` (`[H]`) and `{prefix}.h0` (`[L, H]`), so that the weights load
/// straight into PyTorch's `nn.RNN`.
public final class RNNStack: RecurrentCell {
    public let inputSize: Int
    public let hiddenSize: Int
    public let layers: Int
    public let prefix: String
    public var outputSize: Int { hiddenSize }

    public let weights: StackedLayerWeights
    public var weightIH: [Parameter] { weights.weightIH }
    public var weightHH: [Parameter] { weights.weightHH }
    public var biasIH: [Parameter] { weights.biasIH }
    public var biasHH: [Parameter] { weights.biasHH }
    public let h0: Parameter

    public var parameters: [Parameter] { weights.parameters + [h0] }

    // Caches, per layer: input copy (layer 0), h over T+1 slots (slot 0 = initial state) and the
    // gradients of the pre-activations [T, B, H].
    private var steps = 0, batch = 0
    private let inputCache = Workspace()
    private let hCache: [Workspace], dzCache: [Workspace]
    private let biasSum: [FloatBuffer]
    private let dhRecurrent: [Workspace]
    private let dBelow = Workspace(), transposeScratch = Workspace()

    public init(inputSize: Int, hiddenSize: Int, layers: Int, prefix: String) {
        precondition(inputSize > 0 && hiddenSize > 0 && layers > 0, "RNNStack sizes must be positive")
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.layers = layers
        self.prefix = prefix
        weights = StackedLayerWeights(prefix: prefix, gates: 1, inputSize: inputSize, hiddenSize: hiddenSize,
                                      layers: layers)
        h0 = Parameter(name: "\(prefix).h0", shape: [layers, hiddenSize])
        hCache = (0..<layers).map { _ in Workspace() }
        dzCache = (0..<layers).map { _ in Workspace() }
        biasSum = (0..<layers).map { _ in FloatBuffer(count: hiddenSize) }
        dhRecurrent = (0..<layers).map { _ in Workspace() }
    }

    /// PyTorch's initialisation: every weight and bias `U(-1/√H, 1/√H)`; `h0` zero.
    public func initialize(rng: inout RandomSource) {
        weights.initialize(hiddenSize: hiddenSize, rng: &rng)
        h0.value.zero()
    }

    private func layerInputSize(_ l: Int) -> Int { l == 0 ? inputSize : hiddenSize }

    public func prepare(steps: Int, batch: Int) {
        self.steps = steps
        self.batch = batch
        let H = hiddenSize
        inputCache.reserve(steps * batch * inputSize)
        for l in 0..<layers {
            hCache[l].reserve((steps + 1) * batch * H)
            dzCache[l].reserve(steps * batch * H)
            dhRecurrent[l].reserve(batch * H)
        }
        dBelow.reserve(batch * H)
    }

    public func output(step t: Int) -> UnsafePointer<Float> {
        UnsafePointer(hCache[layers - 1].base + (t + 1) * batch * hiddenSize)
    }

    public var outputs: UnsafePointer<Float> { output(step: 0) }

    public func forward(step t: Int, input: UnsafePointer<Float>) -> UnsafePointer<Float> {
        precondition(t >= 0 && t < steps, "step \(t) outside the prepared 0..<\(steps)")
        let B = batch, H = hiddenSize
        let x0 = inputCache.base + t * B * inputSize
        x0.update(from: input, count: B * inputSize)
        for l in 0..<layers {
            let hs = hCache[l].base
            if t == 0 {
                // Broadcast the learned initial state to every sequence of the batch.
                for b in 0..<B { (hs + b * H).update(from: h0.value.base + l * H, count: H) }
                let bias = biasSum[l].base
                for j in 0..<H { bias[j] = biasIH[l].value.base[j] + biasHH[l].value.base[j] }
            }
            let inSize = layerInputSize(l)
            let u: UnsafePointer<Float> =
                l == 0 ? UnsafePointer(x0) : UnsafePointer(hCache[l - 1].base + (t + 1) * B * H)
            let hPrev = hs + t * B * H, hNext = hs + (t + 1) * B * H
            // z = u W_ihᵀ + h W_hhᵀ + (b_ih + b_hh), computed in place in the next slot, then tanh.
            gemmNT(B, H, inSize, u, inSize, weightIH[l].value.base, inSize, hNext, H, accumulate: false)
            gemmNT(B, H, H, hPrev, H, weightHH[l].value.base, H, hNext, H, accumulate: true)
            let bias = biasSum[l].base
            for b in 0..<B {
                let z = hNext + b * H
                for j in 0..<H { z[j] += bias[j] }
            }
            tanhInPlace(hNext, B * H)
        }
        return output(step: t)
    }

    public func beginBackward() {
        for l in 0..<layers { dhRecurrent[l].base.update(repeating: 0, count: batch * hiddenSize) }
    }

    public func backward(
        step t: Int, outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?
    ) {
        let B = batch, H = hiddenSize
        for l in stride(from: layers - 1, through: 0, by: -1) {
            // dL/dh_t of this layer: from outside (top) or from the layer above, plus the recurrent part;
            // dz = dh ∘ (1 - h'²).
            let fromAbove: UnsafePointer<Float> = l == layers - 1 ? outputGradient : UnsafePointer(dBelow.base)
            let dhRec = dhRecurrent[l].base
            let hNext = hCache[l].base + (t + 1) * B * H
            let dz = dzCache[l].base + t * B * H
            for i in 0..<(B * H) {
                let h = hNext[i]
                dz[i] = (fromAbove[i] + dhRec[i]) * (1 - h * h)
            }
            // dh_{t-1} = dz W_hh; d input = dz W_ih.
            dhRec.update(repeating: 0, count: B * H)
            gemmAccumulate(B, H, H, dz, rowStrideA: H, colStrideA: 1, weightHH[l].value.base, H, dhRec, H)
            let inSize = layerInputSize(l)
            let target: UnsafeMutablePointer<Float>? = l > 0 ? dBelow.base : inputGradient
            if let target {
                target.update(repeating: 0, count: B * inSize)
                gemmAccumulate(B, inSize, H, dz, rowStrideA: H, colStrideA: 1, weightIH[l].value.base, inSize,
                               target, inSize)
            }
        }
    }

    public func finishBackward() { finishBackward(parallelism: .serial) }

    public func finishBackward(parallelism: Parallelism) {
        let B = batch, H = hiddenSize, rows = steps * B
        for l in 0..<layers {
            let dz = dzCache[l].base
            let u: UnsafePointer<Float> =
                l == 0 ? UnsafePointer(inputCache.base) : UnsafePointer(hCache[l - 1].base + B * H)
            weights.accumulateGradients(layer: l, rows: rows, inputGradient: dz, hiddenSideGradient: nil, inputs: u,
                                        previousHidden: hCache[l].base, scratch: transposeScratch,
                                        parallelism: parallelism)
            addColumnSums(B, H, dhRecurrent[l].base, H, into: h0.grad.base + l * H)
        }
    }
}
