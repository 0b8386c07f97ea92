// The DNC and the memory network through the commands, as ntm-bench registers them: `copy --models`,
// reports with parameter counts and memory figures, checkpoints that `eval` reproduces, `trace`,
// `--controller feedforward` for the DNC, and the experiment presets of tasks/architectures/.
import Foundation
import Testing
@_spi(Testing) import NTMCLI
@_spi(Testing) import NTMTraining
import NTMKit

@Suite("Memory architectures through the commands")
struct ArchitectureCommandTests {
    init() { ArchitectureModels.register() }

    static let tiny = ["--length", "3", "--sequences", "12", "--batch", "2", "--eval-sequences", "4", "--threads", "2"]

    /// `dnc` parameters: the LSTM controller on `X + R W` inputs, the interface layer and the output layer.
    static func dncParameters(x: Int, y: Int, h: Int, rows: Int, width: Int, heads: Int) -> Int {
        let u = x + heads * width, interface = width * (heads + 3) + 5 * heads + 3
        return 4 * h * (u + h) + 8 * h + 2 * h + interface * (h + 1) + y * (h + heads * width + 1)
    }

    @Test func copyTrainsBothAndTheirCheckpointsEvaluateAndTrace() throws {
        let dir = Scratch.directory("architectures-copy")
        #expect(NTMCLI.run(arguments: ["copy", "--models", "dnc,memnet", "--out", dir, "--quiet"] + Self.tiny) == 0)
        try RunFiles.expectEveryFileParses(dir)
        let results = try RunFiles.json(dir + "/results.json")
        let models = try #require(results["models"]?.arrayValue)
        #expect(models.map { $0["model"]?.stringValue } == ["dnc", "memnet"])
        let report = try String(contentsOfFile: dir + "/report.md", encoding: .utf8)
        // Copy of 8 bits: 9 inputs, 8 outputs; the DNC's defaults: controller 100, 64 x 20, two read heads.
        let count = Self.dncParameters(x: 9, y: 8, h: 100, rows: 64, width: 20, heads: 2)
        #expect(report.contains("| dnc | \(count.formatted(.number.grouping(.automatic).locale(Locale(identifier: "en_US")))) | 12 |"),
                "report.md lacks the DNC's parameter count \(count)")
        for (model, recorded) in [("dnc", "write_weights.0"), ("memnet", "read_weights.2")] {
            let figure = try String(contentsOfFile: dir + "/memory-\(model).svg", encoding: .utf8)
            #expect(figure.hasPrefix("<svg") && figure.contains(recorded) && figure.contains("read_weights.0"), "\(model) figure")
            let checkpoint = dir + "/\(model).safetensors"
            let (built, config) = try Checkpoint.loadModel(path: checkpoint)
            #expect(built.kind == model && config.kind.rawValue == model)
            let evaluated = try EvalCommand.evaluate(checkpoint: checkpoint, arguments: ["--preset", dir + "/config.json"])
            let mine = try #require(models.first { $0["model"]?.stringValue == model })
            #expect(evaluated.results.map(\.bitErrors) == mine["eval"]?.arrayValue?.map { $0["bit_errors"]?.doubleValue })
        }
        // The DNC's trace holds the allocation and usage it recorded, [T, B, N].
        let out = Scratch.directory("architectures-trace")
        #expect(NTMCLI.run(arguments: ["trace", "--model", "dnc", "--checkpoint", dir + "/dnc.safetensors", "--length", "3", "--batch", "2", "--out", out]) == 0)
        let trace = try SafeTensorsFile.read(path: out + "/trace.safetensors")
        #expect(trace["allocation"]?.shape == [7, 2, 64] && trace["usage"]?.shape == [7, 2, 64])
        #expect(trace["read_modes.0"]?.shape == [7, 2, 3])
        #expect(trace["grad.interface.weight"]?.shape == [Self.interfaceSize(width: 20, heads: 2), 100])
        // Without --model the checkpoint names its model: the same trace; a --model that disagrees is refused.
        let inferred = Scratch.directory("architectures-trace-inferred")
        #expect(NTMCLI.run(arguments: ["trace", "--checkpoint", dir + "/dnc.safetensors", "--length", "3", "--batch", "2", "--out", inferred]) == 0)
        #expect(FileManager.default.contents(atPath: inferred + "/trace.safetensors") == FileManager.default.contents(atPath: out + "/trace.safetensors"))
        #expect(NTMCLI.run(arguments: ["trace", "--model", "ntm", "--checkpoint", dir + "/dnc.safetensors", "--length", "3", "--out", inferred]) == 1)
    }

    static func interfaceSize(width: Int, heads: Int) -> Int { width * (heads + 3) + 5 * heads + 3 }

    /// An experiment preset without an `ntm` section still takes `--models ntm`: the NTM trains as the task's
    /// built-in preset has it (copy: heads starting on row 0, RMSProp at 1e-4), beside the preset's own models.
    @Test func anExperimentPresetTakesTheBuiltInModelsItDoesNotConfigure() throws {
        let preset = Repository.root.appendingPathComponent("tasks/architectures/copy.json").path
        let dir = Scratch.directory("architectures-with-ntm")
        #expect(NTMCLI.run(arguments: ["copy", "--preset", preset, "--models", "memnet,ntm,rnn", "--controller-size", "12",
                                       "--memory-rows", "8", "--memory-width", "4", "--hidden-size", "12", "--baseline-layers", "1",
                                       "--out", dir, "--quiet"] + Self.tiny) == 0)
        let config = try RunFiles.json(dir + "/config.json")
        #expect(config["models"] == .array([.string("memnet"), .string("ntm"), .string("rnn")]))
        let ntm = try #require(config["ntm"])
        #expect(ntm["weightingInit"]?.stringValue == "first-row" && ntm["controllerSize"]?.intValue == 12)
        #expect(ntm["optimizer"]?["name"]?.stringValue == "rmsprop" && ntm["optimizer"]?["learningRate"]?.doubleValue == 1e-4)
        #expect(config["rnn"]?["optimizer"]?["name"]?.stringValue == "adam")
        let file = try Preset.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: preset))), source: preset)
        #expect(config["memnet"] == Preset.encode(file)["memnet"].map { m in
            .object((m.objectMembers ?? []).map { $0.key == "sequences" ? .init(key: "sequences", value: .number(12))
                                                  : $0.key == "batch" ? .init(key: "batch", value: .number(2)) : $0 })
        })
    }

    @Test func theDNCTakesAFeedforwardControllerAndTheMemoryNetworkRefusesIt() throws {
        let dir = Scratch.directory("architectures-feedforward")
        #expect(NTMCLI.run(arguments: ["copy", "--models", "dnc", "--controller", "feedforward", "--out", dir, "--quiet"] + Self.tiny) == 0)
        let config = try RunFiles.json(dir + "/config.json")
        #expect(config["dnc"]?["controller"]?.stringValue == "feedforward")
        let (model, _) = try Checkpoint.loadModel(path: dir + "/dnc.safetensors")
        #expect(model.parameters.map(\.name).contains("controller.layers.0.weight"))
        #expect(NTMCLI.run(arguments: ["copy", "--models", "memnet", "--controller", "feedforward", "--out",
                                       Scratch.directory("architectures-refused"), "--quiet"] + Self.tiny) == 2)
    }

    /// Every experiment preset decodes, lists only models that have their own section, and gives a reason
    /// for every model key and for the training budget and optimiser.
    @Test func theExperimentPresetsDecodeWithAReasonForEveryValue() throws {
        let folder = Repository.root.appendingPathComponent("tasks/architectures")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }.sorted()
        #expect(files == ["associative-recall.json", "copy.json", "priority-sort-feedforward.json", "priority-sort.json", "repeat-copy.json"])
        for file in files {
            let bytes = [UInt8](try Data(contentsOf: folder.appendingPathComponent(file)))
            let config = try Preset.decode(bytes, source: file)
            let json = try JSONValue.parse(bytes)
            for kind in config.models {
                let section = try #require(json[kind.rawValue]?.objectMembers, "\(file): no section for \(kind.rawValue)")
                let why = Set(json[kind.rawValue]?["why"]?.objectMembers?.map(\.key) ?? [])
                let entry = try #require(ModelRegistry.entry(named: kind.rawValue))
                // `layers`, and the NTM's write heads and shift range, share their neighbours' reasons.
                let shared: Set<String> = ["layers", "writeHeads", "shiftRange"]
                for key in section.map(\.key) where (entry.keys + ["sequences", "optimizer"]).contains(key) && !shared.contains(key) {
                    #expect(why.contains(key), "\(file): \(kind.rawValue).\(key) has no reason")
                }
            }
        }
    }
}

enum Repository {
    static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
}
