// The hidden states of a stack of recurrent layers over a sequence, and the gradients carried
// between backward steps — the bookkeeping the LSTM, GRU and RNN stacks share, so that each of
// them holds only its own cell equations.
import NTMCore

/// Per-layer hidden states `h` over `T + 1` slots (slot 0 is the learned initial state `h0`
/// broadcast to every sequence, slot `t + 1` the output of step `t`), a copy of the stack's inputs,
/// the recurrent gradients `dL/dh_{t-1}` carried between backward steps, and the gradient passed
/// from a layer to the one below it.
///
/// Layer 0 reads the stack's input; layer `l > 0` reads `h` of layer `l - 1` at the same step.
/// Every tensor is batch-major `[B, width]` per step.
public final class StackedHiddenStates {
    public let inputSize: Int
    public let hiddenSize: Int
    public let layers: Int
    public private(set) var steps = 0
    public private(set) var batch = 0

    private let inputCache = Workspace()
    private let hCache: [Workspace]
    private let dhRecurrent: [Workspace]
    private let dBelow = Workspace()

    public init(inputSize: Int, hiddenSize: Int, layers: Int) {
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.layers = layers
        hCache = (0..<layers).map { _ in Workspace() }
        dhRecurrent = (0..<layers).map { _ in Workspace() }
    }

    /// Width of layer `l`'s input.
    public func layerInputSize(_ l: Int) -> Int { l == 0 ? inputSize : hiddenSize }

    /// Sizes the caches for `steps` steps of `batch` sequences (allocating only when they grow).
    public func prepare(steps: Int, batch: Int) {
        self.steps = steps
        self.batch = batch
        inputCache.reserve(steps * batch * inputSize)
        for l in 0..<layers {
            hCache[l].reserve((steps + 1) * batch * hiddenSize)
            dhRecurrent[l].reserve(batch * hiddenSize)
        }
        dBelow.reserve(batch * hiddenSize)
    }

    /// Copies the stack's input of step `t` into the cache (the weight gradients read it after the sweep).
    public func storeInput(step t: Int, _ input: UnsafePointer<Float>) {
        (inputCache.base + t * batch * inputSize).update(from: input, count: batch * inputSize)
    }

    /// Writes `h0[l]` into slot 0 of layer `l` for every sequence of the batch.
    public func broadcastInitialState(_ h0: Parameter, layer l: Int) {
        let H = hiddenSize, hs = hCache[l].base
        for b in 0..<batch { (hs + b * H).update(from: h0.value.base + l * H, count: H) }
    }

    /// `h` of layer `l` in `slot` (`slot = t` is the state before step `t`, `t + 1` after it).
    public func hidden(layer l: Int, slot: Int) -> UnsafeMutablePointer<Float> {
        hCache[l].base + slot * batch * hiddenSize
    }

    /// The input of layer `l` at step `t`: the stack's input, or the new `h` of the layer below.
    public func layerInput(layer l: Int, step t: Int) -> UnsafePointer<Float> {
        l == 0 ? UnsafePointer(inputCache.base + t * batch * inputSize) : UnsafePointer(hidden(layer: l - 1, slot: t + 1))
    }

    /// The inputs of layer `l` at every step, `[T, B, in_l]` contiguous.
    public func layerInputs(layer l: Int) -> UnsafePointer<Float> { layerInput(layer: l, step: 0) }

    /// The top layer's output of step `t`.
    public func output(step t: Int) -> UnsafePointer<Float> { UnsafePointer(hidden(layer: layers - 1, slot: t + 1)) }

    // MARK: - Backward

    /// Clears the recurrent gradients before a backward sweep.
    public func beginBackward() {
        for l in 0..<layers { dhRecurrent[l].base.update(repeating: 0, count: batch * hiddenSize) }
    }

    /// `dL/dh_{t-1}` of layer `l`, carried from the step after (read it before the step overwrites it).
    public func recurrentGradient(layer l: Int) -> UnsafeMutablePointer<Float> { dhRecurrent[l].base }

    /// `dL/dh_t` of layer `l` from outside the recurrence: the stack's output gradient for the top
    /// layer, the input gradient of the layer above for the others.
    public func gradientFromAbove(layer l: Int, outputGradient: UnsafePointer<Float>) -> UnsafePointer<Float> {
        l == layers - 1 ? outputGradient : UnsafePointer(dBelow.base)
    }

    /// Where layer `l`'s input gradient goes: the layer below, or the caller's `inputGradient` (nil: not wanted).
    public func inputGradientTarget(layer l: Int, inputGradient: UnsafeMutablePointer<Float>?) -> UnsafeMutablePointer<Float>? {
        l > 0 ? dBelow.base : inputGradient
    }

    /// `d input = Σ_gates dz W_ih` of layer `l`: added into the caller's `inputGradient` for layer 0
    /// (see ``GradientConvention``); written into the gradient passed to the layer below otherwise.
    public func propagateToInput(layer l: Int, gateGradient dz: UnsafePointer<Float>, gates G: Int, weightIH: Parameter,
                                 inputGradient: UnsafeMutablePointer<Float>?) {
        guard let target = inputGradientTarget(layer: l, inputGradient: inputGradient) else { return }
        let inSize = layerInputSize(l), B = batch
        if l > 0 { target.update(repeating: 0, count: B * inSize) }
        gemmAccumulate(B, inSize, G, dz, rowStrideA: G, colStrideA: 1, weightIH.value.base, inSize, target, inSize)
    }

    /// `dh_{t-1} = dz W_hh` of layer `l` into its recurrent gradient, replacing the previous step's: that
    /// gradient is this object's own state carried between steps, not a caller's buffer, so
    /// ``GradientConvention`` does not apply to it.
    public func propagateToPreviousState(layer l: Int, gateGradient dz: UnsafePointer<Float>, gates G: Int,
                                         weightHH: Parameter) {
        let H = hiddenSize, B = batch, dhRec = dhRecurrent[l].base
        dhRec.update(repeating: 0, count: B * H)
        gemmAccumulate(B, H, G, dz, rowStrideA: G, colStrideA: 1, weightHH.value.base, H, dhRec, H)
    }

    /// After the sweep, adds into the parameters' `grad` (see ``GradientConvention``) the weight gradients of
    /// every layer from its cached pre-activation gradients (`inputSide(l)`, and `hiddenSide(l)` when the cell
    /// has separate hidden-side ones), and `dh0 += Σ_b dL/dh_{-1}`.
    public func finishBackward(weights: StackedLayerWeights, h0: Parameter, parallelism: Parallelism,
                               inputSide: (Int) -> UnsafePointer<Float>, hiddenSide: (Int) -> UnsafePointer<Float>?) {
        let B = batch, H = hiddenSize
        for l in 0..<layers {
            weights.accumulateGradients(layer: l, rows: steps * B, inputGradient: inputSide(l), hiddenSideGradient: hiddenSide(l),
                                        inputs: layerInputs(layer: l), previousHidden: hidden(layer: l, slot: 0),
                                        parallelism: parallelism)
            addColumnSums(B, H, dhRecurrent[l].base, H, into: h0.grad.base + l * H)
        }
    }
}
