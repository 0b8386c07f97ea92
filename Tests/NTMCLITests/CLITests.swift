// The command line end to end, in process: exit statuses, one-line errors, output files, and
// identical results for the same command and seed.
import Foundation
import Testing
import _NTMTestSupport
@_spi(Testing) import NTMCLI
import NTMKit

enum Scratch {
    /// A fresh directory under the system's temporary directory.
    static func directory(_ name: String) -> String {
        ScratchDirectory.make("cli-\(name)")
    }
}

/// Small sizes so that a whole `copy` run takes well under a second in a debug build.
let tinySizes = ["--controller-size", "12", "--memory-rows", "8", "--memory-width", "4", "--hidden-size", "12",
                 "--baseline-layers", "1", "--eval-sequences", "10", "--quiet"]

@Suite("Command line")
struct CLITests {
    @Test func usageErrorsExitWithTwo() {
        let cases: [[String]] = [
            ["copy", "--length", "abc"], ["copy", "--length", "0"], ["copy", "--lenght", "5"], ["copy", "stray"],
            ["copy", "--models", "ntm,ntm"], ["copy", "--min-length", "30", "--length", "20"],
            ["copy", "--memory-init", "zeros"], ["copy", "--shift-range", "100"], ["copy", "--sequences", "-1"],
            ["copy", "--preset", "/nonexistent/preset.json"], ["train", "--model", "transformer"],
            ["trace", "--model", "ntm"], ["eval", "--length", "5"], ["frobnicate"], ["copy", "--seed"],
            ["train", "--model", "lstm", "--memory-rows", "8"], ["copy", "--length", "5", "--length", "6"],
            ["copy", "--memory-rows", "65536", "--memory-width", "4096"],
            ["copy", "--weighting-init", "last-row"], ["train", "--model", "gru", "--weighting-init", "first-row"],
        ]
        for args in cases {
            #expect(NTMCLI.run(arguments: args) == 2, "\(args)")
        }
    }

    /// The copy preset starts every head on row 0, and says so in the checkpoint and the resolved
    /// configuration; `--weighting-init uniform` turns it off and writes neither key, as before the option.
    @Test func weightingInitReachesTheCheckpointAndTheConfiguration() throws {
        for (flag, expected) in [([String](), "first-row"), (["--weighting-init", "uniform"], nil)] {
            let dir = Scratch.directory("weighting-init-\(expected ?? "uniform")")
            let args = ["copy", "--models", "ntm", "--length", "3", "--sequences", "4", "--out", dir] + tinySizes + flag
            #expect(NTMCLI.run(arguments: args) == 0)
            let file = try SafeTensorsFile.read(path: dir + "/ntm.safetensors")
            let config = try JSONValue.parse(Array(file.metadata["config"]!.utf8))
            #expect(config["weightingInit"]?.stringValue == expected)
            let resolved = try JSONValue.parse(Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/config.json"))))
            #expect(resolved["ntm"]?["weightingInit"]?.stringValue == expected)
            let w0 = file.tensors.first { $0.name == "write_heads.0.w0" }!
            #expect((w0.values[0] > 5) == (expected != nil))
        }
    }

    @Test func helpExitsWithZero() {
        for command in ["copy", "train", "eval", "trace"] {
            #expect(NTMCLI.run(arguments: [command, "--help"]) == 0)
        }
        #expect(NTMCLI.run(arguments: ["--help"]) == 0)
    }

    @Test func outPathThatIsAFileIsRefused() throws {
        let dir = Scratch.directory("file")
        let file = dir + "/not-a-dir"
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        #expect(NTMCLI.run(arguments: ["copy", "--out", file, "--sequences", "1"] + tinySizes) == 2)
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "x")
    }

    @Test func copyWritesEveryFileAndIsReproducible() throws {
        let a = Scratch.directory("copy-a"), b = Scratch.directory("copy-b")
        let common = ["copy", "--length", "3", "--sequences", "24", "--batch", "2", "--threads", "2"] + tinySizes
        #expect(NTMCLI.run(arguments: common + ["--out", a]) == 0)
        // The second run with one thread: numbers must not depend on the thread count.
        let single = ["copy", "--length", "3", "--sequences", "24", "--batch", "2", "--threads", "1"] + tinySizes
        #expect(NTMCLI.run(arguments: single + ["--out", b]) == 0)
        for f in ["report.md", "results.json", "learning-curves.csv", "config.json", "ntm.safetensors",
                  "lstm.safetensors", "gru.safetensors"] {
            #expect(FileManager.default.fileExists(atPath: a + "/" + f), "\(f) missing")
        }
        func stripped(_ dir: String) throws -> JSONValue {
            let json = try JSONValue.parse([UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/results.json"))))
            // The thread count is recorded (provenance) but changes no number.
            return Self.removing(["wall_seconds", "command", "threads"], from: json)
        }
        let ra = try stripped(a), rb = try stripped(b)
        #expect(ra == rb)
        let models = try #require(ra["models"]?.arrayValue)
        #expect(models.map { $0["model"]?.stringValue } == ["ntm", "lstm", "gru"])
        for m in models {
            let eval = try #require(m["eval"]?.arrayValue)
            #expect(eval.map { $0["length"]?.intValue } == [3, 6])
            #expect(eval.allSatisfy { $0["bit_errors"]?.doubleValue != nil && $0["cost_bits"]?.doubleValue != nil })
        }
        // Checkpoints are identical too, and load back as what they claim to be.
        for kind in ["ntm", "lstm", "gru"] {
            let fa = try SafeTensorsFile.read(path: "\(a)/\(kind).safetensors")
            let fb = try SafeTensorsFile.read(path: "\(b)/\(kind).safetensors")
            #expect(fa == fb)
            let (model, config) = try Checkpoint.loadModel(path: "\(a)/\(kind).safetensors")
            #expect(model.kind == kind && config.kind.rawValue == kind)
        }
        let report = try String(contentsOfFile: a + "/report.md", encoding: .utf8)
        #expect(report.contains("| model | parameters | training sequences | wall time"))
        #expect(report.contains("ntm-bench copy --length 3"))
    }

    static func removing(_ keys: Set<String>, from value: JSONValue) -> JSONValue {
        switch value {
        case .object(let members):
            return .object(members.filter { !keys.contains($0.key) }.map { JSONMember(key: $0.key, value: removing(keys, from: $0.value)) })
        case .array(let items):
            return .array(items.map { removing(keys, from: $0) })
        default:
            return value
        }
    }

    @Test func traceWritesASpecTraceThatMatchesItsCheckpoint() throws {
        let dir = Scratch.directory("trace")
        #expect(NTMCLI.run(arguments: ["trace", "--model", "ntm", "--length", "3", "--batch", "2", "--seed", "5",
                                       "--controller-size", "6", "--memory-rows", "8", "--memory-width", "4",
                                       "--read-heads", "2", "--out", dir]) == 0)
        let trace = try SafeTensorsFile.read(path: dir + "/trace.safetensors")
        let (model, _) = try Checkpoint.loadModel(path: dir + "/checkpoint.safetensors")
        #expect(trace.metadata["model"] == "ntm" && trace.metadata["format"] == "ntm-kit/1" && trace.metadata["seed"] == "5")
        #expect(trace["inputs"]?.shape == [7, 2, 9] && trace["logits"]?.shape == [7, 2, 8] && trace["mask"]?.shape == [7])
        #expect(trace["read_weights.1"]?.shape == [7, 2, 8] && trace["write_weights.0"]?.shape == [7, 2, 8])
        for p in model.parameters { #expect(trace["grad.\(p.name)"]?.shape == p.shape, "grad.\(p.name)") }
        // Replaying the trace's batch through the checkpoint reproduces its logits and loss exactly.
        let replay = Trace.record(
            model: model, inputs: Tensor(shape: trace["inputs"]!.shape, values: trace["inputs"]!.values),
            targets: Tensor(shape: trace["targets"]!.shape, values: trace["targets"]!.values),
            mask: Tensor(shape: [7], values: trace["mask"]!.values))
        #expect(replay["logits"] == trace["logits"] && replay["loss"] == trace["loss"])
        // Tracing again with the checkpoint, and the checkpoint through eval.
        let again = Scratch.directory("trace-again")
        #expect(NTMCLI.run(arguments: ["trace", "--checkpoint", dir + "/checkpoint.safetensors", "--length", "3",
                                       "--batch", "2", "--seed", "5", "--out", again]) == 0)
        #expect(try SafeTensorsFile.read(path: again + "/trace.safetensors") == trace)
        #expect(NTMCLI.run(arguments: ["eval", "--checkpoint", dir + "/checkpoint.safetensors", "--length", "2,4",
                                       "--sequences", "5"]) == 0)
        // Its memory figure at the farthest point: both read heads and the write head, over 2 x 4 + 1 steps.
        let figure = dir + "/memory.svg"
        #expect(NTMCLI.run(arguments: ["eval", "--checkpoint", dir + "/checkpoint.safetensors", "--length", "2,4",
                                       "--sequences", "5", "--memory-figure", figure]) == 0)
        let svg = try String(contentsOfFile: figure, encoding: .utf8)
        #expect(svg.contains("one sequence of length 4, evaluation seed 1000</text>"))
        #expect(["read_weights.0", "read_weights.1", "write_weights.0"].allSatisfy { svg.contains(">\($0)</text>") })
        #expect(svg.contains(">8</text>") && !svg.contains(">9</text>"))
        // Where it cannot be written, eval fails with one line and leaves nothing behind.
        #expect(NTMCLI.run(arguments: ["eval", "--checkpoint", dir + "/checkpoint.safetensors", "--length", "4",
                                       "--memory-figure", dir + "/absent/memory.svg"]) == 1)
        #expect(!FileManager.default.fileExists(atPath: dir + "/absent"))
        // A checkpoint of one kind given with another --model is refused, naming what it holds.
        #expect(NTMCLI.run(arguments: ["trace", "--model", "gru", "--checkpoint", dir + "/checkpoint.safetensors",
                                       "--out", again]) == 1)
    }

    @Test func badCheckpointsAreRuntimeErrors() throws {
        let dir = Scratch.directory("bad")
        #expect(NTMCLI.run(arguments: ["trace", "--model", "lstm", "--controller-size", "6", "--layers", "1", "--out", dir]) == 0)
        let good = try Data(contentsOf: URL(fileURLWithPath: dir + "/checkpoint.safetensors"))
        var cases: [(String, Data)] = [
            ("truncated", good.prefix(good.count / 2)),
            ("empty", Data()),
            ("text", Data("hello, world".utf8)),
        ]
        // A checkpoint whose tensors do not match its config: drop one tensor.
        var file = try SafeTensorsFile.read(path: dir + "/checkpoint.safetensors")
        file.tensors.removeLast()
        cases.append(("missing tensor", Data(file.encoded())))
        // Non-finite weights.
        var nan = try SafeTensorsFile.read(path: dir + "/checkpoint.safetensors")
        nan.tensors[0].values[0] = .nan
        cases.append(("nan", Data(nan.encoded())))
        // A config that lies about the sizes.
        var lying = try SafeTensorsFile.read(path: dir + "/checkpoint.safetensors")
        lying.metadata["config"] = "{\"hiddenSize\": 7, \"inputWidth\": 9, \"layers\": 1, \"outputWidth\": 8}"
        cases.append(("wrong config", Data(lying.encoded())))
        var wrongFormat = try SafeTensorsFile.read(path: dir + "/checkpoint.safetensors")
        wrongFormat.metadata["format"] = "pt"
        cases.append(("wrong format", Data(wrongFormat.encoded())))
        for (name, data) in cases {
            let path = dir + "/\(name).safetensors"
            try data.write(to: URL(fileURLWithPath: path))
            #expect(NTMCLI.run(arguments: ["eval", "--checkpoint", path, "--length", "3", "--sequences", "2"]) == 1, "\(name)")
            do {
                _ = try Checkpoint.loadModel(path: path)
                Issue.record("\(name) loaded")
            } catch {
                #expect(error.kind == .runtime && !error.message.contains("\n"), "\(name): \(error.message)")
            }
        }
        #expect(NTMCLI.run(arguments: ["eval", "--checkpoint", dir + "/absent.safetensors", "--length", "3"]) == 1)
        // A baseline has no memory to draw: refused before anything is written.
        let figure = dir + "/lstm-memory.svg"
        do throws(NTMError) {
            _ = try EvalCommand.evaluate(checkpoint: dir + "/checkpoint.safetensors",
                                         arguments: ["--length", "3", "--sequences", "2", "--memory-figure", figure])
            Issue.record("an LSTM memory figure was drawn")
        } catch {
            #expect(error.kind == .usage && error.message.contains("the lstm in") && !error.message.contains("\n"))
        }
        #expect(!FileManager.default.fileExists(atPath: figure))
    }
}
