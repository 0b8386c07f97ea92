// The LSTM and GRU cells' element-wise passes, in the C target on the run-time path (the products around
// them are in MatMul.swift). The same bits on every path, and the same as FastMath's sigmoid8 and tanh8.
import CNTMKernels

/// The element-wise part of an LSTM step for `B` rows of `H` units (models.md, "LSTM cell"):
///
/// ```
/// forward:  i, f, g, o = σ(z_i), σ(z_f), tanh(z_g), σ(z_o)   with z = gates + bias (order i, f, g, o)
///           c' = f ∘ c + i ∘ g      h' = o ∘ tanh(c')
/// backward: dc = dc' + dh ∘ o ∘ (1 - tanh²c')
///           dz_i = dc g i (1 - i)   dz_f = dc c f (1 - f)   dz_g = dc i (1 - g²)   dz_o = dh tanh(c') o (1 - o)
///           dL/dc (carried to the step before) = dc ∘ f
/// ```
/// Each value is the same chain of single-precision operations on every ``KernelPath``, so the path
/// changes no bit.
public enum LSTMCellKernels {
    /// `gates` (`[B, 4H]`) holds the products `W_ih u + W_hh h` and receives the activated gates; `bias` is
    /// `b_ih + b_hh` (`[4H]`); writes `cNext`, `tanhC` (= `tanh(c')`) and `hNext` (`[B, H]`).
    @inline(__always)
    public static func forward(
        batch B: Int, hidden H: Int, gates: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>,
        cPrev: UnsafePointer<Float>, cNext: UnsafeMutablePointer<Float>, tanhC: UnsafeMutablePointer<Float>,
        hNext: UnsafeMutablePointer<Float>, path: KernelPath? = nil
    ) {
        ntm_lstm_forward(path.map { $0.code } ?? -1, B, H, gates, bias, cPrev, cNext, tanhC, hNext)
    }

    /// From the activated `gates`, `tanhC`, `cPrev` of the forward pass and `dh` (`[B, H]`): replaces
    /// `dcRecurrent` (`[B, H]`, `dL/dc'` in, `dL/dc` out) and writes `dz` (`[B, 4H]`).
    @inline(__always)
    public static func backward(
        batch B: Int, hidden H: Int, gates: UnsafePointer<Float>, tanhC: UnsafePointer<Float>,
        cPrev: UnsafePointer<Float>, dh: UnsafePointer<Float>, dcRecurrent: UnsafeMutablePointer<Float>,
        dz: UnsafeMutablePointer<Float>, path: KernelPath? = nil
    ) {
        ntm_lstm_backward(path.map { $0.code } ?? -1, B, H, gates, tanhC, cPrev, dh, dcRecurrent, dz)
    }
}

/// The element-wise part of a GRU step for `B` rows of `H` units (models.md, "GRU cell", order r, z, n):
///
/// ```
/// forward:  r = σ(a_r + (b_ir + h_r + b_hr))   z = σ(a_z + (b_iz + h_z + b_hz))   hn = h_n + b_hn
///           n = tanh(a_n + (b_in + r hn))     h' = (1 - z) n + z h
///           (a = W_ih u, the input side; h_* = W_hh h, the hidden side)
/// backward: dn = dh (1 - z)   dz = dh (h - n)   da_n = dn (1 - n²)   da_r = da_n hn r (1 - r)
///           da_z = dz z (1 - z);  hidden side: the same but dh_n = da_n r;  direct path dh_prev = dh z
/// ```
/// The same bits on every ``KernelPath``.
public enum GRUCellKernels {
    /// `gates` (`[B, 3H]`) holds `W_ih u` and receives `r, z, n`; `hiddenSide` (`[B, 3H]`) is `W_hh h`;
    /// writes `hn` and `hNext` (`[B, H]`).
    @inline(__always)
    public static func forward(
        batch B: Int, hidden H: Int, gates: UnsafeMutablePointer<Float>, hiddenSide: UnsafePointer<Float>,
        biasIH: UnsafePointer<Float>, biasHH: UnsafePointer<Float>, hPrev: UnsafePointer<Float>,
        hn: UnsafeMutablePointer<Float>, hNext: UnsafeMutablePointer<Float>, path: KernelPath? = nil
    ) {
        ntm_gru_forward(path.map { $0.code } ?? -1, B, H, gates, hiddenSide, biasIH, biasHH, hPrev, hn, hNext)
    }

    /// From `dh` (`[B, H]`): writes the input-side and hidden-side pre-activation gradients (`[B, 3H]`) and
    /// `dhPrevious = dh ∘ z` (`[B, H]`).
    @inline(__always)
    public static func backward(
        batch B: Int, hidden H: Int, gates: UnsafePointer<Float>, hn: UnsafePointer<Float>, hPrev: UnsafePointer<Float>,
        dh: UnsafePointer<Float>, inputSide: UnsafeMutablePointer<Float>, hiddenSide: UnsafeMutablePointer<Float>,
        dhPrevious: UnsafeMutablePointer<Float>, path: KernelPath? = nil
    ) {
        ntm_gru_backward(path.map { $0.code } ?? -1, B, H, gates, hn, hPrev, dh, inputSide, hiddenSide, dhPrevious)
    }
}
