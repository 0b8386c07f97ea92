// Which controller drives a memory: the LSTM of the kit's NTM (the default) or the feedforward
// network the NTM paper used for priority sort (Graves et al. 2014, § 4.5).

/// The controller of a ``ControlledMemory`` (and of the `ntm`, `ntm-ops` and memory models, key
/// `controller` in presets and checkpoint configs, written only when it is not `lstm`).
///
/// - `lstm`: `h_t = LSTM(concat(x_t, r_{t-1}))`, a stack of LSTM layers with learned `h0`, `c0` (``LSTMLayers``).
/// - `feedforward`: `h_t = tanh(W_L … tanh(W_1 concat(x_t, r_{t-1}) + b_1) … + b_L)`, with no state of its
///   own: the only recurrence is through the memory and the read vectors (``FeedforwardLayers``).
public enum ControllerKind: String, Sendable, CaseIterable {
    case lstm
    case feedforward

    /// `lstm, feedforward`: for error messages and help.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
