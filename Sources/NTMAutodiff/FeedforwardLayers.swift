// A stack of tanh layers written with ops: the feedforward controller of a memory (the NTM paper's
// priority-sort controller). Unlike LSTMLayers it keeps no state between steps.

/// Feedforward layers as ops: parameter declarations and one step.
///
/// ```
/// h^0 = u                                   (the controller input concat(x_t, r_{t-1}))
/// h^l = tanh(W_l h^{l-1} + b_l)             l = 1…L;  the output is h^L
/// ```
///
/// `W_1` is `[H, in]`, `W_l` (`l > 1`) `[H, H]`. The layers have no recurrent state, so
/// ``initialState`` is empty and a step depends on the past only through its input.
public enum FeedforwardLayers {
    /// `prefix.layers.{l}.weight` `[H, in_l]` and `prefix.layers.{l}.bias` `[H]` for `l` in `0..<layers`
    /// (`in_0 = inputSize`, then `H`). Weights start Glorot-uniform, `U(±√(6 / (in_l + H)))`, the scale
    /// that keeps a tanh layer's activations and gradients of the same variance (and the kit's start for
    /// its other `tanh`-fed linear layers, the heads and the output layer); biases start at zero.
    public static func specs(prefix: String, inputSize: Int, hiddenSize H: Int, layers: Int) -> [ParameterSpec] {
        (0..<layers).flatMap { l in
            [ParameterSpec("\(prefix).layers.\(l).weight", shape: [H, l == 0 ? inputSize : H], initializer: .glorotUniform),
             ParameterSpec("\(prefix).layers.\(l).bias", shape: [H])]
        }
    }

    /// One step: `h^L` for the input `u` (`[inputSize]`).
    public static func step(_ g: StepGraph, prefix: String, input u: Var, layers: Int) -> Var {
        var h = u
        for l in 0..<layers { h = g.linear(h, prefix: "\(prefix).layers.\(l)").tanh() }   // tanh(W_l h + b_l)
        return h
    }
}
