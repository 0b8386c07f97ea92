// A stack of GRU layers (PyTorch `nn.GRU` convention) with a learned initial state:
// forward and backward for one step side by side, weight gradients as one product per sequence.
import NTMCore

/// `L` stacked GRU layers, as in `models.md` § "GRU cell" (gate order `[r, z, n]`):
///
/// ```
/// r  = σ(W_ir u + b_ir + W_hr h + b_hr)
/// z  = σ(W_iz u + b_iz + W_hz h + b_hz)
/// n  = tanh(W_in u + b_in + r ∘ (W_hn h + b_hn))
/// h' = (1 - z) ∘ n + z ∘ h
/// ```
///
/// The initial state `h0` (`[L, H]`) is learned, initialised to zero. Parameter names follow
/// `nn.GRU`: `{prefix}.weight_ih_l{k}`, `…weight_hh_l{k}`, `…bias_ih_l{k}`, `…bias_hh_l{k}`, `{prefix}.h0`.
public final class GRUStack: RecurrentCell {
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

    // Hidden states, inputs and carried gradients live in `states`; per layer here: activated gates
    // [r, z, n] [T, B, 3H]; W_hn h + b_hn [T, B, H]; the gradients of the input-side and hidden-side
    // pre-activations [T, B, 3H] each.
    private let states: StackedHiddenStates
    private let gateCache: [Workspace], hnCache: [Workspace]
    private let dgiCache: [Workspace], dghCache: [Workspace]
    private let ghScratch = Workspace(), dhTotal = Workspace()

    public init(inputSize: Int, hiddenSize: Int, layers: Int, prefix: String) {
        precondition(inputSize > 0 && hiddenSize > 0 && layers > 0, "GRUStack sizes must be positive")
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.layers = layers
        self.prefix = prefix
        weights = StackedLayerWeights(prefix: prefix, gates: 3, inputSize: inputSize, hiddenSize: hiddenSize,
                                      layers: layers)
        h0 = Parameter(name: "\(prefix).h0", shape: [layers, hiddenSize])
        states = StackedHiddenStates(inputSize: inputSize, hiddenSize: hiddenSize, layers: layers)
        gateCache = (0..<layers).map { _ in Workspace() }
        hnCache = (0..<layers).map { _ in Workspace() }
        dgiCache = (0..<layers).map { _ in Workspace() }
        dghCache = (0..<layers).map { _ in Workspace() }
    }

    /// PyTorch's initialisation: every weight and bias `U(-1/√H, 1/√H)`; `h0` zero.
    public func initialize(rng: inout RandomSource) {
        weights.initialize(hiddenSize: hiddenSize, rng: &rng)
        h0.value.zero()
    }

    public func prepare(steps: Int, batch: Int) {
        states.prepare(steps: steps, batch: batch)
        let H = hiddenSize, G = 3 * hiddenSize
        for l in 0..<layers {
            gateCache[l].reserve(steps * batch * G)
            hnCache[l].reserve(steps * batch * H)
            dgiCache[l].reserve(steps * batch * G)
            dghCache[l].reserve(steps * batch * G)
        }
        ghScratch.reserve(batch * G)
        dhTotal.reserve(batch * H)
    }

    public func output(step t: Int) -> UnsafePointer<Float> { states.output(step: t) }

    public var outputs: UnsafePointer<Float> { output(step: 0) }

    public func forward(step t: Int, input: UnsafePointer<Float>) -> UnsafePointer<Float> {
        precondition(t >= 0 && t < states.steps, "step \(t) outside the prepared 0..<\(states.steps)")
        let B = states.batch, H = hiddenSize, G = 3 * H
        states.storeInput(step: t, input)
        let gh = ghScratch.base
        for l in 0..<layers {
            if t == 0 {
                states.broadcastInitialState(h0, layer: l)
                weights.refreshTransposes(layer: l)
            }
            let inSize = states.layerInputSize(l)
            let u = states.layerInput(layer: l, step: t)
            let hPrev = states.hidden(layer: l, slot: t), hNext = states.hidden(layer: l, slot: t + 1)
            let gates = gateCache[l].base + t * B * G
            let hn = hnCache[l].base + t * B * H
            gemmNT(B, G, inSize, u, inSize, transposed: weights.transposedIH[l].base, G, gates, G, accumulate: false)
            gemmNT(B, G, H, hPrev, H, transposed: weights.transposedHH[l].base, G, gh, G, accumulate: false)
            // r, z from both sides' pre-activations; n from the input side plus r ∘ (W_hn h + b_hn); h'.
            GRUCellKernels.forward(batch: B, hidden: H, gates: gates, hiddenSide: gh, biasIH: biasIH[l].value.base,
                                   biasHH: biasHH[l].value.base, hPrev: hPrev, hn: hn, hNext: hNext)
        }
        return output(step: t)
    }

    public func beginBackward() { states.beginBackward() }

    public func backward(
        step t: Int, outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?
    ) {
        let B = states.batch, H = hiddenSize, G = 3 * H
        let dh = dhTotal.base
        for l in stride(from: layers - 1, through: 0, by: -1) {
            let fromAbove = states.gradientFromAbove(layer: l, outputGradient: outputGradient)
            let dhRec = states.recurrentGradient(layer: l)
            for i in 0..<(B * H) { dh[i] = fromAbove[i] + dhRec[i] }
            let gates = gateCache[l].base + t * B * G
            let hn = hnCache[l].base + t * B * H
            let hPrev = states.hidden(layer: l, slot: t)
            let dgi = dgiCache[l].base + t * B * G, dgh = dghCache[l].base + t * B * G
            GRUCellKernels.backward(batch: B, hidden: H, gates: gates, hn: hn, hPrev: hPrev, dh: dh, inputSide: dgi,
                                    hiddenSide: dgh, dhPrevious: dhRec)  // dh_{t-1} starts with the direct path z ∘ dh
            // dh_{t-1} = z ∘ dh (written above) + dgh W_hh; d input = dgi W_ih.
            gemmAccumulate(B, H, G, dgh, rowStrideA: G, colStrideA: 1, weightHH[l].value.base, H, dhRec, H)
            states.propagateToInput(layer: l, gateGradient: dgi, gates: G, weightIH: weightIH[l], inputGradient: inputGradient)
        }
    }

    public func finishBackward() { finishBackward(parallelism: .serial) }

    public func finishBackward(parallelism: Parallelism) {
        states.finishBackward(weights: weights, h0: h0, parallelism: parallelism,
                              inputSide: { UnsafePointer(self.dgiCache[$0].base) },
                              hiddenSide: { UnsafePointer(self.dghCache[$0].base) })
    }
}
