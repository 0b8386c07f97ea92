// The configuration of a built-in model, its JSON form in checkpoints (`config` metadata),
// and the factory that builds and initialises it.
import NTMCore
import NTMLayers
import NTMMemory

/// The built-in model kinds: the NTM and the LSTM, GRU and plain (Elman) RNN baselines.
public enum ModelKind: String, Sendable, CaseIterable, Codable {
    case ntm, lstm, gru, rnn

    /// `ntm, lstm, gru, rnn`: the names, for error messages.
    public static let names = allCases.map(\.rawValue).joined(separator: ", ")

    /// Gate blocks of each recurrent layer: 4 for the LSTM (and the NTM's LSTM controller), 3 for the
    /// GRU, 1 for the plain RNN.
    public var gates: Int {
        switch self {
        case .ntm, .lstm: return 4
        case .gru: return 3
        case .rnn: return 1
        }
    }
}

/// Everything needed to build a built-in model. Baselines use `controllerSize` as their hidden size.
public struct ModelConfig: Sendable, Equatable {
    public var kind: ModelKind
    public var inputWidth: Int
    public var outputWidth: Int
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

    public init(kind: ModelKind, inputWidth: Int, outputWidth: Int, controllerSize: Int, layers: Int,
                memoryRows: Int = 128, memoryWidth: Int = 20, readHeads: Int = 1, writeHeads: Int = 1,
                shiftRange: Int = 1, memoryInit: MemoryInit = .constant, weightingInit: WeightingInit = .uniform,
                clipValue: Float = 20) {
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
    }

    /// Limits that keep a model buildable on a workstation; `validate()` names the offending field.
    public static let maxWidth = 1 << 16

    /// Checks every size against its allowed range; throws a usage error naming the first bad field.
    public func validate() throws(NTMError) {
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

    /// The `config` object of checkpoints, with the keys of the spec's golden files. `weightingInit` (a key
    /// the spec allows adding) is written only when it is not `uniform`, so checkpoints of the default are
    /// byte for byte those written before the option existed.
    public var json: JSONValue {
        switch kind {
        case .ntm:
            var members: [JSONMember] = [
                .init(key: "clipValue", value: .number(Double(clipValue))),
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
        case .lstm, .gru, .rnn:
            return .object([
                .init(key: "hiddenSize", value: .number(Double(controllerSize))),
                .init(key: "inputWidth", value: .number(Double(inputWidth))),
                .init(key: "layers", value: .number(Double(layers))),
                .init(key: "outputWidth", value: .number(Double(outputWidth))),
            ])
        }
    }

    /// Reads a checkpoint's `model` and `config`; `source` names the file in errors.
    public static func from(kind kindName: String, config: JSONValue, source: String) throws(NTMError) -> ModelConfig {
        guard let kind = ModelKind(rawValue: kindName) else {
            throw .runtime("\(source): unknown model '\(kindName)' (expected one of: \(ModelKind.names))")
        }
        guard config.objectMembers != nil else { throw .runtime("\(source): config is not a JSON object") }
        func int(_ key: String) throws(NTMError) -> Int {
            guard let v = config[key] else { throw .runtime("\(source): config has no '\(key)'") }
            guard let i = v.intValue else { throw .runtime("\(source): config '\(key)' is not an integer") }
            return i
        }
        var c: ModelConfig
        switch kind {
        case .ntm:
            guard let initName = config["memoryInit"]?.stringValue, let mi = MemoryInit(rawValue: initName) else {
                throw .runtime("\(source): config 'memoryInit' must be \"constant\", \"learned\" or \"random\"")
            }
            guard let clip = config["clipValue"]?.doubleValue else {
                throw .runtime("\(source): config has no numeric 'clipValue'")
            }
            var weighting = WeightingInit.uniform
            if let value = config["weightingInit"] {
                guard let name = value.stringValue, let w = WeightingInit(rawValue: name) else {
                    throw .runtime("\(source): config 'weightingInit' must be one of \(WeightingInit.names)")
                }
                weighting = w
            }
            c = ModelConfig(kind: .ntm, inputWidth: try int("inputWidth"), outputWidth: try int("outputWidth"),
                            controllerSize: try int("controllerSize"), layers: try int("layers"),
                            memoryRows: try int("memoryRows"), memoryWidth: try int("memoryWidth"),
                            readHeads: try int("readHeads"), writeHeads: try int("writeHeads"),
                            shiftRange: try int("shiftRange"), memoryInit: mi, weightingInit: weighting,
                            clipValue: Float(clip))
        case .lstm, .gru, .rnn:
            c = ModelConfig(kind: kind, inputWidth: try int("inputWidth"), outputWidth: try int("outputWidth"),
                            controllerSize: try int("hiddenSize"), layers: try int("layers"))
        }
        do { try c.validate() } catch { throw .runtime("\(source): \(error.message)") }
        return c
    }

    /// A one-line description, e.g. "ntm with a 1 x 100 controller, memory 128 x 20, 1 read / 1 write head".
    public var summary: String {
        switch kind {
        case .ntm:
            return "ntm with a \(layers) x \(controllerSize) LSTM controller, memory \(memoryRows) x \(memoryWidth), "
                + "\(readHeads) read / \(writeHeads) write head\(writeHeads == 1 ? "" : "s"), shift range \(shiftRange), "
                + "\(memoryInit.rawValue) memory init" + (weightingInit == .uniform ? "" : ", \(weightingInit.rawValue) initial weightings")
        case .lstm, .gru, .rnn:
            return "\(kind.rawValue) with \(layers) layer\(layers == 1 ? "" : "s") of \(controllerSize)"
        }
    }

    /// Number of scalars of every parameter of the model, from the sizes alone (no allocation).
    public var parameterCount: Int {
        let H = controllerSize, L = layers, gates = kind.gates
        let input = inputWidth + (kind == .ntm ? readHeads * memoryWidth : 0)
        var n = gates * H * (input + H + 2) + (L - 1) * gates * H * (2 * H + 2)
        switch kind {
        case .ntm:
            let R = readHeads, W = writeHeads, M = memoryWidth, N = memoryRows, S = shiftRange
            n += 2 * L * H + R * ((M + 2 * S + 4) * (H + 1) + M + N) + W * ((3 * M + 2 * S + 4) * (H + 1) + N) + N * M
            n += outputWidth * (H + R * M + 1)
        case .lstm, .gru, .rnn:
            n += (kind == .lstm ? 2 : 1) * L * H + outputWidth * (H + 1)
        }
        return n
    }

    /// Number of scalars the model's caches need per sequence step, for memory estimates.
    public func cacheFloatsPerStep(batch: Int) -> Int {
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
    /// Builds the model `config` describes, with weights drawn from `rng` (see README § "Initialisation").
    public static func make(_ config: ModelConfig, rng: inout RandomSource) -> any SequenceModel {
        switch config.kind {
        case .ntm:
            let memory = NTMMemoryAccess(config: NTMMemoryConfig(
                controllerSize: config.controllerSize, memoryRows: config.memoryRows, memoryWidth: config.memoryWidth,
                readHeads: config.readHeads, writeHeads: config.writeHeads, shiftRange: config.shiftRange,
                memoryInit: config.memoryInit, weightingInit: config.weightingInit, clipValue: config.clipValue))
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
        }
    }
}
