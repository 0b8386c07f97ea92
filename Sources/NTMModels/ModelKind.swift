// The name of a model: one of the built-in ones or one registered in `ModelRegistry`. A struct rather
// than an enum so that a researcher's own model, registered at run time, is a kind like the others.

/// A model kind, by the name checkpoints, presets, reports and the command line use (`ntm`, `lstm`,
/// `gru`, `rnn`, or a registered model's name).
///
/// `init?(rawValue:)` accepts only names known to ``ModelRegistry`` (so unknown names in presets and
/// flags fail as they did when this was an enum); `init(name:)` makes a kind from any name, for code
/// that refers to a model before or without registering it.
public struct ModelKind: RawRepresentable, Hashable, Comparable, Sendable, CaseIterable, Codable,
    CustomStringConvertible {
    public let rawValue: String

    /// The kind named `rawValue` if a model of that name is registered (the built-ins always are).
    public init?(rawValue: String) {
        guard ModelRegistry.isRegistered(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    /// A kind of any name, registered or not.
    public init(name: String) { rawValue = name }

    public static let ntm = ModelKind(name: "ntm")
    public static let lstm = ModelKind(name: "lstm")
    public static let gru = ModelKind(name: "gru")
    public static let rnn = ModelKind(name: "rnn")

    /// The kit's own models, in the order reports and presets list them.
    public static let builtIn: [ModelKind] = [.ntm, .lstm, .gru, .rnn]

    /// Every registered kind: the built-ins, then registered models in registration order. Computed on
    /// each call, since models can be registered at any time.
    public static var allCases: [ModelKind] { ModelRegistry.kinds }

    /// `ntm, lstm, gru, rnn` and every registered name: for error messages.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// Whether this is one of the kit's own models, whose behaviour the spec fixes.
    public var isBuiltIn: Bool { Self.builtIn.contains(self) }

    /// Gate blocks of each recurrent layer: 4 for the LSTM (and the NTM's LSTM controller), 3 for the
    /// GRU, 1 for the plain RNN; 0 for registered models, whose structure the kit does not know.
    public var gates: Int {
        switch self {
        case .ntm, .lstm: return 4
        case .gru: return 3
        case .rnn: return 1
        default: return 0
        }
    }

    public static func < (a: ModelKind, b: ModelKind) -> Bool { a.rawValue < b.rawValue }

    public var description: String { rawValue }

    /// Encoded as its name; decoding accepts any name (whether it is registered is checked where the
    /// kind is used, with an error naming the known models).
    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}
