// How the kit's commands build the literature's memory architectures: their preset keys, defaults
// and the models they make. `ArchitectureModels.register()` adds them to the model registry; the
// `ntm-bench` binary does so at start, as any researcher's binary registers its own models.
import NTMCore
import NTMAutodiff
import NTMModels

/// The memory architectures the kit ships beside the NTM, registered through the public API only.
public enum ArchitectureModels {
    /// `dnc` (``DNCMemory`` behind the kit's LSTM controller and output layer) and `memnet`
    /// (``MemoryNetwork``), in that order.
    public static let entries: [ModelEntry] = [dnc, memoryNetwork]

    /// Registers ``entries``; calling it again does nothing. Call it before decoding presets or
    /// checkpoints that name these models.
    public static func register() {
        _ = registration
    }

    private static let registration: Void = {
        for entry in entries where ModelRegistry.entry(named: entry.name) == nil {
            do throws(NTMError) { try ModelRegistry.register(entry) } catch {
                preconditionFailure("registering '\(entry.name)': \(error.message)")
            }
        }
    }()

    /// `dnc`: keys `memoryRows` (default 64), `memoryWidth` (20) and `readHeads` (2), besides the
    /// controller's `controllerSize`, `layers` and `clipValue`. Trained by default as the kit's memory
    /// entries are (the copy NTM's RMSProp at 1e-4, batch 1); presets set their own.
    public static let dnc = ModelEntry.controlledMemory(
        name: "dnc", keys: ["memoryRows", "memoryWidth", "readHeads"],
        decode: { section in
            [.init(key: "memoryRows", value: .number(Double(try section.int("memoryRows", in: 2...4096, default: 64)))),
             .init(key: "memoryWidth", value: .number(Double(try section.int("memoryWidth", in: 1...4096, default: 20)))),
             .init(key: "readHeads", value: .number(Double(try section.int("readHeads", in: 1...16, default: 2))))]
        },
        memory: { config in
            DNCMemory(controllerSize: config.int("controllerSize"), rows: config.int("memoryRows"),
                      width: config.int("memoryWidth"), readHeads: config.int("readHeads"),
                      clipValue: config.double("clipValue"))
        })

    /// `memnet`: keys `slots` (default 128), `embeddingSize` (64), `hops` (3) and `clipValue` (20),
    /// trained by default as the kit's baselines (Adam at 1e-3, batches of 16).
    public static let memoryNetwork: ModelEntry = {
        @Sendable func definition(_ config: ModelConfig) -> MemoryNetwork {
            MemoryNetwork(inputWidth: config.inputWidth, outputWidth: config.outputWidth, slots: config.int("slots"),
                          embeddingSize: config.int("embeddingSize"), hops: config.int("hops"),
                          clipValue: config.double("clipValue"))
        }
        return ModelEntry(
            name: "memnet", keys: ["slots", "embeddingSize", "hops", "clipValue"],
            decode: { section, _, _ in
                .object([
                    .init(key: "slots", value: .number(Double(try section.int("slots", in: 2...65_536, default: 128)))),
                    .init(key: "embeddingSize", value: .number(Double(try section.int("embeddingSize", in: 1...4096, default: 64)))),
                    .init(key: "hops", value: .number(Double(try section.int("hops", in: 1...16, default: 3)))),
                    .init(key: "clipValue", value: .number(try section.double("clipValue", in: 1e-3...1e6, default: 20))),
                ])
            },
            make: { config, rng in GraphModel(kind: "memnet", configJSON: config.json, definition: definition(config), rng: &rng) },
            cacheFloatsPerStep: { config, batch in RecurrentProgram(definition(config)).floatsPerStep(batch: batch) })
    }()
}
