// Checkpoints in the spec's safetensors format: writing a model's parameters, and loading them
// back after checking every name, shape and value against the model the file claims to be.
import NTMCore

public enum Checkpoint {
    public static let format = "ntm-kit/1"

    /// The checkpoint file of a model: every parameter under its spec name, with `format`, `model`
    /// and `config` metadata (plus `extra`).
    public static func file(of model: any SequenceModel, extra: [String: String] = [:]) -> SafeTensorsFile {
        var metadata = extra
        metadata["format"] = format
        metadata["model"] = model.kind
        metadata["config"] = model.configJSON.serialized(sortedKeys: true)
        return SafeTensorsFile(
            metadata: metadata,
            tensors: model.parameters.map { SafeTensor(name: $0.name, shape: $0.shape, values: $0.value.array) })
    }

    public static func write(_ model: any SequenceModel, to path: String, extra: [String: String] = [:]) throws(NTMError) {
        try file(of: model, extra: extra).write(path: path)
    }

    /// Reads the model configuration a checkpoint declares.
    public static func config(of file: SafeTensorsFile, source: String) throws(NTMError) -> ModelConfig {
        guard let f = file.metadata["format"] else {
            throw .runtime("\(source): no 'format' in the metadata (not an ntm-kit checkpoint; expected \"\(format)\")")
        }
        guard f == format else { throw .runtime("\(source): format '\(f)' is not supported (expected \"\(format)\")") }
        guard let kind = file.metadata["model"] else { throw .runtime("\(source): no 'model' in the metadata") }
        guard let configText = file.metadata["config"] else { throw .runtime("\(source): no 'config' in the metadata") }
        let json: JSONValue
        do { json = try JSONValue.parse(configText) } catch {
            throw .runtime("\(source): the 'config' metadata is not valid JSON (\(error.message))")
        }
        return try ModelConfig.from(kind: kind, config: json, source: source)
    }

    /// Copies a checkpoint's tensors into `model`, which must have exactly the same parameter names and
    /// shapes; refuses non-finite values. Nothing is copied unless everything checks out.
    public static func load(_ file: SafeTensorsFile, into model: any SequenceModel, source: String) throws(NTMError) {
        let params = model.parameters
        let expected = Set(params.map(\.name))
        for t in file.tensors where !expected.contains(t.name) {
            throw .runtime("\(source): unexpected tensor '\(t.name)' for a \(model.kind) model")
        }
        for p in params {
            guard let t = file[p.name] else { throw .runtime("\(source): missing tensor '\(p.name)'") }
            guard t.shape == p.shape else {
                throw .runtime("\(source): tensor '\(p.name)' has shape \(t.shape), the model needs \(p.shape)")
            }
            if let bad = t.values.firstIndex(where: { !$0.isFinite }) {
                throw .runtime("\(source): tensor '\(p.name)' holds a non-finite value at index \(bad)")
            }
        }
        for p in params { p.value.copy(from: file[p.name]!.values) }
    }

    /// Reads a checkpoint file and builds the model it describes. When `expectedKind` is given and
    /// differs, the error says what the file holds.
    public static func loadModel(path: String, expectedKind: ModelKind? = nil) throws(NTMError) -> (any SequenceModel, ModelConfig) {
        let file = try SafeTensorsFile.read(path: path)
        let config = try Checkpoint.config(of: file, source: path)
        if let expectedKind, expectedKind != config.kind {
            throw .runtime("\(path): checkpoint is a \(config.summary); --model \(expectedKind.rawValue) was given")
        }
        // A hostile 'config' must not make the kit allocate a model far larger than the file claiming to hold it.
        let stored = file.tensors.reduce(0) { $0 + $1.values.count }
        let needed = config.parameterCount
        guard needed <= 2 * stored + 1_000_000 else {
            throw .runtime("\(path): the 'config' metadata describes a model of \(needed) values but the file holds \(stored)")
        }
        var rng = RandomSource(seed: 0)
        let model = ModelFactory.make(config, rng: &rng)
        try load(file, into: model, source: path)
        return (model, config)
    }
}
