// How the kit's commands build an LRUA model: its preset keys and the memory they make. Registered
// by lrua-bench's main.swift; the controller and output layer are the kit's (ControlledMemory).
import NTMKit

extension LRUAMemory {
    /// `lrua` for the model registry: keys `memoryRows` (default 128), `memoryWidth` (20) and `decay`
    /// (0.95), besides the controller's `controllerSize`, `layers` and `clipValue`.
    public static let entry = ModelEntry.controlledMemory(
        name: "lrua", keys: ["memoryRows", "memoryWidth", "decay"],
        decode: { section in
            [.init(key: "memoryRows", value: .number(Double(try section.int("memoryRows", in: 2...65_536, default: 128)))),
             .init(key: "memoryWidth", value: .number(Double(try section.int("memoryWidth", in: 1...4096, default: 20)))),
             .init(key: "decay", value: .number(try section.double("decay", in: 0...1, default: 0.95)))]
        },
        memory: { config in
            LRUAMemory(controllerSize: config.int("controllerSize"), rows: config.int("memoryRows"),
                       width: config.int("memoryWidth"), decay: config.double("decay"))
        })
}
