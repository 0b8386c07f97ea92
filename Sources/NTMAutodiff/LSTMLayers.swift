// A stack of LSTM layers written with ops (spec § LSTM cell, PyTorch's `nn.LSTM` convention), for
// controllers of memories written forward-only. The kit's fused LSTMStack computes the same.

/// LSTM layers as ops: parameter declarations, initial state and one step.
///
/// ```
/// z = W_ih u + b_ih + W_hh h + b_hh      split [i, f, g, o]
/// c' = σ(z_f) ∘ c + σ(z_i) ∘ tanh(z_g)    h' = σ(z_o) ∘ tanh(c')
/// ```
public enum LSTMLayers {
    /// `prefix.weight_ih_l{k}`, `weight_hh_l{k}`, `bias_ih_l{k}`, `bias_hh_l{k}` per layer (PyTorch's
    /// `U(±1/√H)` start), then the learned initial states `prefix.h0`, `prefix.c0` `[L, H]` (zeros).
    public static func specs(prefix: String, inputSize: Int, hiddenSize H: Int, layers: Int) -> [ParameterSpec] {
        var specs: [ParameterSpec] = []
        for l in 0..<layers {
            let init_ = ParameterInit.pyTorchUniform(fanIn: H)
            specs += [
                ParameterSpec("\(prefix).weight_ih_l\(l)", shape: [4 * H, l == 0 ? inputSize : H], initializer: init_),
                ParameterSpec("\(prefix).weight_hh_l\(l)", shape: [4 * H, H], initializer: init_),
                ParameterSpec("\(prefix).bias_ih_l\(l)", shape: [4 * H], initializer: init_),
                ParameterSpec("\(prefix).bias_hh_l\(l)", shape: [4 * H], initializer: init_),
            ]
        }
        return specs + [ParameterSpec("\(prefix).h0", shape: [layers, H]), ParameterSpec("\(prefix).c0", shape: [layers, H])]
    }

    /// State `prefix.h.{l}`, `prefix.c.{l}` from rows of `h0`, `c0`.
    public static func initialState(_ g: StepGraph, prefix: String, hiddenSize H: Int, layers: Int) -> StateVars {
        var s = StateVars()
        let h0 = g.parameter("\(prefix).h0").reshaped([layers * H]), c0 = g.parameter("\(prefix).c0").reshaped([layers * H])
        for l in 0..<layers {
            s["\(prefix).h.\(l)"] = h0.slice(l * H, H)
            s["\(prefix).c.\(l)"] = c0.slice(l * H, H)
        }
        return s
    }

    /// One step of the stack; returns the top layer's `h` and the stack's next state (only its own entries).
    public static func step(_ g: StepGraph, prefix: String, input: Var, state: StateVars, hiddenSize H: Int,
                            layers: Int) -> (output: Var, state: StateVars) {
        var next = StateVars()
        var u = input
        for l in 0..<layers {
            let h = state["\(prefix).h.\(l)"], c = state["\(prefix).c.\(l)"]
            let z = g.linear(u, weight: g.parameter("\(prefix).weight_ih_l\(l)"), bias: g.parameter("\(prefix).bias_ih_l\(l)"))
                + g.linear(h, weight: g.parameter("\(prefix).weight_hh_l\(l)"), bias: g.parameter("\(prefix).bias_hh_l\(l)"))
            let i = z.slice(0, H).sigmoid(), f = z.slice(H, H).sigmoid()
            let cand = z.slice(2 * H, H).tanh(), o = z.slice(3 * H, H).sigmoid()
            let c1 = f * c + i * cand
            let h1 = o * c1.tanh()
            next["\(prefix).h.\(l)"] = h1
            next["\(prefix).c.\(l)"] = c1
            u = h1
        }
        return (u, next)
    }
}
