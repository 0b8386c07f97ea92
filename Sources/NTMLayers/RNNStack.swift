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

    // Hidden states, inputs and carried gradients live in `states`; per layer here: the gradients of
    // the pre-activations [T, B, H] and b_ih + b_hh.
    private let states: StackedHiddenStates
    private let dzCache: [Workspace]
    private let biasSum: [FloatBuffer]

    public init(inputSize: Int, hiddenSize: Int, layers: Int, prefix: String) {
        precondition(inputSize > 0 && hiddenSize > 0 && layers > 0, "RNNStack sizes must be positive")
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.layers = layers
        self.prefix = prefix
        weights = StackedLayerWeights(prefix: prefix, gates: 1, inputSize: inputSize, hiddenSize: hiddenSize,
                                      layers: layers)
        h0 = Parameter(name: "\(prefix).h0", shape: [layers, hiddenSize])
        states = StackedHiddenStates(inputSize: inputSize, hiddenSize: hiddenSize, layers: layers)
        dzCache = (0..<layers).map { _ in Workspace() }
        biasSum = (0..<layers).map { _ in FloatBuffer(count: hiddenSize) }
    }

    /// PyTorch's initialisation: every weight and bias `U(-1/√H, 1/√H)`; `h0` zero.
    public func initialize(rng: inout RandomSource) {
        weights.initialize(hiddenSize: hiddenSize, rng: &rng)
        h0.value.zero()
    }

    public func prepare(steps: Int, batch: Int) {
        states.prepare(steps: steps, batch: batch)
        for l in 0..<layers { dzCache[l].reserve(steps * batch * hiddenSize) }
    }

    public func output(step t: Int) -> UnsafePointer<Float> { states.output(step: t) }

    public var outputs: UnsafePointer<Float> { output(step: 0) }

    public func forward(step t: Int, input: UnsafePointer<Float>) -> UnsafePointer<Float> {
        precondition(t >= 0 && t < states.steps, "step \(t) outside the prepared 0..<\(states.steps)")
        let B = states.batch, H = hiddenSize
        states.storeInput(step: t, input)
        for l in 0..<layers {
            if t == 0 {
                // Broadcast the learned initial state to every sequence of the batch.
                states.broadcastInitialState(h0, layer: l)
                let bias = biasSum[l].base
                for j in 0..<H { bias[j] = biasIH[l].value.base[j] + biasHH[l].value.base[j] }
                weights.refreshTransposes(layer: l)
            }
            let inSize = states.layerInputSize(l)
            let u = states.layerInput(layer: l, step: t)
            let hPrev = states.hidden(layer: l, slot: t), hNext = states.hidden(layer: l, slot: t + 1)
            // z = u W_ihᵀ + h W_hhᵀ + (b_ih + b_hh), computed in place in the next slot, then tanh.
            gemmNT(B, H, inSize, u, inSize, transposed: weights.transposedIH[l].base, H, hNext, H, accumulate: false)
            gemmNT(B, H, H, hPrev, H, transposed: weights.transposedHH[l].base, H, hNext, H, accumulate: true)
            let bias = biasSum[l].base
            for b in 0..<B {
                let z = hNext + b * H
                for j in 0..<H { z[j] += bias[j] }
            }
            tanhInPlace(hNext, B * H)
        }
        return output(step: t)
    }

    public func beginBackward() { states.beginBackward() }

    public func backward(
        step t: Int, outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?
    ) {
        let B = states.batch, H = hiddenSize
        for l in stride(from: layers - 1, through: 0, by: -1) {
            // dL/dh_t of this layer: from outside (top) or from the layer above, plus the recurrent part;
            // dz = dh ∘ (1 - h'²).
            let fromAbove = states.gradientFromAbove(layer: l, outputGradient: outputGradient)
            let dhRec = states.recurrentGradient(layer: l)
            let hNext = states.hidden(layer: l, slot: t + 1)
            let dz = dzCache[l].base + t * B * H
            for i in 0..<(B * H) {
                let h = hNext[i]
                dz[i] = (fromAbove[i] + dhRec[i]) * (1 - h * h)
            }
            // dh_{t-1} = dz W_hh; d input = dz W_ih.
            states.propagateToPreviousState(layer: l, gateGradient: dz, gates: H, weightHH: weightHH[l])
            states.propagateToInput(layer: l, gateGradient: dz, gates: H, weightIH: weightIH[l], inputGradient: inputGradient)
        }
    }

    public func finishBackward() { finishBackward(parallelism: .serial) }

    public func finishBackward(parallelism: Parallelism) {
        states.finishBackward(weights: weights, h0: h0, parallelism: parallelism,
                              inputSide: { UnsafePointer(self.dzCache[$0].base) }, hiddenSide: { _ in nil })
    }
}
