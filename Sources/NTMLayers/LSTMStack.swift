// A stack of LSTM layers (PyTorch `nn.LSTM` convention) with learned initial states:
// forward and backward for one step side by side, weight gradients as one product per sequence.
import NTMCore

/// `L` stacked LSTM layers, as in `models.md` § "LSTM cell":
///
/// ```
/// z  = W_ih u + b_ih + W_hh h + b_hh      # 4H values, order [i, f, g, o]
/// i = σ(z_i)  f = σ(z_f)  g = tanh(z_g)  o = σ(z_o)
/// c' = f ∘ c + i ∘ g
/// h' = o ∘ tanh(c')
/// ```
///
/// Layer 0 reads the cell input; layer `l > 0` reads `h` of layer `l-1` at the same step. The initial
/// states `h0`, `c0` (`[L, H]`) are learned parameters, initialised to zero.
///
/// Parameters are named `{prefix}.weight_ih_l{k}`, `…weight_hh_l{k}`, `…bias_ih_l{k}`, `…bias_hh_l{k}`,
/// `{prefix}.h0`, `{prefix}.c0`, so that the weights load straight into PyTorch's `nn.LSTM`.
public final class LSTMStack: RecurrentCell {
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
    public let c0: Parameter

    public var parameters: [Parameter] { weights.parameters + [h0, c0] }

    // Hidden states, inputs and carried gradients live in `states`; per layer here: c over T+1 slots
    // (slot 0 = initial state), activated gates [T, B, 4H], tanh(c) [T, B, H], and the gate
    // pre-activation gradients [T, B, 4H].
    private let states: StackedHiddenStates
    private let cCache: [Workspace], gateCache: [Workspace], tanhCCache: [Workspace]
    private let dzCache: [Workspace]
    private let biasSum: [FloatBuffer]
    private let dcRecurrent: [Workspace]
    private let dhTotal = Workspace()

    public init(inputSize: Int, hiddenSize: Int, layers: Int, prefix: String) {
        precondition(inputSize > 0 && hiddenSize > 0 && layers > 0, "LSTMStack sizes must be positive")
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.layers = layers
        self.prefix = prefix
        weights = StackedLayerWeights(prefix: prefix, gates: 4, inputSize: inputSize, hiddenSize: hiddenSize,
                                      layers: layers)
        h0 = Parameter(name: "\(prefix).h0", shape: [layers, hiddenSize])
        c0 = Parameter(name: "\(prefix).c0", shape: [layers, hiddenSize])
        states = StackedHiddenStates(inputSize: inputSize, hiddenSize: hiddenSize, layers: layers)
        cCache = (0..<layers).map { _ in Workspace() }
        gateCache = (0..<layers).map { _ in Workspace() }
        tanhCCache = (0..<layers).map { _ in Workspace() }
        dzCache = (0..<layers).map { _ in Workspace() }
        biasSum = (0..<layers).map { _ in FloatBuffer(count: 4 * hiddenSize) }
        dcRecurrent = (0..<layers).map { _ in Workspace() }
    }

    /// PyTorch's initialisation: every weight and bias `U(-1/√H, 1/√H)`; `h0`, `c0` zero.
    public func initialize(rng: inout RandomSource) {
        weights.initialize(hiddenSize: hiddenSize, rng: &rng)
        h0.value.zero()
        c0.value.zero()
    }

    public func prepare(steps: Int, batch: Int) {
        states.prepare(steps: steps, batch: batch)
        let H = hiddenSize, G = 4 * hiddenSize
        for l in 0..<layers {
            cCache[l].reserve((steps + 1) * batch * H)
            gateCache[l].reserve(steps * batch * G)
            tanhCCache[l].reserve(steps * batch * H)
            dzCache[l].reserve(steps * batch * G)
            dcRecurrent[l].reserve(batch * H)
        }
        dhTotal.reserve(batch * H)
    }

    public func output(step t: Int) -> UnsafePointer<Float> { states.output(step: t) }

    public var outputs: UnsafePointer<Float> { output(step: 0) }

    public func forward(step t: Int, input: UnsafePointer<Float>) -> UnsafePointer<Float> {
        precondition(t >= 0 && t < states.steps, "step \(t) outside the prepared 0..<\(states.steps)")
        let B = states.batch, H = hiddenSize, G = 4 * H
        states.storeInput(step: t, input)
        for l in 0..<layers {
            let cs = cCache[l].base
            if t == 0 {
                // Broadcast the learned initial state to every sequence of the batch.
                states.broadcastInitialState(h0, layer: l)
                for b in 0..<B { (cs + b * H).update(from: c0.value.base + l * H, count: H) }
                let bias = biasSum[l].base
                for j in 0..<G { bias[j] = biasIH[l].value.base[j] + biasHH[l].value.base[j] }
                weights.refreshTransposes(layer: l)
            }
            let inSize = states.layerInputSize(l)
            let u = states.layerInput(layer: l, step: t)
            let hPrev = states.hidden(layer: l, slot: t), cPrev = cs + t * B * H
            let hNext = states.hidden(layer: l, slot: t + 1), cNext = cs + (t + 1) * B * H
            let gates = gateCache[l].base + t * B * G
            let tanhC = tanhCCache[l].base + t * B * H
            // z = u W_ihᵀ + h W_hhᵀ, then the bias b_ih + b_hh.
            gemmNT(B, G, inSize, u, inSize, transposed: weights.transposedIH[l].base, G, gates, G, accumulate: false)
            gemmNT(B, G, H, hPrev, H, transposed: weights.transposedHH[l].base, G, gates, G, accumulate: true)
            // The gates, c' = f ∘ c + i ∘ g and h' = o ∘ tanh(c'), on the kernels' path.
            LSTMCellKernels.forward(batch: B, hidden: H, gates: gates, bias: biasSum[l].base, cPrev: cPrev,
                                    cNext: cNext, tanhC: tanhC, hNext: hNext)
        }
        return output(step: t)
    }

    public func beginBackward() {
        states.beginBackward()
        for l in 0..<layers { dcRecurrent[l].base.update(repeating: 0, count: states.batch * hiddenSize) }
    }

    public func backward(
        step t: Int, outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?
    ) {
        let B = states.batch, H = hiddenSize, G = 4 * H
        let dh = dhTotal.base
        for l in stride(from: layers - 1, through: 0, by: -1) {
            // dL/dh_t of this layer: from outside (top) or from the layer above, plus the recurrent part.
            let fromAbove = states.gradientFromAbove(layer: l, outputGradient: outputGradient)
            let dhRec = states.recurrentGradient(layer: l), dcRec = dcRecurrent[l].base
            for i in 0..<(B * H) { dh[i] = fromAbove[i] + dhRec[i] }
            let gates = gateCache[l].base + t * B * G
            let tanhC = tanhCCache[l].base + t * B * H
            let cPrev = cCache[l].base + t * B * H
            let dz = dzCache[l].base + t * B * G
            LSTMCellKernels.backward(batch: B, hidden: H, gates: gates, tanhC: tanhC, cPrev: cPrev, dh: dh,
                                     dcRecurrent: dcRec, dz: dz)
            // dh_{t-1} = dz W_hh; d input = dz W_ih.
            states.propagateToPreviousState(layer: l, gateGradient: dz, gates: G, weightHH: weightHH[l])
            states.propagateToInput(layer: l, gateGradient: dz, gates: G, weightIH: weightIH[l], inputGradient: inputGradient)
        }
    }

    public func finishBackward() { finishBackward(parallelism: .serial) }

    public func finishBackward(parallelism: Parallelism) {
        states.finishBackward(weights: weights, h0: h0, parallelism: parallelism,
                              inputSide: { UnsafePointer(self.dzCache[$0].base) }, hiddenSide: { _ in nil })
        let B = states.batch, H = hiddenSize
        for l in 0..<layers { addColumnSums(B, H, dcRecurrent[l].base, H, into: c0.grad.base + l * H) }
    }
}
