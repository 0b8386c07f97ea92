// The registry entries of the kit's own models. Their preset sections, checkpoint configs and error
// messages are those the kit had before the registry, keys in the same order, so that presets,
// config.json files and checkpoints of earlier runs read and write byte for byte as before.
import NTMCore
import NTMAutodiff
import NTMMemory

enum BuiltInModels {
    static let ntmKeys = ["controllerSize", "layers", "memoryRows", "memoryWidth", "readHeads", "writeHeads",
                          "shiftRange", "memoryInit", "weightingInit", "clipValue", "controller"]
    static let baselineKeys = ["hiddenSize", "layers"]

    /// Built-in models have no default section of their own: without one in a preset they take the task's built-in
    /// preset's (`Preset.defaultPlan`, in NTMTraining, which knows the presets).
    static let entries: [ModelEntry] = [
        ModelEntry(builtIn: .ntm, keys: ntmKeys, defaults: .object([]), decodeSection: decodeNTM,
                   decodeCheckpoint: { config, source throws(NTMError) in try decodeCheckpoint(.ntm, config, source) },
                   section: ntmSection),
    ] + [ModelKind.lstm, .gru, .rnn].map { kind in
        ModelEntry(builtIn: kind, keys: baselineKeys, defaults: .object([]),
                   decodeSection: { o, input, output throws(NTMError) in
                       ModelConfig(kind: kind, inputWidth: input, outputWidth: output,
                                   controllerSize: try o.int("hiddenSize", in: 1...8192), layers: try o.int("layers", in: 1...16))
                   },
                   decodeCheckpoint: { config, source throws(NTMError) in try decodeCheckpoint(kind, config, source) },
                   section: { m in
                       [.init(key: "hiddenSize", value: .number(Double(m.controllerSize))),
                        .init(key: "layers", value: .number(Double(m.layers)))]
                   })
    }

    @Sendable static func decodeNTM(_ o: StrictObject, _ inputWidth: Int, _ outputWidth: Int) throws(NTMError) -> ModelConfig {
        let rows = try o.int("memoryRows", in: 1...65_536)
        return ModelConfig(
            kind: .ntm, inputWidth: inputWidth, outputWidth: outputWidth,
            controllerSize: try o.int("controllerSize", in: 1...8192), layers: try o.int("layers", in: 1...16),
            memoryRows: rows, memoryWidth: try o.int("memoryWidth", in: 1...4096),
            readHeads: try o.int("readHeads", in: 0...16), writeHeads: try o.int("writeHeads", in: 0...16),
            shiftRange: try o.int("shiftRange", in: 0...max(0, (rows - 1) / 2)),
            memoryInit: MemoryInit(rawValue: try o.string("memoryInit", oneOf: MemoryInit.allCases.map(\.rawValue),
                                                          default: "constant"))!,
            weightingInit: WeightingInit(rawValue: try o.string("weightingInit", oneOf: WeightingInit.allCases.map(\.rawValue),
                                                                default: WeightingInit.uniform.rawValue))!,
            clipValue: Float(try o.double("clipValue", in: 1e-3...1e6, default: 20)),
            controller: ControllerKind(rawValue: try o.string("controller", oneOf: ControllerKind.allCases.map(\.rawValue),
                                                              default: ControllerKind.lstm.rawValue))!)
    }

    /// The NTM's preset section. `controller` and `weightingInit` are written only when not the default, so
    /// the resolved configuration of a run that does not use them (its `config.json`, and the `experiment`
    /// its training checkpoints are resumed against) stays as it was before the options existed.
    @Sendable static func ntmSection(_ m: ModelConfig) -> [JSONMember] {
        func int(_ i: Int) -> JSONValue { .number(Double(i)) }
        var fields: [JSONMember] = m.controller == .lstm ? [] : [.init(key: "controller", value: .string(m.controller.rawValue))]
        fields += [
            .init(key: "controllerSize", value: int(m.controllerSize)), .init(key: "layers", value: int(m.layers)),
            .init(key: "memoryRows", value: int(m.memoryRows)), .init(key: "memoryWidth", value: int(m.memoryWidth)),
            .init(key: "readHeads", value: int(m.readHeads)), .init(key: "writeHeads", value: int(m.writeHeads)),
            .init(key: "shiftRange", value: int(m.shiftRange)), .init(key: "memoryInit", value: .string(m.memoryInit.rawValue)),
        ]
        if m.weightingInit != .uniform {
            fields.append(.init(key: "weightingInit", value: .string(m.weightingInit.rawValue)))
        }
        fields.append(.init(key: "clipValue", value: .number(Double(m.clipValue))))
        return fields
    }

    /// A checkpoint's `config` of a built-in model (the spec's keys; others are ignored, as the spec allows
    /// adding some).
    static func decodeCheckpoint(_ kind: ModelKind, _ config: JSONValue, _ source: String) throws(NTMError) -> ModelConfig {
        func int(_ key: String) throws(NTMError) -> Int {
            guard let v = config[key] else { throw .runtime("\(source): config has no '\(key)'") }
            guard let i = v.intValue else { throw .runtime("\(source): config '\(key)' is not an integer") }
            return i
        }
        var c: ModelConfig
        if kind == .ntm {
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
            var controller = ControllerKind.lstm
            if let value = config["controller"] {
                guard let name = value.stringValue, let k = ControllerKind(rawValue: name) else {
                    throw .runtime("\(source): config 'controller' must be one of \(ControllerKind.names)")
                }
                controller = k
            }
            c = ModelConfig(kind: .ntm, inputWidth: try int("inputWidth"), outputWidth: try int("outputWidth"),
                            controllerSize: try int("controllerSize"), layers: try int("layers"),
                            memoryRows: try int("memoryRows"), memoryWidth: try int("memoryWidth"),
                            readHeads: try int("readHeads"), writeHeads: try int("writeHeads"),
                            shiftRange: try int("shiftRange"), memoryInit: mi, weightingInit: weighting,
                            clipValue: Float(clip), controller: controller)
        } else {
            c = ModelConfig(kind: kind, inputWidth: try int("inputWidth"), outputWidth: try int("outputWidth"),
                            controllerSize: try int("hiddenSize"), layers: try int("layers"))
        }
        do { try c.validate() } catch { throw .runtime("\(source): \(error.message)") }
        return c
    }
}
