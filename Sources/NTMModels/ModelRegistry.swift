// The process-wide table of models by name. Every command, preset, checkpoint and report finds a
// model here, so a researcher's model registered at startup is served exactly like the built-ins.
import Foundation
import NTMCore

/// The models this process knows: the built-in `ntm`, `lstm`, `gru` and `rnn`, `ntm-ops` (the NTM written with ops), then every entry given
/// to ``register(_:)``, in that order.
///
/// Register before running anything (at the top of `main.swift`); registration is thread-safe, but a
/// run looks its models up as it goes, so a model registered in the middle of one is a race the kit
/// does not guard against.
public enum ModelRegistry {
    /// Names a model may not take: the top-level keys of a preset, beside which a model's section sits.
    public static let reservedNames: Set<String> = ["about", "task", "seed", "models", "evaluation", "validation",
                                                    "curriculum", "curvepoints", "lengthaxis", "why"]

    /// Appended to "unknown model" errors: a checkpoint or preset of a model of one's own, given to a binary
    /// that does not register it (the stock `ntm-bench`), fails with a reason rather than a bare list.
    public static let unknownModelHint = "a model of one's own is known only to a binary that registers it"

    /// Adds `entry`. A name that is taken (a built-in one included), not of the form `[a-z][a-z0-9_-]*`
    /// (at most 32 characters), or a preset key, and keys that clash with the training keys, `why` or the
    /// widths, are refused with a usage error: registration mistakes are the programmer's, and a thrown
    /// error lets a test or a plug-in loader report them instead of stopping the process.
    public static func register(_ entry: ModelEntry) throws(NTMError) {
        let name = entry.name
        let first = name.unicodeScalars.first
        guard let first, ("a"..."z").contains(first), name.count <= 32,
              name.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" }) else {
            throw .usage("cannot register model '\(name)': a name is 1 to 32 lower-case letters, digits, '-' or '_', "
                         + "starting with a letter")
        }
        guard !reservedNames.contains(name) else {
            throw .usage("cannot register model '\(name)': it is a preset key; choose another name")
        }
        let clashes = entry.keys.filter { ModelEntry.trainingKeys.contains($0) || ["why", "inputWidth", "outputWidth"].contains($0) }
        guard clashes.isEmpty else {
            throw .usage("cannot register model '\(name)': its keys may not include \(clashes.joined(separator: ", ")) "
                         + "(the kit reads training keys, 'why' and the widths itself)")
        }
        guard Set(entry.keys).count == entry.keys.count else {
            throw .usage("cannot register model '\(name)': a key is listed twice in its keys")
        }
        guard entry.defaults.objectMembers != nil else {
            throw .usage("cannot register model '\(name)': its defaults must be a JSON object (a preset section)")
        }
        try storage.add(entry)
    }

    /// The entry of the model named `name`, or nil when no such model is registered.
    public static func entry(named name: String) -> ModelEntry? { storage.entries.first { $0.name == name } }

    /// Every entry, built-ins first, in registration order.
    public static var entries: [ModelEntry] { storage.entries }

    /// Every registered name, in ``entries`` order.
    public static var names: [String] { entries.map(\.name) }

    /// Every registered kind, in ``entries`` order.
    public static var kinds: [ModelKind] { entries.map(\.kind) }

    static func isRegistered(_ name: String) -> Bool { storage.entries.contains { $0.name == name } }

    /// The entry of `kind`; a kind that is not registered here is a programmer's error (kinds in presets,
    /// flags and checkpoints are checked against the registry when they are read).
    static func entry(_ kind: ModelKind) -> ModelEntry {
        guard let e = entry(named: kind.rawValue) else {
            preconditionFailure("model '\(kind.rawValue)' is not registered (known: \(ModelKind.names))")
        }
        return e
    }

    /// The built-ins, then `ntm-ops`, registered through the public ``ModelEntry`` path a user takes.
    private static let storage = Storage(BuiltInModels.entries + [ModelEntry.ntmWithOps])

    /// The entries behind a lock: registration may come from any thread.
    private final class Storage: @unchecked Sendable {
        private let lock = NSLock()
        private var list: [ModelEntry]

        init(_ initial: [ModelEntry]) { list = initial }

        var entries: [ModelEntry] {
            lock.lock()
            defer { lock.unlock() }
            return list
        }

        func add(_ entry: ModelEntry) throws(NTMError) {
            lock.lock()
            defer { lock.unlock() }
            guard !list.contains(where: { $0.name == entry.name }) else {
                let what = entry.kind.isBuiltIn ? "a built-in model" : "already registered"
                throw .usage("cannot register model '\(entry.name)': the name is \(what); choose another name")
            }
            list.append(entry)
        }
    }
}
