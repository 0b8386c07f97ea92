// `--controller feedforward` on the command line: it reaches the checkpoint and the resolved
// configuration, the checkpoint evaluates, the run is reproducible, and bad uses are one-line errors.
import Foundation
import Testing
@testable import NTMCLI
import NTMKit
import _NTMTestSupport

@Suite("--controller on the command line")
struct FeedforwardControllerCommandTests {
    static let tiny = ["--length", "3", "--sequences", "6", "--batch", "2", "--threads", "1"] + tinySizes

    static func json(_ path: String) throws -> JSONValue {
        try JSONValue.parse(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
    }

    @Test func copyTrainsAFeedforwardNTMWhoseCheckpointEvaluates() throws {
        let dir = Scratch.directory("controller-feedforward")
        #expect(NTMCLI.run(arguments: ["copy", "--models", "ntm", "--controller", "feedforward", "--out", dir] + Self.tiny) == 0)
        let file = try SafeTensorsFile.read(path: dir + "/ntm.safetensors")
        let config = try #require(file.metadata["config"])
        #expect(config.contains(#""controller":"feedforward""#), "\(config)")
        #expect(try Self.json(dir + "/config.json")["ntm"]?["controller"]?.stringValue == "feedforward")
        let (model, modelConfig) = try Checkpoint.loadModel(path: dir + "/ntm.safetensors")
        #expect(model is GraphModel && model.kind == "ntm" && modelConfig.controller == .feedforward)
        #expect(model.parameters.first?.name == "controller.layers.0.weight")
        let report = try String(contentsOfFile: dir + "/report.md", encoding: .utf8)
        #expect(report.contains("ntm with a 1 x 12 feedforward controller"), "\(report)")
        #expect(NTMCLI.run(arguments: ["eval", "--checkpoint", dir + "/ntm.safetensors", "--sequences", "4", "--json"]) == 0)
        // The run's config.json runs it again.
        #expect(NTMCLI.run(arguments: ["copy", "--preset", dir + "/config.json", "--out", dir + "/again", "--quiet"]) == 0)
        #expect(try SafeTensorsFile.read(path: dir + "/again/ntm.safetensors") == file)
    }

    @Test func withoutTheFlagNothingSaysController() throws {
        let dir = Scratch.directory("controller-default")
        #expect(NTMCLI.run(arguments: ["copy", "--models", "ntm", "--out", dir] + Self.tiny) == 0)
        #expect(try SafeTensorsFile.read(path: dir + "/ntm.safetensors").metadata["config"]?.contains("controller\"") == false)
        #expect(try String(contentsOfFile: dir + "/config.json", encoding: .utf8).contains("\"controller\"") == false)
        // `--controller lstm` is the same run, byte for byte.
        let lstm = Scratch.directory("controller-lstm")
        #expect(NTMCLI.run(arguments: ["copy", "--models", "ntm", "--controller", "lstm", "--out", lstm] + Self.tiny) == 0)
        #expect(try SafeTensorsFile.read(path: lstm + "/ntm.safetensors") == SafeTensorsFile.read(path: dir + "/ntm.safetensors"))
    }

    @Test func theSameSeedGivesTheSameNumbers() throws {
        let a = Scratch.directory("controller-same-a"), b = Scratch.directory("controller-same-b")
        let args = ["copy", "--models", "ntm", "--controller", "feedforward", "--seed", "4"] + Self.tiny
        #expect(NTMCLI.run(arguments: args + ["--out", a]) == 0)
        #expect(NTMCLI.run(arguments: args + ["--out", b]) == 0)
        #expect(try SafeTensorsFile.read(path: a + "/ntm.safetensors") == SafeTensorsFile.read(path: b + "/ntm.safetensors"))
        let ra = CLITests.removing(["wall_seconds", "command"], from: try Self.json(a + "/results.json"))
        let rb = CLITests.removing(["wall_seconds", "command"], from: try Self.json(b + "/results.json"))
        #expect(ra == rb)
        // And another seed, other numbers.
        let c = Scratch.directory("controller-same-c")
        #expect(NTMCLI.run(arguments: ["copy", "--models", "ntm", "--controller", "feedforward", "--seed", "5", "--out", c] + Self.tiny) == 0)
        #expect(try SafeTensorsFile.read(path: a + "/ntm.safetensors") != SafeTensorsFile.read(path: c + "/ntm.safetensors"))
    }

    /// Every model of the run that has a controller takes it: the ntm and ntm-ops here; the baselines are left alone.
    @Test func itSetsEveryModelThatHasAController() throws {
        let dir = Scratch.directory("controller-all")
        #expect(NTMCLI.run(arguments: ["copy", "--models", "ntm,ntm-ops,lstm", "--controller", "feedforward", "--out", dir]
                           + Self.tiny) == 0)
        let config = try Self.json(dir + "/config.json")
        #expect(config["ntm"]?["controller"]?.stringValue == "feedforward")
        #expect(config["ntm-ops"]?["controller"]?.stringValue == "feedforward")
        #expect(config["lstm"]?["controller"] == nil)
        let (ops, _) = try Checkpoint.loadModel(path: dir + "/ntm-ops.safetensors")
        #expect(ops.kind == "ntm-ops" && ops.parameters.first?.name == "controller.layers.0.weight")
    }

    /// `train` takes it too; a run stopped and resumed from its training checkpoints rebuilds the feedforward
    /// NTM and ends with the uninterrupted run's weights.
    @Test func anInterruptedTrainRunResumesToTheSameWeights() throws {
        let a = Scratch.directory("controller-train-a"), b = Scratch.directory("controller-train-b")
        let args = ["train", "--model", "ntm", "--controller", "feedforward", "--length", "3", "--sequences", "12", "--batch", "2",
                    "--threads", "1", "--controller-size", "12", "--memory-rows", "8", "--memory-width", "4",
                    "--eval-sequences", "5", "--quiet"]
        #expect(ReliabilityTests.run(args + ["--out", a]) == 0)
        #expect(ReliabilityTests.run(args + ["--out", b, "--checkpoint-every", "2"], stopAfter: 3) == 130)
        #expect(ReliabilityTests.run(args + ["--out", b, "--resume"]) == 0)
        let fa = try SafeTensorsFile.read(path: a + "/ntm.safetensors")
        #expect(fa.metadata["config"]?.contains(#""controller":"feedforward""#) == true)
        #expect(fa == (try SafeTensorsFile.read(path: b + "/ntm.safetensors")))
    }

    static let badUses: [(args: [String], message: String)] = [
        (["copy", "--controller", "gru"], "--controller must be one of lstm, feedforward, got 'gru'"),
        (["copy", "--models", "lstm", "--controller", "feedforward"],
         "--controller applies to models with a controller (ntm, ntm-ops, memory models), not to lstm"),
        (["train", "--model", "gru", "--controller", "feedforward"],
         "--controller applies to models with a controller (ntm, ntm-ops, memory models), not to gru"),
        (["trace", "--model", "ntm", "--controller", "feedforward", "--checkpoint", "x.safetensors"],
         "--controller cannot be combined with --checkpoint: the checkpoint fixes the model"),
    ]

    @Test(arguments: 0..<badUses.count)
    func aBadUseIsAOneLineUsageError(index: Int) {
        let (args, message) = Self.badUses[index]
        let out = ["--out", Scratch.directory("controller-bad")]
        #expect(NTMCLI.run(arguments: args + out) == 2, "\(args)")
        let error = #expect(throws: NTMError.self) { _ = try NTMCLI.dispatch(args + out) }
        #expect(error?.kind == .usage && error?.message == message && error?.message.contains("\n") == false,
                "\(error?.message ?? "no error")")
    }

    @Test func helpNamesTheFlag() throws {
        for command in ["copy", "train", "priority-sort"] {
            let specs = command == "train" ? TrainCommand.specs : try #require(TaskCommand.named(command)).specs
            #expect(specs.contains { $0.name == "controller" && $0.help.contains("feedforward") }, "\(command)")
        }
    }
}
