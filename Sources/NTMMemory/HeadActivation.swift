// From a head's raw output to its addressing parameters: the clip and the activations
// (models.md § NTM, step 2).
import NTMCore

/// The map from a head's raw parameter vector `p̂` (its linear layer's output, laid out by ``HeadLayout``)
/// to the parameters addressing and writing use:
///
/// ```
/// p = clip(p̂, -C, C)
/// k = tanh(p_k)   β = softplus(p_β)   g = σ(p_g)   s = softmax(p_s)   γ = 1 + softplus(p_γ)
/// e = σ(p_e)      a = tanh(p_a)                                        (write heads only)
/// ```
///
/// The activations keep each parameter in its range: `β ≥ 0`, `g ∈ (0, 1)`, `s` a distribution over the
/// shifts, `γ ≥ 1` (sharpening never flattens), `e ∈ (0, 1)`, `k, a ∈ (-1, 1)`. The output has the same
/// layout as the input.
public struct HeadActivation: Sendable, Equatable {
    public let layout: HeadLayout
    /// `C`: the clip bound of the raw parameters.
    public let clipValue: Float

    public init(layout: HeadLayout, clipValue: Float) {
        self.layout = layout
        self.clipValue = clipValue
    }

    /// Writes the activated parameters (`[layout.size]`) from the raw ones.
    public func forward(raw: UnsafePointer<Float>, output act: UnsafeMutablePointer<Float>) {
        let L = layout, C = clipValue, M = L.memoryWidth
        for q in 0..<L.size { act[q] = min(max(raw[q], -C), C) }
        tanhInPlace(act + L.key, M)
        act[L.beta] = softplus(act[L.beta])
        act[L.gate] = sigmoid(act[L.gate])
        Softmax.forward(output: act + L.shift, input: act + L.shift, count: L.shiftCount)
        act[L.gamma] = 1 + softplus(act[L.gamma])
        if L.isWrite {
            sigmoidInPlace(act + L.erase, M)
            tanhInPlace(act + L.add, M)
        }
    }

    /// Given `dL/dp` (`outputGradient`) for the activated parameters `act` that ``forward(raw:output:)``
    /// computed from `raw`, adds into (see ``GradientConvention``) `inputGradient` the gradient of the raw
    /// parameters:
    ///
    /// ```
    /// dk̂ = dk (1 - k²)   dβ̂ = dβ σ(p_β)   dĝ = dg g (1 - g)   dŝ = softmax backward of ds   dγ̂ = dγ σ(p_γ)
    /// dê = de e (1 - e)  dâ = da (1 - a²)
    /// ```
    /// and nothing where `raw` lies outside `[-C, C]`, where the clip is flat.
    public func backward(
        outputGradient d: UnsafePointer<Float>, raw: UnsafePointer<Float>, output act: UnsafePointer<Float>,
        inputGradient dRaw: UnsafeMutablePointer<Float>
    ) {
        let L = layout, C = clipValue, M = L.memoryWidth
        @inline(__always) func add(_ q: Int, _ g: Float) {
            if !(raw[q] < -C || raw[q] > C) { dRaw[q] += g }
        }
        for m in 0..<M {
            let k = act[L.key + m]
            add(L.key + m, d[L.key + m] * (1 - k * k))
        }
        add(L.beta, d[L.beta] * sigmoid(min(max(raw[L.beta], -C), C)))
        let g = act[L.gate]
        add(L.gate, d[L.gate] * (g * (1 - g)))
        withUnsafeTemporaryAllocation(of: Float.self, capacity: L.shiftCount) { scratch in
            let ds = scratch.baseAddress!
            ds.initialize(repeating: 0, count: L.shiftCount)
            Softmax.backward(outputGradient: d + L.shift, output: act + L.shift, input: act + L.shift,
                             count: L.shiftCount, inputGradient: ds)
            for i in 0..<L.shiftCount { add(L.shift + i, ds[i]) }
        }
        add(L.gamma, d[L.gamma] * sigmoid(min(max(raw[L.gamma], -C), C)))
        if L.isWrite {
            for m in 0..<M {
                let e = act[L.erase + m], a = act[L.add + m]
                add(L.erase + m, d[L.erase + m] * (e * (1 - e)))
                add(L.add + m, d[L.add + m] * (1 - a * a))
            }
        }
    }
}
