// What a researcher hands to `ModelRegistry` to make their own `SequenceModel` a model of the kit:
// its name, how its configuration is read from presets and checkpoints, and how it is built. The
// built-in models are entries of the same kind (`BuiltInModels`), so every command treats all alike.
import NTMCore

/// A model the kit can build by name: decoded from a preset section or a checkpoint's `config`,
/// built with seeded weights, summarised in reports and sized for the memory check.
///
/// A registered model's configuration has one canonical form, a JSON object with sorted keys: the
/// model's own keys as `decode` returns them, plus `inputWidth` and `outputWidth`. It is what the
/// model's checkpoints hold in `config` and what a run's `config.json` holds in the model's section
/// (without the widths, which come from the task), so a run can be made again from its report.
/// `decode` must therefore accept its own output: given the canonical keys, it returns them unchanged.
public struct ModelEntry: Sendable {
    /// The model's name in presets, `--models`, checkpoints (`model`), file names and random streams
    /// (`init/<name>`).
    public let kind: ModelKind
    public var name: String { kind.rawValue }
    /// The model's own keys in a preset section and a checkpoint's `config` (besides `inputWidth` and
    /// `outputWidth`). Other keys are refused with the nearest of these (or of the training keys) suggested.
    public let keys: [String]
    /// The preset section used when a preset or the command line names the model but the preset has no
    /// section for it: model keys (absent ones take `decode`'s defaults) and the training keys
    /// ``trainingKeys``. The built-in models have none (an empty object): without a section they take the
    /// one of the task's built-in preset (`tasks/<task>.json`), which configures every built-in model.
    public let defaults: JSONValue

    let decodeSection: @Sendable (StrictObject, Int, Int) throws(NTMError) -> ModelConfig
    let decodeCheckpoint: @Sendable (JSONValue, String) throws(NTMError) -> ModelConfig
    let section: @Sendable (ModelConfig) -> [JSONMember]
    let build: @Sendable (ModelConfig, inout RandomSource) -> any SequenceModel
    let summarize: @Sendable (ModelConfig) -> String
    let countParameters: @Sendable (ModelConfig) -> Int
    let cacheFloats: @Sendable (ModelConfig, Int) -> Int
    let multiplyAdds: @Sendable (ModelConfig) -> Double

    /// The keys of a preset section that set how a model is trained rather than what it is; the kit
    /// reads them for every model, so an entry's `keys` may not use them (nor `why`).
    public static let trainingKeys = ["sequences", "batch", "optimizer", "clipNorm", "clipGradValue", "shards"]

    /// The default ``defaults``: the training of the built-in presets' baselines (copy: 20,000 sequences
    /// in batches of 16 run as two shards, Adam at 1e-3, gradient norm clipped at 10) and every model
    /// key at `decode`'s default.
    public static let standardDefaults: JSONValue = .object([
        .init(key: "sequences", value: .number(20_000)),
        .init(key: "batch", value: .number(16)),
        .init(key: "optimizer", value: .object([
            .init(key: "name", value: .string("adam")), .init(key: "learningRate", value: .number(1e-3)),
        ])),
        .init(key: "clipNorm", value: .number(10)),
        .init(key: "shards", value: .number(2)),
    ])

    /// A researcher's model.
    ///
    /// - Parameters:
    ///   - name: lower-case letters, digits, `-` and `_`, starting with a letter (it names files and a
    ///     preset section).
    ///   - keys: the model's own configuration keys.
    ///   - defaults: the preset section used when there is none (see ``defaults``).
    ///   - decode: reads and validates the model's keys from `section` (only `keys` are in it; the kit
    ///     has refused others) for a task of the given input and output widths, and returns them as a
    ///     JSON object, every key present with its value (defaults filled in). Throw with
    ///     `section.int(...)` and the other `StrictObject` readers, or `NTMError.usage("\(section.path): ...")`,
    ///     so that every error is one line naming the key (another error is shown after the section's
    ///     path); from a checkpoint they become runtime errors.
    ///   - make: builds the model from its configuration (``ModelConfig/json`` is the canonical object;
    ///     ``ModelConfig/int(_:)`` and friends read it) with initial weights drawn from `rng`. The model's
    ///     `kind` must be `name` and its `configJSON` the configuration's `json`.
    ///   - summary: one line for reports (default: the name and every key with its value).
    ///   - parameterCount: scalars of every parameter, for the memory check and for refusing checkpoints
    ///     whose `config` claims a model far larger than the file (default: build the model once and count,
    ///     which allocates it; give a formula when models can be large).
    ///   - cacheFloatsPerStep: floats the model keeps per time step for a batch, for the memory check
    ///     (default: `batch × (12 √parameters + inputWidth + 2 outputWidth)`, the order of an LSTM's caches).
    ///   - forwardMultiplyAdds: multiply-adds of one forward step of one sequence, for `perf`'s GFLOP/s
    ///     (default: one per parameter, as in dense layers).
    public init(
        name: String,
        keys: [String],
        defaults: JSONValue = ModelEntry.standardDefaults,
        decode: @escaping @Sendable (_ section: StrictObject, _ inputWidth: Int, _ outputWidth: Int) throws -> JSONValue,
        make: @escaping @Sendable (_ config: ModelConfig, _ rng: inout RandomSource) -> any SequenceModel,
        summary: (@Sendable (_ config: ModelConfig) -> String)? = nil,
        parameterCount: (@Sendable (_ config: ModelConfig) -> Int)? = nil,
        cacheFloatsPerStep: (@Sendable (_ config: ModelConfig, _ batch: Int) -> Int)? = nil,
        forwardMultiplyAdds: (@Sendable (_ config: ModelConfig) -> Double)? = nil
    ) {
        let kind = ModelKind(name: name)
        let keys = keys
        self.kind = kind
        self.keys = keys
        self.defaults = defaults
        /// Decodes, adds the widths and sorts: the canonical form. Checks that `decode` keeps to its keys and
        /// gives its own output back, since resuming compares configurations as text.
        @Sendable func canonical(_ section: StrictObject, _ inputWidth: Int, _ outputWidth: Int) throws(NTMError) -> ModelConfig {
            func decoded(_ s: StrictObject) throws(NTMError) -> [JSONMember] {
                let value: JSONValue
                do {
                    value = try decode(s, inputWidth, outputWidth)
                } catch let error as NTMError {
                    throw error
                } catch {
                    // Any other error a researcher's decode throws still becomes one line naming the section.
                    throw .usage("\(s.path): \(String(describing: error).split(separator: "\n").joined(separator: " "))")
                }
                guard let members = value.objectMembers else {
                    preconditionFailure("ModelEntry '\(name)': decode must return a JSON object, not \(value.serialized())")
                }
                for m in members {
                    precondition(keys.contains(m.key), "ModelEntry '\(name)': decode returned '\(m.key)', which is not among its keys \(keys)")
                }
                precondition(Set(members.map(\.key)).count == members.count, "ModelEntry '\(name)': decode returned a key twice")
                return members.sorted { $0.key < $1.key }
            }
            let members = try decoded(section)
            let again = try? decoded(StrictObject(.object(members), path: section.path))
            precondition(again.map { JSONValue.object($0) == JSONValue.object(members) } ?? false,
                         "ModelEntry '\(name)': decode of its own output \(JSONValue.object(members).serialized()) does not give it back")
            let all = members + [.init(key: "inputWidth", value: .number(Double(inputWidth))),
                                 .init(key: "outputWidth", value: .number(Double(outputWidth)))]
            return ModelConfig(kind: kind, settings: .object(all.sorted { $0.key < $1.key }))
        }
        decodeSection = canonical
        decodeCheckpoint = { (config: JSONValue, source: String) throws(NTMError) -> ModelConfig in
            func read() throws(NTMError) -> ModelConfig {
                let path = "\(source): config"
                let object = try StrictObject(config, path: path)
                try object.requireKnownKeys(keys + ["inputWidth", "outputWidth"])
                let input = try object.int("inputWidth", in: 1...ModelConfig.maxWidth)
                let output = try object.int("outputWidth", in: 1...ModelConfig.maxWidth)
                let own = try StrictObject(.object(object.members.filter { keys.contains($0.key) }), path: path)
                return try canonical(own, input, output)
            }
            // A damaged or foreign file, not a mistake in what the user typed.
            do throws(NTMError) { return try read() } catch { throw .runtime(error.message) }
        }
        section = { config in (config.json.objectMembers ?? []).filter { keys.contains($0.key) } }
        build = { config, rng in
            let model = make(config, &rng)
            precondition(model.kind == name, "ModelEntry '\(name)': make built a model of kind '\(model.kind)'")
            precondition(model.configJSON.serialized(sortedKeys: true) == config.json.serialized(sortedKeys: true),
                         "ModelEntry '\(name)': the model's configJSON differs from the config it was built from; return config.json")
            return model
        }
        summarize = summary ?? { config in
            let own = (config.json.objectMembers ?? []).filter { keys.contains($0.key) }
            return own.isEmpty ? name : "\(name) with " + own.map { "\($0.key) \($0.value.serialized())" }.joined(separator: ", ")
        }
        let count: @Sendable (ModelConfig) -> Int = parameterCount ?? { config in
            var rng = RandomSource(seed: 0)
            return make(config, &rng).parameters.reduce(0) { $0 + $1.count }
        }
        countParameters = count
        cacheFloats = cacheFloatsPerStep ?? { config, batch in
            let root = Int(Double(count(config)).squareRoot().rounded(.up))
            return batch * (12 * root + config.inputWidth + 2 * config.outputWidth)
        }
        multiplyAdds = forwardMultiplyAdds ?? { Double(count($0)) }
    }

    /// An entry whose decoding, section and sizes are given whole: the built-in models, which keep the
    /// forms and error messages they had before the registry.
    init(builtIn kind: ModelKind, keys: [String], defaults: JSONValue,
         decodeSection: @escaping @Sendable (StrictObject, Int, Int) throws(NTMError) -> ModelConfig,
         decodeCheckpoint: @escaping @Sendable (JSONValue, String) throws(NTMError) -> ModelConfig,
         section: @escaping @Sendable (ModelConfig) -> [JSONMember]) {
        self.kind = kind
        self.keys = keys
        self.defaults = defaults
        self.decodeSection = decodeSection
        self.decodeCheckpoint = decodeCheckpoint
        self.section = section
        build = { config, rng in ModelFactory.make(config, rng: &rng) }
        summarize = { $0.summary }
        countParameters = { $0.parameterCount }
        cacheFloats = { $0.cacheFloatsPerStep(batch: $1) }
        multiplyAdds = { $0.forwardMultiplyAdds }
    }
}
