// The configuration of a model, its JSON form in checkpoints (`config` metadata), and the factory
// that builds and initialises it: the built-in models here, registered ones through their entries.
import NTMCore
import NTMAutodiff
import NTMLayers
import NTMMemory

/// Everything needed to build a model. The built-in models keep their sizes in the fields below
/// (baselines use `controllerSize` as their hidden size); a registered model keeps its canonical
/// configuration in ``settings`` and leaves the size fields at zero.
public struct ModelConfig: Sendable, Equatable {
    public var kind: ModelKind
    public var inputWidth: Int
    public var outputWidth: Int
    /// A registered model's canonical configuration (see ``ModelEntry``): its own keys and the widths, sorted;
    /// nil for the built-in models. Made by ``decode(kind:section:inputWidth:outputWidth:)`` or read from a
    /// checkpoint, so that it has passed the entry's validation.
    public private(set) var settings: JSONValue?
    /// The NTM's controller size, or the baselines' hidden size.
    public var controllerSize: Int
    public var layers: Int
    public var memoryRows: Int
    public var memoryWidth: Int
    public var readHeads: Int
    public var writeHeads: Int
    public var shiftRange: Int
    public var memoryInit: MemoryInit
    /// How the NTM's initial weightings start training; not part of the spec's `config` unless `first-row`.
    public var weightingInit: WeightingInit
    public var clipValue: Float
    /// The NTM's controller: `lstm` (the fused NTM) or `feedforward` (the NTM written with ops behind tanh
    /// layers); not part of the spec's `config` unless `feedforward`.
    public var controller: ControllerKind

    public init(kind: ModelKind, inputWidth: Int, outputWidth: Int, controllerSize: Int, layers: Int,
                memoryRows: Int = 128, memoryWidth: Int = 20, readHeads: Int = 1, writeHeads: Int = 1,
                shiftRange: Int = 1, memoryInit: MemoryInit = .constant, weightingInit: WeightingInit = .uniform,
                clipValue: Float = 20, controller: ControllerKind = .lstm) {
        self.kind = kind
        self.inputWidth = inputWidth
        self.outputWidth = outputWidth
        self.controllerSize = controllerSize
        self.layers = layers
        self.memoryRows = memoryRows
        self.memoryWidth = memoryWidth
        self.readHeads = readHeads
        self.writeHeads = writeHeads
        self.shiftRange = shiftRange
        self.memoryInit = memoryInit
        self.weightingInit = weightingInit
        self.clipValue = clipValue
        self.controller = controller
        settings = nil
    }

    /// A registered model's configuration from its canonical form (the widths are read from it).
    init(kind: ModelKind, settings: JSONValue) {
        self.init(kind: kind, inputWidth: settings["inputWidth"]?.intValue ?? 0,
                  outputWidth: settings["outputWidth"]?.intValue ?? 0, controllerSize: 0, layers: 0)
        self.settings = settings
    }

    /// Decodes a preset section of `kind` (only the model's own keys; presets refuse the others first) for a
    /// task of the given widths, through the model's registry entry; errors name `section.path`.
    public static func decode(kind: ModelKind, section: StrictObject, inputWidth: Int, outputWidth: Int) throws(NTMError) -> ModelConfig {
        guard let entry = ModelRegistry.entry(named: kind.rawValue) else {
            throw .usage("\(section.path): unknown model '\(kind.rawValue)' (expected one of: \(ModelKind.names))")
        }
        return try entry.decodeSection(section, inputWidth, outputWidth)
    }

    /// A model's configuration from its own keys given in code (as in a preset section, without the training
    /// keys), for a task of the given widths: what a library user builds a registered model from,
    /// `ModelFactory.make(try ModelConfig.decode(kind: mine, settings: .object([...]), inputWidth: 9, outputWidth: 8), rng: &rng)`.
    /// Keys the model does not have are refused, as in presets.
    public static func decode(kind: ModelKind, settings: JSONValue, inputWidth: Int, outputWidth: Int) throws(NTMError) -> ModelConfig {
        guard let entry = ModelRegistry.entry(named: kind.rawValue) else {
            throw .usage("unknown model '\(kind.rawValue)' (expected one of: \(ModelKind.names))")
        }
        let section = try StrictObject(settings, path: kind.rawValue)
        try section.requireKnownKeys(entry.keys)
        return try entry.decodeSection(section, inputWidth, outputWidth)
    }

    /// The same configuration for a task of other widths: a built-in model's widths are replaced and checked,
    /// a registered model's section is decoded again (its entry may check sizes against the widths).
    public func resized(inputWidth: Int, outputWidth: Int) throws(NTMError) -> ModelConfig {
        guard !kind.isBuiltIn else {
            var c = self
            c.inputWidth = inputWidth
            c.outputWidth = outputWidth
            try c.validate()
            return c
        }
        let entry = try registeredEntry()
        if inputWidth == self.inputWidth && outputWidth == self.outputWidth && settings != nil { return self }
        let section = try StrictObject(.object(entry.section(self)), path: kind.rawValue)
        return try entry.decodeSection(section, inputWidth, outputWidth)
    }

    /// The registry entry of a registered model whose configuration was decoded by it.
    func registeredEntry() throws(NTMError) -> ModelEntry {
        guard let entry = ModelRegistry.entry(named: kind.rawValue) else {
            throw .usage("unknown model '\(kind.rawValue)' (expected one of: \(ModelKind.names))")
        }
        guard settings != nil else {
            throw .usage("\(kind.rawValue): a registered model's configuration must come from ModelConfig.decode or a checkpoint")
        }
        return entry
    }

    /// The model's own keys as a preset section (and a run's `config.json`) writes them: without the widths,
    /// which come from the task, and without the training keys.
    public var presetSection: [JSONMember] { ModelRegistry.entry(kind).section(self) }

    /// A registered model's value of `key` in ``settings`` (nil for built-in models and absent keys).
    public subscript(key: String) -> JSONValue? { settings?[key] }

    /// A registered model's integer setting, which its entry's `decode` wrote (absent: a programmer's error).
    public func int(_ key: String) -> Int {
        guard let v = self[key]?.intValue else { preconditionFailure("\(kind.rawValue) config has no integer '\(key)'") }
        return v
    }

    /// A registered model's numeric setting, which its entry's `decode` wrote.
    public func double(_ key: String) -> Double {
        guard let v = self[key]?.doubleValue else { preconditionFailure("\(kind.rawValue) config has no number '\(key)'") }
        return v
    }

    /// A registered model's string setting, which its entry's `decode` wrote.
    public func string(_ key: String) -> String {
        guard let v = self[key]?.stringValue else { preconditionFailure("\(kind.rawValue) config has no string '\(key)'") }
        return v
    }

    /// A registered model's boolean setting, which its entry's `decode` wrote.
    public func bool(_ key: String) -> Bool {
        guard let v = self[key]?.boolValue else { preconditionFailure("\(kind.rawValue) config has no boolean '\(key)'") }
        return v
    }

    /// Limits that keep a model buildable on a workstation; `validate()` names the offending field.
    public static let maxWidth = 1 << 16

    /// Checks every size against its allowed range; throws a usage error naming the first bad field.
    public func validate() throws(NTMError) {
        guard kind.isBuiltIn else {
            // A registered model's entry validated it when decoding; the widths must still be those decoded.
            _ = try registeredEntry()
            guard inputWidth == settings?["inputWidth"]?.intValue, outputWidth == settings?["outputWidth"]?.intValue else {
                throw .usage("\(kind.rawValue): the widths \(inputWidth) and \(outputWidth) differ from its configuration's; use resized(inputWidth:outputWidth:)")
            }
            return
        }
        func check(_ name: String, _ v: Int, _ range: ClosedRange<Int>) throws(NTMError) {
            guard range.contains(v) else {
                throw .usage("\(name) must be in \(range.lowerBound)...\(range.upperBound), got \(v)")
            }
        }
        try check("inputWidth", inputWidth, 1...Self.maxWidth)
        try check("outputWidth", outputWidth, 1...Self.maxWidth)
        try check(kind == .ntm ? "controller size" : "hidden size", controllerSize, 1...8192)
        try check("layers", layers, 1...16)
        if kind == .ntm {
            try check("memory rows", memoryRows, 1...65536)
            try check("memory width", memoryWidth, 1...4096)
            try check("read heads", readHeads, 0...16)
            try check("write heads", writeHeads, 0...16)
            try check("shift range", shiftRange, 0...max(0, (memoryRows - 1) / 2))
            guard clipValue.isFinite && clipValue > 0 else { throw .usage("clipValue must be a positive number, got \(clipValue)") }
        }
    }

    /// The `config` object of checkpoints, with the keys of the spec's golden files. `weightingInit` and
    /// `controller` (keys the spec allows adding) are written only when they are not `uniform` and `lstm`,
    /// so checkpoints of the defaults are byte for byte those written before the options existed.
    public var json: JSONValue {
        switch kind {
        case .lstm, .gru, .rnn:
            return .object([
                .init(key: "hiddenSize", value: .number(Double(controllerSize))),
                .init(key: "inputWidth", value: .number(Double(inputWidth))),
                .init(key: "layers", value: .number(Double(layers))),
                .init(key: "outputWidth", value: .number(Double(outputWidth))),
            ])
        case .ntm:
            var members: [JSONMember] = [
                .init(key: "clipValue", value: .number(Double(clipValue))),
            ]
            if controller != .lstm {
                members.append(.init(key: "controller", value: .string(controller.rawValue)))
            }
            members += [
                .init(key: "controllerSize", value: .number(Double(controllerSize))),
                .init(key: "inputWidth", value: .number(Double(inputWidth))),
                .init(key: "layers", value: .number(Double(layers))),
                .init(key: "memoryInit", value: .string(memoryInit.rawValue)),
                .init(key: "memoryRows", value: .number(Double(memoryRows))),
                .init(key: "memoryWidth", value: .number(Double(memoryWidth))),
                .init(key: "outputWidth", value: .number(Double(outputWidth))),
                .init(key: "readHeads", value: .number(Double(readHeads))),
                .init(key: "shiftRange", value: .number(Double(shiftRange))),
            ]
            if weightingInit != .uniform {
                members.append(.init(key: "weightingInit", value: .string(weightingInit.rawValue)))
            }
            members.append(.init(key: "writeHeads", value: .number(Double(writeHeads))))
            return .object(members)
        default:
            guard let settings else { preconditionFailure("\(kind.rawValue): a registered model's configuration has no settings") }
            return settings
        }
    }

    /// Reads a checkpoint's `model` and `config`; `source` names the file in errors.
    public static func from(kind kindName: String, config: JSONValue, source: String) throws(NTMError) -> ModelConfig {
        guard let entry = ModelRegistry.entry(named: kindName) else {
            throw .runtime("\(source): unknown model '\(kindName)' (expected one of: \(ModelKind.names); \(ModelRegistry.unknownModelHint))")
        }
        guard config.objectMembers != nil else { throw .runtime("\(source): config is not a JSON object") }
        return try entry.decodeCheckpoint(config, source)
    }

    /// A one-line description, e.g. "ntm with a 1 x 100 controller, memory 128 x 20, 1 read / 1 write head".
    public var summary: String {
        switch kind {
        case .ntm:
            let controllerName = controller == .lstm ? "LSTM" : "feedforward"
            return "ntm with a \(layers) x \(controllerSize) \(controllerName) controller, memory \(memoryRows) x \(memoryWidth), "
                + "\(readHeads) read / \(writeHeads) write head\(writeHeads == 1 ? "" : "s"), shift range \(shiftRange), "
                + "\(memoryInit.rawValue) memory init" + (weightingInit == .uniform ? "" : ", \(weightingInit.rawValue) initial weightings")
        case .lstm, .gru, .rnn:
            return "\(kind.rawValue) with \(layers) layer\(layers == 1 ? "" : "s") of \(controllerSize)"
        default:
            return ModelRegistry.entry(kind).summarize(self)
        }
    }

    /// Number of scalars of every parameter of the model: for the built-ins from the sizes alone (no
    /// allocation); for a registered model as its entry counts them.
    public var parameterCount: Int {
        guard kind.isBuiltIn else { return ModelRegistry.entry(kind).countParameters(self) }
        let H = controllerSize, L = layers, gates = kind.gates
        let input = inputWidth + (kind == .ntm ? readHeads * memoryWidth : 0)
        let feedforward = kind == .ntm && controller == .feedforward
        // LSTM: gate weights and both biases per layer (plus h0, c0 below); feedforward: W_l and b_l.
        var n = feedforward ? H * (input + 1) + (L - 1) * H * (H + 1)
            : gates * H * (input + H + 2) + (L - 1) * gates * H * (2 * H + 2)
        switch kind {
        case .ntm:
            let R = readHeads, W = writeHeads, M = memoryWidth, N = memoryRows, S = shiftRange
            n += (feedforward ? 0 : 2 * L * H) + R * ((M + 2 * S + 4) * (H + 1) + M + N) + W * ((3 * M + 2 * S + 4) * (H + 1) + N) + N * M
            n += outputWidth * (H + R * M + 1)
        default:
            n += (kind == .lstm ? 2 : 1) * L * H + outputWidth * (H + 1)
        }
        return n
    }

    /// Multiply-adds of one forward time step of one sequence, counting the matrix products and the
    /// memory operations (similarity, reads, writes); a training step does about three times this. A
    /// registered model counts as its entry says (by default one per parameter, as in dense layers).
    public var forwardMultiplyAdds: Double {
        guard kind.isBuiltIn else { return ModelRegistry.entry(kind).multiplyAdds(self) }
        let H = Double(controllerSize), L = Double(layers), X = Double(inputWidth), Y = Double(outputWidth)
        guard kind == .ntm else {
            let g = Double(kind.gates)
            return g * H * (X + H) + (L - 1) * g * H * (2 * H) + Y * H
        }
        let R = Double(readHeads), W = Double(writeHeads), N = Double(memoryRows), M = Double(memoryWidth)
        let S = Double(shiftRange)
        // The controller: LSTM gates over input and h, or one product per feedforward layer.
        var n = controller == .feedforward ? H * (X + R * M) + (L - 1) * H * H
            : 4 * H * (X + R * M + H) + (L - 1) * 4 * H * (2 * H)
        n += R * (M + 2 * S + 4) * H + W * (3 * M + 2 * S + 4) * H + Y * (H + R * M)
        n += (R + W) * (2 * N * M + N * (2 * S + 1) + 4 * N)  // similarity and addressing
        n += R * N * M + W * 2 * N * M  // reads, erase and add
        return n
    }

    /// The memory part of an NTM configuration.
    public var memoryConfig: NTMMemoryConfig {
        NTMMemoryConfig(controllerSize: controllerSize, memoryRows: memoryRows, memoryWidth: memoryWidth,
                        readHeads: readHeads, writeHeads: writeHeads, shiftRange: shiftRange,
                        memoryInit: memoryInit, weightingInit: weightingInit, clipValue: clipValue)
    }

    /// Number of scalars the model's caches need per sequence step, for memory estimates.
    public func cacheFloatsPerStep(batch: Int) -> Int {
        guard kind.isBuiltIn else { return ModelRegistry.entry(kind).cacheFloats(self, batch) }
        // The feedforward NTM runs on the executor: what it keeps, counted from its recorded program.
        if kind == .ntm && controller == .feedforward {
            return RecurrentProgram(GraphModel.ntmOpsDefinition(self)).floatsPerStep(batch: batch)
        }
        let H = controllerSize
        var perSequence = layers * 12 * H + inputWidth + outputWidth * 2
        if kind == .ntm {
            let heads = readHeads + writeHeads
            perSequence += memoryRows * memoryWidth * max(1, writeHeads) + heads * (6 * memoryRows + 6 * memoryWidth + 16)
                + 2 * readHeads * memoryWidth
        }
        return perSequence * batch
    }
}

/// Builds models from configurations.
public enum ModelFactory {
    /// Builds the model `config` describes, with weights drawn from `rng` (see README § "Initialisation");
    /// a registered model through its entry's `make`.
    public static func make(_ config: ModelConfig, rng: inout RandomSource) -> any SequenceModel {
        switch config.kind {
        case .ntm where config.controller == .feedforward:
            // No fused feedforward NTM: the NTM written with ops, behind tanh layers, as the model "ntm".
            return GraphModel.ntmWithOps(config, kind: "ntm", configJSON: config.json, rng: &rng)
        case .ntm:
            let memory = NTMMemoryAccess(config: config.memoryConfig)
            let controller = LSTMStack(inputSize: config.inputWidth + memory.readSize,
                                       hiddenSize: config.controllerSize, layers: config.layers, prefix: "controller")
            let model = MemoryAugmentedModel(
                kind: "ntm", controller: controller, memory: memory, inputWidth: config.inputWidth,
                outputWidth: config.outputWidth, clipValue: config.clipValue, configJSON: config.json)
            controller.initialize(rng: &rng)
            memory.initialize(rng: &rng)
            Initializer.glorotUniform(model.output.weight, fanIn: model.output.inputSize,
                                      fanOut: model.output.outputSize, rng: &rng)
            model.output.bias.value.zero()
            return model
        case .lstm:
            let cell = LSTMStack(inputSize: config.inputWidth, hiddenSize: config.controllerSize,
                                 layers: config.layers, prefix: "lstm")
            cell.initialize(rng: &rng)
            let model = RecurrentBaseline(kind: "lstm", cell: cell, outputWidth: config.outputWidth, configJSON: config.json)
            Initializer.pyTorchUniform(model.output.weight, fanIn: config.controllerSize, rng: &rng)
            Initializer.pyTorchUniform(model.output.bias, fanIn: config.controllerSize, rng: &rng)
            return model
        case .gru:
            let cell = GRUStack(inputSize: config.inputWidth, hiddenSize: config.controllerSize,
                                layers: config.layers, prefix: "gru")
            cell.initialize(rng: &rng)
            let model = RecurrentBaseline(kind: "gru", cell: cell, outputWidth: config.outputWidth, configJSON: config.json)
            Initializer.pyTorchUniform(model.output.weight, fanIn: config.controllerSize, rng: &rng)
            Initializer.pyTorchUniform(model.output.bias, fanIn: config.controllerSize, rng: &rng)
            return model
        case .rnn:
            let cell = RNNStack(inputSize: config.inputWidth, hiddenSize: config.controllerSize,
                                layers: config.layers, prefix: "rnn")
            cell.initialize(rng: &rng)
            let model = RecurrentBaseline(kind: "rnn", cell: cell, outputWidth: config.outputWidth, configJSON: config.json)
            Initializer.pyTorchUniform(model.output.weight, fanIn: config.controllerSize, rng: &rng)
            Initializer.pyTorchUniform(model.output.bias, fanIn: config.controllerSize, rng: &rng)
            return model
        default:
            return ModelRegistry.entry(config.kind).build(config, &rng)
        }
    }
}
