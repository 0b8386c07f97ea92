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

    private var steps = 0, batch = 0
    private let inputCache = Workspace()
    // Per layer: h over T+1 slots; activated gates [r, z, n] [T, B, 3H]; W_hn h + b_hn [T, B, H];
    // the gradients of the input-side and hidden-side pre-activations [T, B, 3H] each.
    private let hCache: [Workspace], gateCache: [Workspace], hnCache: [Workspace]
    private let dgiCache: [Workspace], dghCache: [Workspace]
    private let dhRecurrent: [Workspace]
    private let ghScratch = Workspace(), dhTotal = Workspace(), dBelow = Workspace(), transposeScratch = Workspace()

    public init(inputSize: Int, hiddenSize: Int, layers: Int, prefix: String) {
        precondition(inputSize > 0 && hiddenSize > 0 && layers > 0, "GRUStack sizes must be positive")
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.layers = layers
        self.prefix = prefix
        weights = StackedLayerWeights(prefix: prefix, gates: 3, inputSize: inputSize, hiddenSize: hiddenSize,
                                      layers: layers)
        h0 = Parameter(name: "\(prefix).h0", shape: [layers, hiddenSize])
        hCache = (0..<layers).map { _ in Workspace() }
        gateCache = (0..<layers).map { _ in Workspace() }
        hnCache = (0..<layers).map { _ in Workspace() }
        dgiCache = (0..<layers).map { _ in Workspace() }
        dghCache = (0..<layers).map { _ in Workspace() }
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
        let H = hiddenSize, G = 3 * hiddenSize
        inputCache.reserve(steps * batch * inputSize)
        for l in 0..<layers {
            hCache[l].reserve((steps + 1) * batch * H)
            gateCache[l].reserve(steps * batch * G)
            hnCache[l].reserve(steps * batch * H)
            dgiCache[l].reserve(steps * batch * G)
            dghCache[l].reserve(steps * batch * G)
            dhRecurrent[l].reserve(batch * H)
        }
        ghScratch.reserve(batch * G)
        dhTotal.reserve(batch * H)
        dBelow.reserve(batch * H)
    }

    public func output(step t: Int) -> UnsafePointer<Float> {
        UnsafePointer(hCache[layers - 1].base + (t + 1) * batch * hiddenSize)
    }

    public var outputs: UnsafePointer<Float> { output(step: 0) }

    public func forward(step t: Int, input: UnsafePointer<Float>) -> UnsafePointer<Float> {
        precondition(t >= 0 && t < steps, "step \(t) outside the prepared 0..<\(steps)")
        let B = batch, H = hiddenSize, G = 3 * H
        let x0 = inputCache.base + t * B * inputSize
        x0.update(from: input, count: B * inputSize)
        let gh = ghScratch.base
        for l in 0..<layers {
            let hs = hCache[l].base
            if t == 0 {
                for b in 0..<B { (hs + b * H).update(from: h0.value.base + l * H, count: H) }
            }
            let inSize = layerInputSize(l)
            let u: UnsafePointer<Float> =
                l == 0 ? UnsafePointer(x0) : UnsafePointer(hCache[l - 1].base + (t + 1) * B * H)
            let hPrev = hs + t * B * H, hNext = hs + (t + 1) * B * H
            let gates = gateCache[l].base + t * B * G
            let hn = hnCache[l].base + t * B * H
            gemmNT(B, G, inSize, u, inSize, weightIH[l].value.base, inSize, gates, G, accumulate: false)
            gemmNT(B, G, H, hPrev, H, weightHH[l].value.base, H, gh, G, accumulate: false)
            let bi = biasIH[l].value.base, bh = biasHH[l].value.base
            for b in 0..<B {
                let gi = gates + b * G, ghb = gh + b * G
                let hp = hPrev + b * H, hOut = hNext + b * H, hnb = hn + b * H
                // r and z from both sides' pre-activations; n from the input side plus r ∘ (W_hn h + b_hn).
                for j in 0..<(2 * H) { gi[j] += bi[j] + ghb[j] + bh[j] }
                sigmoidInPlace(gi, 2 * H)
                for j in 0..<H {
                    let hnj = ghb[2 * H + j] + bh[2 * H + j]
                    hnb[j] = hnj
                    gi[2 * H + j] += bi[2 * H + j] + gi[j] * hnj
                }
                tanhInPlace(gi + 2 * H, H)
                for j in 0..<H {
                    let z = gi[H + j], n = gi[2 * H + j]
                    hOut[j] = (1 - z) * n + z * hp[j]
                }
            }
        }
        return output(step: t)
    }

    public func beginBackward() {
        for l in 0..<layers { dhRecurrent[l].base.update(repeating: 0, count: batch * hiddenSize) }
    }

    public func backward(
        step t: Int, outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?
    ) {
        let B = batch, H = hiddenSize, G = 3 * H
        let dh = dhTotal.base
        for l in stride(from: layers - 1, through: 0, by: -1) {
            let fromAbove: UnsafePointer<Float> = l == layers - 1 ? outputGradient : UnsafePointer(dBelow.base)
            let dhRec = dhRecurrent[l].base
            for i in 0..<(B * H) { dh[i] = fromAbove[i] + dhRec[i] }
            let gates = gateCache[l].base + t * B * G
            let hn = hnCache[l].base + t * B * H
            let hPrev = hCache[l].base + t * B * H
            let dgi = dgiCache[l].base + t * B * G, dgh = dghCache[l].base + t * B * G
            for b in 0..<B {
                let g = gates + b * G, hnb = hn + b * H, hp = hPrev + b * H
                let di = dgi + b * G, dhh = dgh + b * G, dhb = dh + b * H, rec = dhRec + b * H
                for j in 0..<H {
                    let r = g[j], z = g[H + j], n = g[2 * H + j]
                    let d = dhb[j]
                    let dn = d * (1 - z)
                    let dz = d * (hp[j] - n)
                    let dan = dn * (1 - n * n)
                    let dar = dan * hnb[j] * r * (1 - r)
                    let daz = dz * z * (1 - z)
                    di[j] = dar; di[H + j] = daz; di[2 * H + j] = dan
                    dhh[j] = dar; dhh[H + j] = daz; dhh[2 * H + j] = dan * r
                    rec[j] = d * z  // the direct path h' = … + z ∘ h
                }
            }
            gemmAccumulate(B, H, G, dgh, rowStrideA: G, colStrideA: 1, weightHH[l].value.base, H, dhRec, H)
            let inSize = layerInputSize(l)
            let target: UnsafeMutablePointer<Float>? = l > 0 ? dBelow.base : inputGradient
            if let target {
                target.update(repeating: 0, count: B * inSize)
                gemmAccumulate(B, inSize, G, dgi, rowStrideA: G, colStrideA: 1, weightIH[l].value.base, inSize, target, inSize)
            }
        }
    }

    public func finishBackward() { finishBackward(parallelism: .serial) }

    public func finishBackward(parallelism: Parallelism) {
        let B = batch, H = hiddenSize, rows = steps * B
        for l in 0..<layers {
            let u: UnsafePointer<Float> =
                l == 0 ? UnsafePointer(inputCache.base) : UnsafePointer(hCache[l - 1].base + B * H)
            let dgi = dgiCache[l].base, dgh = dghCache[l].base
            weights.accumulateGradients(layer: l, rows: rows, inputGradient: dgi, hiddenSideGradient: dgh, inputs: u,
                                        previousHidden: hCache[l].base, scratch: transposeScratch,
                                        parallelism: parallelism)
            addColumnSums(B, H, dhRecurrent[l].base, H, into: h0.grad.base + l * H)
        }
    }
}
