// The feedforward controller (ControllerKind.feedforward): its gradients against central differences
// in Double, its output against a hand computation, the `controller` key of the ntm, ntm-ops and
// memory entries, and the LSTM default left exactly as it was.
import Foundation
import Testing
import NTMCore
import NTMAutodiff
import NTMMemory
@testable import NTMModels

@Suite("Feedforward controller")
struct FeedforwardControllerTests {
    static let small = NTMMemoryConfig(controllerSize: 5, memoryRows: 6, memoryWidth: 3, readHeads: 2, writeHeads: 1,
                                       shiftRange: 1, memoryInit: .learned)

    // MARK: - The controller

    @Test(arguments: [1, 2])
    func wholeModelGradientsMatchCentralDifferencesInDouble(layers: Int) {
        let model = ControlledMemory(memory: NTMOpsMemory(config: Self.small), inputWidth: 3, outputWidth: 2, layers: layers,
                                     controller: .feedforward)
        let report = checkGradients(of: model, steps: 5, batch: 2, seed: 7)
        #expect(report.passes(tolerance: 1e-6), "\(report)")
        // Every tensor: the controller's 2 per layer, the memory's 12, the output layer's 2; none skipped.
        #expect(report.entries.count == 2 * layers + 12 + 2, "\(report)")
        #expect(report.entries.allSatisfy { $0.checked > 0 }, "\(report)")
        let controller = (0..<layers).flatMap { ["controller.layers.\($0).weight", "controller.layers.\($0).bias"] }
        #expect(Array(report.entries.prefix(2 * layers).map(\.name)) == controller)
    }

    /// With the output layer the identity, `y_t = concat(h_t, r_t)`: the controller's output at each step
    /// must be `tanh(W concat(x_t, r_{t-1}) + b)`, computed here by hand from known weights.
    @Test func controllerOutputIsTanhOfTheAffineMapOfInputAndReads() throws {
        let memory = NTMMemoryConfig(controllerSize: 3, memoryRows: 4, memoryWidth: 2, readHeads: 1, writeHeads: 1,
                                     shiftRange: 1, memoryInit: .learned)
        let X = 2, H = 3, R = 2, Y = H + R
        let definition = ControlledMemory(memory: NTMOpsMemory(config: memory), inputWidth: X, outputWidth: Y,
                                          controller: .feedforward)
        var rng = RandomSource(seed: 3)
        let model = GraphModel(kind: "probe", configJSON: .object([]), definition: definition, rng: &rng)
        func set(_ name: String, _ values: [Float]) throws {
            let p = try #require(model.parameters.first { $0.name == name }, "\(name)")
            #expect(p.count == values.count, "\(name)")
            for (i, v) in values.enumerated() { p.value.base[i] = v }
        }
        // W [H, X + R]: columns x_0, x_1, r_0, r_1.
        let W: [Double] = [0.5, -0.25, 0.125, 1.0, -0.75, 0.3, 0.2, -0.1, 0.05, 0.6, -0.4, 0.9]
        let b: [Double] = [0.1, -0.2, 0.3]
        try set("controller.layers.0.weight", W.map(Float.init))
        try set("controller.layers.0.bias", b.map(Float.init))
        try set("read_heads.0.r0", [0.4, -0.8])
        try set("output.weight", (0..<(Y * Y)).map { $0 / Y == $0 % Y ? 1 : 0 })
        try set("output.bias", [Float](repeating: 0, count: Y))
        let x: [[Double]] = [[1, -0.5], [0.25, 2], [-1.5, 0.75]]
        let T = x.count
        let inputs = x.flatMap { $0.map(Float.init) }
        var logits = [Float](repeating: .nan, count: T * Y)
        inputs.withUnsafeBufferPointer { i in
            logits.withUnsafeMutableBufferPointer { model.forward(inputs: i.baseAddress!, steps: T, batch: 1, logits: $0.baseAddress!) }
        }
        var reads = [tanh(0.4), tanh(-0.8)]          // r_0 = tanh(ρ)
        for t in 0..<T {
            let u = x[t] + reads
            for j in 0..<H {
                let z = (0..<(X + R)).reduce(b[j]) { $0 + W[j * (X + R) + $1] * u[$1] }
                #expect(abs(Double(logits[t * Y + j]) - tanh(z)) < 1e-6, "h_\(t)[\(j)]: \(logits[t * Y + j]) against \(tanh(z))")
            }
            reads = (H..<Y).map { Double(logits[t * Y + $0]) }    // r_t, the controller's input at t + 1
        }
        #expect(reads.allSatisfy { $0.isFinite && $0 != 0 })
    }

    /// The feedforward controller keeps no state; the memory's state is untouched by it.
    @Test func theOnlyRecurrenceIsThroughTheMemory() {
        let ff = RecurrentProgram(ControlledMemory(memory: NTMOpsMemory(config: Self.small), inputWidth: 3, outputWidth: 2,
                                                   layers: 2, controller: .feedforward))
        #expect(ff.stateNames == ["reads", "memory", "read_weights.0", "read_weights.1", "write_weights.0"])
    }

    // MARK: - The LSTM default is unchanged

    @Test func theDefaultIsTheLSTMWithItsNamesShapesAndState() {
        let model = ControlledMemory(memory: NTMOpsMemory(config: Self.small), inputWidth: 3, outputWidth: 2, layers: 2)
        #expect(model.controller == .lstm)
        var names: [String] = []
        for l in 0..<2 { names += ["weight_ih_l\(l)", "weight_hh_l\(l)", "bias_ih_l\(l)", "bias_hh_l\(l)"].map { "controller." + $0 } }
        names += ["controller.h0", "controller.c0"]
        for i in 0..<2 { names += ["weight", "bias", "r0", "w0"].map { "read_heads.\(i).\($0)" } }
        names += ["write_heads.0.weight", "write_heads.0.bias", "write_heads.0.w0", "memory.m0", "output.weight", "output.bias"]
        #expect(model.parameterSpecs.map(\.name) == names)
        #expect(model.parameterSpecs.prefix(10).map(\.shape) == [[20, 9], [20, 5], [20], [20], [20, 5], [20, 5], [20], [20], [2, 5], [2, 5]])
        #expect(RecurrentProgram(model).stateNames == ["controller.h.0", "controller.c.0", "controller.h.1", "controller.c.1",
                                                       "reads", "memory", "read_weights.0", "read_weights.1", "write_weights.0"])
        // The same draws as before the option: an explicit `.lstm` is the default, value for value.
        let explicit = ControlledMemory(memory: NTMOpsMemory(config: Self.small), inputWidth: 3, outputWidth: 2, layers: 2,
                                        controller: .lstm)
        var r1 = RandomSource(seed: 4), r2 = RandomSource(seed: 4)
        let a = model.makeParameters(), b = explicit.makeParameters()
        model.initialize(a, rng: &r1)
        explicit.initialize(b, rng: &r2)
        #expect(zip(a, b).allSatisfy { $0.value.array == $1.value.array })
    }

    static func ntm(_ controller: ControllerKind = .lstm, layers: Int = 1) -> ModelConfig {
        ModelConfig(kind: .ntm, inputWidth: 9, outputWidth: 8, controllerSize: 12, layers: layers, memoryRows: 8, memoryWidth: 4,
                    readHeads: 2, writeHeads: 1, shiftRange: 1, controller: controller)
    }

    @Test func anNTMWithoutAControllerWritesNoControllerKey() throws {
        let c = Self.ntm()
        #expect(c.json.serialized() == #"{"clipValue":20,"controllerSize":12,"inputWidth":9,"layers":1,"memoryInit":"constant","#
                + #""memoryRows":8,"memoryWidth":4,"outputWidth":8,"readHeads":2,"shiftRange":1,"writeHeads":1}"#)
        #expect(!c.presetSection.contains { $0.key == "controller" })
        #expect(try ModelConfig.from(kind: "ntm", config: c.json, source: "x").controller == .lstm)
        #expect(c.summary.contains("1 x 12 LSTM controller"))
        var rng = RandomSource(seed: 1)
        #expect(!(ModelFactory.make(c, rng: &rng) is GraphModel))   // the fused NTM
    }

    // MARK: - The ntm's `controller` key

    @Test func aFeedforwardNTMSaysSoInItsConfigAndReadsItBack() throws {
        let c = Self.ntm(.feedforward)
        #expect(c.json["controller"]?.stringValue == "feedforward")
        #expect(c.presetSection.first?.key == "controller" && c.presetSection.first?.value.stringValue == "feedforward")
        #expect(try ModelConfig.from(kind: "ntm", config: c.json, source: "x") == c)
        let section = JSONValue.object(c.presetSection)
        #expect(try ModelConfig.decode(kind: .ntm, settings: section, inputWidth: 9, outputWidth: 8) == c)
        #expect(c.summary.hasPrefix("ntm with a 1 x 12 feedforward controller, memory 8 x 4"))
        // A bad value: one line naming the allowed ones, from a checkpoint and from a preset section.
        var members = try #require(c.json.objectMembers).filter { $0.key != "controller" }
        members.append(.init(key: "controller", value: .string("gru")))
        let fromFile = #expect(throws: NTMError.self) { try ModelConfig.from(kind: "ntm", config: .object(members), source: "x") }
        #expect(fromFile?.kind == .runtime && fromFile?.message == "x: config 'controller' must be one of lstm, feedforward")
        var sectionMembers = c.presetSection.filter { $0.key != "controller" }
        sectionMembers.append(.init(key: "controller", value: .number(1)))
        let fromPreset = #expect(throws: NTMError.self) {
            try ModelConfig.decode(kind: .ntm, settings: .object(sectionMembers), inputWidth: 9, outputWidth: 8)
        }
        #expect(fromPreset?.kind == .usage && fromPreset?.message.contains("'controller' must be a string") == true
                && fromPreset?.message.contains("\n") == false)
    }

    @Test(arguments: [1, 2])
    func aFeedforwardNTMIsTheNTMWrittenWithOpsAndIsSizedRight(layers: Int) throws {
        let c = Self.ntm(.feedforward, layers: layers)
        var r1 = RandomSource(seed: 9), r2 = RandomSource(seed: 9)
        let model = ModelFactory.make(c, rng: &r1)
        let graph = try #require(model as? GraphModel)
        #expect(graph.kind == "ntm" && graph.configJSON == c.json)
        let controller = (0..<layers).flatMap { ["controller.layers.\($0).weight", "controller.layers.\($0).bias"] }
        #expect(Array(model.parameters.prefix(2 * layers).map(\.name)) == controller)
        #expect(model.parameters[0].shape == [12, 9 + 2 * 4] && model.parameters[1].shape == [12])
        if layers == 2 { #expect(model.parameters[2].shape == [12, 12]) }
        #expect(!model.parameters.contains { $0.name.hasPrefix("controller.") && !controller.contains($0.name) })
        // Glorot-uniform weights within ±√(6 / (in + H)), zero biases.
        let bound = Float((6.0 / Double(9 + 8 + 12)).squareRoot())
        #expect(model.parameters[0].value.array.allSatisfy { abs($0) <= bound } && model.parameters[0].value.array.contains { $0 != 0 })
        #expect(model.parameters[1].value.array.allSatisfy { $0 == 0 })
        // The same seed draws the same weights; the rest of the NTM starts as the memory's own start.
        let again = ModelFactory.make(c, rng: &r2)
        #expect(zip(model.parameters, again.parameters).allSatisfy { $0.value.array == $1.value.array })
        #expect(c.parameterCount == model.parameters.reduce(0) { $0 + $1.count })
        #expect(c.cacheFloatsPerStep(batch: 3) == RecurrentProgram(GraphModel.ntmOpsDefinition(c)).floatsPerStep(batch: 3))
        // Multiply-adds: the LSTM's gate products replaced by one product per layer.
        let H = 12.0, L = Double(layers), input = 9.0 + 8
        let lstm = Self.ntm(.lstm, layers: layers)
        #expect(lstm.forwardMultiplyAdds - c.forwardMultiplyAdds
                == (4 * H * (input + H) + (L - 1) * 8 * H * H) - (H * input + (L - 1) * H * H))
    }

    // MARK: - ntm-ops and memory entries

    @Test func ntmOpsTakesTheKeyWithTheSameSemantics() throws {
        let kind = try #require(ModelKind(rawValue: "ntm-ops"))
        let sizes: [JSONMember] = [("controllerSize", 12), ("layers", 1), ("memoryRows", 8), ("memoryWidth", 4), ("readHeads", 1),
                                   ("writeHeads", 1), ("shiftRange", 1)].map { JSONMember(key: $0.0, value: .number($0.1)) }
        let plain = try ModelConfig.decode(kind: kind, settings: .object(sizes), inputWidth: 9, outputWidth: 8)
        #expect(plain["controller"] == nil)
        let lstm = try ModelConfig.decode(kind: kind, settings: .object(sizes + [.init(key: "controller", value: .string("lstm"))]),
                                          inputWidth: 9, outputWidth: 8)
        #expect(lstm == plain)
        let ff = try ModelConfig.decode(kind: kind, settings: .object(sizes + [.init(key: "controller", value: .string("feedforward"))]),
                                        inputWidth: 9, outputWidth: 8)
        #expect(ff["controller"]?.stringValue == "feedforward")
        #expect(try ModelConfig.from(kind: "ntm-ops", config: ff.json, source: "x") == ff)
        var rng = RandomSource(seed: 2)
        let model = ModelFactory.make(ff, rng: &rng)
        #expect(model.parameters.first?.name == "controller.layers.0.weight")
        #expect(ff.parameterCount == model.parameters.reduce(0) { $0 + $1.count })
        #expect(ff.summary.contains("feedforward controller"))
        let bad = #expect(throws: NTMError.self) {
            try ModelConfig.decode(kind: kind, settings: .object(sizes + [.init(key: "controller", value: .string("rnn"))]),
                                   inputWidth: 9, outputWidth: 8)
        }
        #expect(bad?.message.contains("expected one of: lstm, feedforward") == true && bad?.message.contains("\n") == false)
    }

    /// A researcher's memory entry (not registered: the registry is shared by every test of the process).
    static let memoryEntry = ModelEntry.controlledMemory(
        name: "ff-probe", keys: ["memoryRows"],
        decode: { section in [.init(key: "memoryRows", value: .number(Double(try section.int("memoryRows", in: 3...64, default: 8))))] },
        memory: { config in
            NTMOpsMemory(config: NTMMemoryConfig(controllerSize: config.int("controllerSize"), memoryRows: config.int("memoryRows"),
                                                 memoryWidth: 3, readHeads: 1, writeHeads: 1, shiftRange: 1))
        })

    @Test func aMemoryEntryTakesTheKeyAndWritesItOnlyWhenFeedforward() throws {
        let entry = Self.memoryEntry
        #expect(entry.keys == ["controllerSize", "layers", "clipValue", "controller", "memoryRows"])
        func decode(_ members: [JSONMember]) throws(NTMError) -> ModelConfig {
            try entry.decodeSection(try StrictObject(.object(members), path: "ff-probe"), 4, 3)
        }
        // Without the key (or with `lstm`), the canonical configuration is what it was before the key existed.
        let plain = try decode([])
        #expect(plain.json.serialized() == #"{"clipValue":20,"controllerSize":100,"inputWidth":4,"layers":1,"memoryRows":8,"outputWidth":3}"#)
        #expect(try decode([.init(key: "controller", value: .string("lstm"))]).json == plain.json)
        var rng = RandomSource(seed: 5)
        #expect(entry.build(plain, &rng).parameters.first?.name == "controller.weight_ih_l0")
        // Feedforward: in the canonical configuration, read back from a checkpoint, built with tanh layers.
        let ff = try decode([.init(key: "controller", value: .string("feedforward")), .init(key: "controllerSize", value: .number(6))])
        #expect(ff["controller"]?.stringValue == "feedforward")
        #expect(try entry.decodeCheckpoint(ff.json, "x").json == ff.json)
        let model = entry.build(ff, &rng)
        #expect(model.parameters.prefix(2).map(\.name) == ["controller.layers.0.weight", "controller.layers.0.bias"])
        #expect(model.parameters[0].shape == [6, 4 + 3])
        #expect(entry.countParameters(ff) == model.parameters.reduce(0) { $0 + $1.count })
        #expect(entry.summarize(ff).contains("controller \"feedforward\""))
        let bad = #expect(throws: NTMError.self) { try decode([.init(key: "controller", value: .string("transformer"))]) }
        #expect(bad?.message == "ff-probe: 'controller' is 'transformer', expected one of: lstm, feedforward")
    }
}
