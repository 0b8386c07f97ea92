// Registry entries for models written forward-only: any MemoryDefinition behind the kit's controller
// (LSTM, or feedforward with `controller: "feedforward"`) and output layer, and the NTM written with
// ops (`ntm-ops`), which takes that same public path as proof that it works.
import NTMCore
import NTMAutodiff

extension ModelEntry {
    /// The controller keys every memory entry has, with their defaults: the paper's copy NTM (an LSTM
    /// controller). `controller` (`"lstm"` or `"feedforward"`) is in the canonical configuration only when
    /// it is `feedforward`, so configurations written before it existed are unchanged.
    public static let controllerKeys = ["controllerSize", "layers", "clipValue", "controller"]

    /// Training of the copy NTM (the copy preset's): 40,000 sequences one at a time, RMSProp at 1e-4 with
    /// momentum 0.9 and decay 0.95, gradient norm clipped at 10. A memory entry trains so by default.
    public static let memoryDefaults: JSONValue = .object([
        .init(key: "sequences", value: .number(40_000)),
        .init(key: "batch", value: .number(1)),
        .init(key: "optimizer", value: .object([
            .init(key: "name", value: .string("rmsprop")), .init(key: "learningRate", value: .number(1e-4)),
            .init(key: "momentum", value: .number(0.9)), .init(key: "decay", value: .number(0.95)),
        ])),
        .init(key: "clipNorm", value: .number(10)),
        .init(key: "shards", value: .number(1)),
    ])

    /// A model made of `memory` behind a controller and an output layer (``ControlledMemory``): register
    /// it and every command takes it by `name`.
    ///
    /// - Parameters:
    ///   - keys: the memory's own configuration keys; the entry adds ``controllerKeys``
    ///     (`controllerSize` 100, `layers` 1, `clipValue` 20, `controller` `"lstm"` unless a preset sets them).
    ///   - decode: reads the memory's keys from a preset section or checkpoint config (the `StrictObject`
    ///     readers give one-line errors) and returns them, defaults filled in.
    ///   - memory: builds the memory from the canonical configuration (`config.int("controllerSize")`
    ///     and the memory's keys).
    public static func controlledMemory<Memory: MemoryDefinition>(
        name: String,
        keys: [String],
        defaults: JSONValue = ModelEntry.memoryDefaults,
        decode: @escaping @Sendable (_ section: StrictObject) throws -> [JSONMember],
        memory: @escaping @Sendable (_ config: ModelConfig) -> Memory
    ) -> ModelEntry {
        @Sendable func definition(_ config: ModelConfig) -> ControlledMemory<Memory> {
            ControlledMemory(memory: memory(config), inputWidth: config.inputWidth, outputWidth: config.outputWidth,
                             layers: config.int("layers"), clipValue: config.double("clipValue"),
                             controller: config["controller"].flatMap { ControllerKind(rawValue: $0.stringValue ?? "") } ?? .lstm)
        }
        return ModelEntry(
            name: name, keys: controllerKeys + keys, defaults: defaults,
            decode: { section, _, _ in
                var controller: [JSONMember] = [
                    .init(key: "controllerSize", value: .number(Double(try section.int("controllerSize", in: 1...8192, default: 100)))),
                    .init(key: "layers", value: .number(Double(try section.int("layers", in: 1...16, default: 1)))),
                    .init(key: "clipValue", value: .number(try section.double("clipValue", in: 1e-3...1e6, default: 20))),
                ]
                let kind = try section.string("controller", oneOf: ControllerKind.allCases.map(\.rawValue),
                                              default: ControllerKind.lstm.rawValue)
                if kind != ControllerKind.lstm.rawValue { controller.append(.init(key: "controller", value: .string(kind))) }
                return .object(controller + (try decode(section)))
            },
            make: { config, rng in
                GraphModel(kind: name, configJSON: config.json, definition: definition(config), rng: &rng)
            },
            // What the executor keeps per step, counted from the recorded program (nothing allocated).
            cacheFloatsPerStep: { config, batch in RecurrentProgram(definition(config)).floatsPerStep(batch: batch) })
    }

    /// `ntm-ops`: the NTM of `models.md` written with ops (``NTMOpsMemory``), with the NTM's keys and, by
    /// default, the copy preset's NTM: controller 100, memory 128 x 20, one read and one write head, shift
    /// range 1, constant memory, heads starting on row 0, trained as the copy NTM.
    public static let ntmWithOps: ModelEntry = {
        var defaults = memoryDefaults.objectMembers ?? []
        defaults += [.init(key: "controllerSize", value: .number(100)), .init(key: "layers", value: .number(1)),
                     .init(key: "memoryRows", value: .number(128)), .init(key: "memoryWidth", value: .number(20)),
                     .init(key: "readHeads", value: .number(1)), .init(key: "writeHeads", value: .number(1)),
                     .init(key: "shiftRange", value: .number(1)), .init(key: "memoryInit", value: .string("constant")),
                     .init(key: "weightingInit", value: .string("first-row")), .init(key: "clipValue", value: .number(20))]
        @Sendable func ntmConfig(_ settings: JSONValue, _ input: Int, _ output: Int) throws(NTMError) -> ModelConfig {
            try BuiltInModels.decodeNTM(try StrictObject(settings, path: "ntm-ops"), input, output)
        }
        return ModelEntry(
            name: "ntm-ops", keys: BuiltInModels.ntmKeys, defaults: .object(defaults),
            decode: { section, input, output in
                // Every key, defaults filled in, in the NTM's own order.
                let c = try ntmConfig(.object(section.members), input, output)
                guard c.readHeads >= 1 else { throw NTMError.usage("\(section.path): 'readHeads' must be at least 1 for ntm-ops") }
                var members = BuiltInModels.ntmSection(c)
                if c.weightingInit == .uniform { members.append(.init(key: "weightingInit", value: .string("uniform"))) }
                return .object(members)
            },
            make: { config, rng in
                let c = try! ntmConfig(config.json, config.inputWidth, config.outputWidth)
                return GraphModel.ntmWithOps(c, kind: "ntm-ops", configJSON: config.json, rng: &rng)
            },
            summary: { config in
                let c = try? ntmConfig(config.json, config.inputWidth, config.outputWidth)
                return "ntm-ops (the NTM written with ops): " + (c?.summary.replacingOccurrences(of: "ntm with ", with: "") ?? "")
            },
            parameterCount: { config in (try? ntmConfig(config.json, config.inputWidth, config.outputWidth))?.parameterCount ?? 0 },
            // What the executor keeps per step, counted from the recorded program (nothing allocated).
            cacheFloatsPerStep: { config, batch in
                guard let c = try? ntmConfig(config.json, config.inputWidth, config.outputWidth) else { return 0 }
                return RecurrentProgram(GraphModel.ntmOpsDefinition(c)).floatsPerStep(batch: batch)
            },
            // The NTM's arithmetic.
            forwardMultiplyAdds: { config in (try? ntmConfig(config.json, config.inputWidth, config.outputWidth))?.forwardMultiplyAdds ?? 0 })
    }()
}
