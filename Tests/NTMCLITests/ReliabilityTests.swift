// Runs that survive faults, end to end in process: interrupted and resumed runs equal uninterrupted
// ones, resuming with other settings or over an unfinished run is refused, one run per --out, a NaN
// never reaches the weights, write failures and damaged checkpoints are clean errors.
import Foundation
import Testing
@_spi(Testing) import NTMCLI
@_spi(Testing) import NTMTraining
import NTMKit

enum RunFiles {
    /// A preset with validation every 8 sequences, so that keep-best runs through resumes.
    static let preset: String = {
        var config = BuiltInPresets.copy
        config.validationEvery = 8
        config.validationSequences = 3
        config.curvePoints = 7
        let path = Scratch.directory("preset") + "/preset.json"
        try! AtomicFile.write(Preset.encode(config).serialized(pretty: true), to: path)
        return path
    }()

    static func json(_ path: String) throws -> JSONValue {
        try JSONValue.parse([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
    }

    /// Every file of a run directory parses: safetensors, JSON, CSV (rectangular), the lock.
    static func expectEveryFileParses(_ dir: String) throws {
        let fm = FileManager.default
        for name in try fm.subpathsOfDirectory(atPath: dir) {
            let path = dir + "/" + name
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue else { continue }
            #expect(!name.contains(".tmp-"), "a temporary was left behind: \(name)")
            if name.hasSuffix(".safetensors") {
                _ = try SafeTensorsFile.read(path: path)
            } else if name.hasSuffix(".json") {
                _ = try json(path)
            } else if name.hasSuffix(".csv") {
                let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
                #expect(lines.allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false).count == 5 }, "\(name)")
            }
        }
    }

    /// A CSV without its last column (seconds: wall clock).
    static func withoutSeconds(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",").dropLast().joined(separator: ",") }
    }

    /// A training checkpoint's tensors and metadata without its wall-clock fields.
    static func trainingNumbers(_ path: String) throws -> SafeTensorsFile {
        var f = try SafeTensorsFile.read(path: path)
        f.metadata["seconds"] = nil
        f.metadata["checksum"] = nil
        for key in ["curve", "validation", "best"] {
            if let text = f.metadata[key] {
                f.metadata[key] = CLITests.removing(["seconds"], from: try JSONValue.parse(text)).serialized()
            }
        }
        return f
    }

    /// Asserts that two run directories hold the same numbers apart from wall-clock fields.
    static func expectSameRun(_ a: String, _ b: String, models: [String]) throws {
        let ra = CLITests.removing(["wall_seconds", "command"], from: try json(a + "/results.json"))
        let rb = CLITests.removing(["wall_seconds", "command"], from: try json(b + "/results.json"))
        #expect(ra == rb, "results.json differ")
        #expect(ra["status"]?.stringValue == "finished")
        for f in ["learning-curves.csv", "validation.csv"] {
            #expect(try withoutSeconds(a + "/" + f) == withoutSeconds(b + "/" + f), "\(f) differ")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: a + "/config.json")) == Data(contentsOf: URL(fileURLWithPath: b + "/config.json")))
        for m in models {
            #expect(try Data(contentsOf: URL(fileURLWithPath: "\(a)/\(m).safetensors"))
                    == Data(contentsOf: URL(fileURLWithPath: "\(b)/\(m).safetensors")), "\(m).safetensors differ")
            #expect(try trainingNumbers("\(a)/train-state/\(m).safetensors") == trainingNumbers("\(b)/train-state/\(m).safetensors"),
                    "train-state/\(m).safetensors differ")
        }
    }
}

@Suite("Reliability")
struct ReliabilityTests {
    static let copy = ["copy", "--length", "3", "--sequences", "40", "--batch", "2", "--threads", "2", "--preset", RunFiles.preset]
        + tinySizes

    /// Runs a command stopped after `steps` steps of every model (nil: not stopped).
    static func run(_ args: [String], stopAfter steps: Int? = nil) -> Int32 {
        let stop = StopToken()
        stop.stopAfterSteps = steps
        return NTMCLI.run(arguments: args, hooks: RunHooks(stop: stop))
    }

    @Test func interruptedAndResumedCopyEqualsUninterrupted() throws {
        let a = Scratch.directory("rel-a"), b = Scratch.directory("rel-b")
        #expect(Self.run(Self.copy + ["--out", a]) == 0)
        // Stopped after 5 steps: exit 130, a report marked interrupted, every file readable.
        #expect(Self.run(Self.copy + ["--out", b, "--checkpoint-every", "6"], stopAfter: 5) == 130)
        let interrupted = try RunFiles.json(b + "/results.json")
        #expect(interrupted["status"]?.stringValue == "interrupted")
        #expect(interrupted["models"]?.arrayValue?.allSatisfy { $0["finished"]?.boolValue == false && $0["sequences"]?.intValue == 10 } == true)
        #expect(try String(contentsOfFile: b + "/report.md", encoding: .utf8).contains("This run was interrupted"))
        try RunFiles.expectEveryFileParses(b)
        // Resumed and stopped again; then resumed, stopped, and its last checkpoints lost (as after a SIGKILL).
        #expect(Self.run(Self.copy + ["--out", b, "--resume"], stopAfter: 9) == 130)
        let backup = Scratch.directory("rel-backup") + "/train-state"
        try FileManager.default.copyItem(atPath: b + "/train-state", toPath: backup)
        #expect(Self.run(Self.copy + ["--out", b, "--resume", "--checkpoint-every", "2"], stopAfter: 16) == 130)
        try FileManager.default.removeItem(atPath: b + "/train-state")
        try FileManager.default.copyItem(atPath: backup, toPath: b + "/train-state")
        #expect(Self.run(Self.copy + ["--out", b, "--resume"]) == 0)
        try RunFiles.expectSameRun(a, b, models: ["ntm", "lstm", "gru"])
        try RunFiles.expectEveryFileParses(b)
        // The recorded command is the one that makes the run from scratch.
        let command = try RunFiles.json(b + "/results.json")["command"]?.stringValue ?? ""
        #expect(command.hasPrefix("ntm-bench copy --length 3") && !command.contains("--resume"))
        // Resuming a finished run trains nothing and changes no number.
        #expect(Self.run(Self.copy + ["--out", b, "--resume"], stopAfter: 0) == 0)
        try RunFiles.expectSameRun(a, b, models: ["ntm", "lstm", "gru"])
    }

    @Test func interruptedAndResumedTrainEqualsUninterrupted() throws {
        let train = ["train", "--model", "ntm", "--length", "3", "--sequences", "30", "--batch", "3", "--threads", "1",
                     "--preset", RunFiles.preset, "--controller-size", "10", "--memory-rows", "6", "--memory-width", "4",
                     "--eval-sequences", "5", "--quiet"]
        let a = Scratch.directory("rel-train-a"), b = Scratch.directory("rel-train-b")
        #expect(Self.run(train + ["--out", a]) == 0)
        for limit in [1, 4, 7] {
            #expect(Self.run(train + ["--out", b] + (limit == 1 ? [] : ["--resume"]), stopAfter: limit) == 130)
            try RunFiles.expectEveryFileParses(b)
        }
        #expect(Self.run(train + ["--out", b, "--resume"]) == 0)
        try RunFiles.expectSameRun(a, b, models: ["ntm"])
    }

    /// A new run in the directory of a finished one removes every file the old run wrote, so a checkpoint of
    /// a model the new run does not train cannot pass for its own; files the kit did not write stay.
    @Test func aNewRunRemovesTheFilesOfThePreviousOne() throws {
        let dir = Scratch.directory("rel-replace")
        let common = ["--length", "3", "--sequences", "6", "--batch", "3", "--threads", "1", "--preset", RunFiles.preset,
                      "--controller-size", "8", "--eval-sequences", "3", "--quiet", "--out", dir]
        #expect(Self.run(["train", "--model", "lstm", "--layers", "1"] + common) == 0)
        #expect(FileManager.default.fileExists(atPath: dir + "/lstm.safetensors"))
        try AtomicFile.write("mine\n", to: dir + "/notes.txt")
        #expect(Self.run(["train", "--model", "ntm", "--memory-rows", "6", "--memory-width", "4"] + common) == 0)
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: dir))
        #expect(!names.contains("lstm.safetensors"), "the earlier run's checkpoint was left: \(names.sorted())")
        #expect(names.isSuperset(of: ["ntm.safetensors", "memory-ntm.svg", "results.json", "report.md", "notes.txt"]))
        let models = try RunFiles.json(dir + "/results.json")["models"]?.arrayValue?.compactMap { $0["model"]?.stringValue }
        #expect(models == ["ntm"])
    }

    @Test func resumingWithOtherSettingsOrOverAnUnfinishedRunIsRefused() throws {
        let dir = Scratch.directory("rel-refuse")
        #expect(Self.run(Self.copy + ["--out", dir], stopAfter: 3) == 130)
        let before = try Data(contentsOf: URL(fileURLWithPath: dir + "/train-state/ntm.safetensors"))
        // Another budget, another size, other models: usage errors.
        #expect(Self.run(Self.copy + ["--out", dir, "--resume", "--sequences", "50"]) == 2)
        #expect(Self.run(Self.copy + ["--out", dir, "--resume", "--shift-range", "0"]) == 2)
        #expect(Self.run(Self.copy + ["--out", dir, "--resume", "--models", "ntm,lstm"]) == 2)
        // A new run over the unfinished one.
        #expect(Self.run(Self.copy + ["--out", dir]) == 2)
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/train-state/ntm.safetensors")) == before)
        // The message names the first differing setting.
        var now = BuiltInPresets.copy
        let then = Preset.encode(now)
        now.plans[.ntm]!.training.sequences = 30_000
        #expect(Experiment.firstDifference(checkpoint: then, now: Preset.encode(now))
                == "ntm.sequences is 40000 in the checkpoint but 30000 now")
        now = BuiltInPresets.copy
        now.models = [.ntm]
        #expect(Experiment.firstDifference(checkpoint: then, now: Preset.encode(now))
                == "models is [\"ntm\",\"lstm\",\"gru\"] in the checkpoint but [\"ntm\"] now")
        #expect(Experiment.firstDifference(checkpoint: then, now: then) == nil)
        // A damaged training checkpoint is a runtime error.
        try Data(before.prefix(before.count / 2)).write(to: URL(fileURLWithPath: dir + "/train-state/ntm.safetensors"))
        #expect(Self.run(Self.copy + ["--out", dir, "--resume"]) == 1)
        // A finished run may be replaced by a new one.
        let done = Scratch.directory("rel-done")
        #expect(Self.run(Self.copy + ["--out", done, "--models", "lstm"]) == 0)
        #expect(Self.run(Self.copy + ["--out", done, "--models", "gru"]) == 0)
        #expect(!FileManager.default.fileExists(atPath: done + "/train-state/lstm.safetensors"))
    }

    @Test func oneRunPerOutputDirectory() throws {
        let dir = Scratch.directory("rel-lock")
        let lock = dir + "/.lock"
        // A live holder (this process, through its own open file description): refused.
        let fd = open(lock, O_RDWR | O_CREAT, 0o644)
        #expect(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
        let text = "{\"pid\": \(getpid())}"
        _ = text.withCString { write(fd, $0, strlen($0)) }
        #expect(Self.run(Self.copy + ["--out", dir, "--models", "lstm"]) == 1)
        #expect(!FileManager.default.fileExists(atPath: dir + "/results.json"))
        close(fd)
        // A stale lock (its holder is gone): taken over; removed at the end.
        try AtomicFile.write("{\"pid\": 999999999}\n", to: lock)
        #expect(Self.run(Self.copy + ["--out", dir, "--models", "lstm"]) == 0)
        #expect(!FileManager.default.fileExists(atPath: lock))
        // Leftover temporaries of a killed writer are removed.
        try AtomicFile.write("partial", to: dir + "/.results.json.tmp-999999999-abc")
        #expect(Self.run(Self.copy + ["--out", dir, "--models", "lstm"]) == 0)
        #expect(!FileManager.default.fileExists(atPath: dir + "/.results.json.tmp-999999999-abc"))
    }

    static let trainLSTM = ["train", "--model", "lstm", "--length", "3", "--sequences", "20", "--batch", "2", "--threads", "1",
                            "--controller-size", "8", "--layers", "1", "--eval-sequences", "4", "--quiet"]

    /// Writes NaN into the first gradient entry of the first parameter at `step`.
    static func nanAt(_ step: Int) -> RunHooks {
        RunHooks(stop: StopToken(), gradientHook: { _, s, params in
            if s == step { params.first(where: \.trainable)!.grad[0] = .nan }
        })
    }

    @Test func anInjectedNaNIsSkippedCountedAndReported() throws {
        let dir = Scratch.directory("rel-nan")
        #expect(NTMCLI.run(arguments: Self.trainLSTM + ["--out", dir], hooks: Self.nanAt(3)) == 0)
        let results = try RunFiles.json(dir + "/results.json")
        #expect(results["models"]?.arrayValue?.first?["skipped_steps"]?.intValue == 1)
        #expect(try String(contentsOfFile: dir + "/report.md", encoding: .utf8).contains("1 non-finite steps skipped"))
        let (model, _) = try Checkpoint.loadModel(path: dir + "/lstm.safetensors")  // refuses non-finite values
        #expect(model.parameters.allSatisfy { $0.value.array.allSatisfy(\.isFinite) })
    }

    @Test func stopOnNonFiniteNamesTheStep() throws {
        let dir = Scratch.directory("rel-nan-stop")
        #expect(NTMCLI.run(arguments: Self.trainLSTM + ["--out", dir, "--on-nonfinite", "stop", "--checkpoint-every", "4"],
                           hooks: Self.nanAt(5)) == 1)
        let results = try RunFiles.json(dir + "/results.json")
        #expect(results["status"]?.stringValue == "failed")
        let error = results["error"]?.stringValue ?? ""
        #expect(error.contains("step 5 ") && error.contains("'lstm.weight_ih_l0'") && error.contains("at 8 sequences"), "\(error)")
        #expect(error.contains(dir + "/train-state/lstm.safetensors"))
        // The last good checkpoint is usable: resuming with skip finishes the run.
        #expect(NTMCLI.run(arguments: Self.trainLSTM + ["--out", dir, "--resume"], hooks: RunHooks(stop: StopToken())) == 0)
        #expect(try RunFiles.json(dir + "/results.json")["status"]?.stringValue == "finished")
    }

    @Test func writeFailuresAndBadFlagsAreCleanErrors() throws {
        // A checkpoint that cannot be written stops the run with a runtime error; the report says why.
        let dir = Scratch.directory("rel-unwritable")
        try FileManager.default.createDirectory(atPath: dir + "/train-state/lstm.safetensors", withIntermediateDirectories: true)
        #expect(NTMCLI.run(arguments: Self.trainLSTM + ["--out", dir], hooks: RunHooks(stop: StopToken())) == 1)
        let results = try RunFiles.json(dir + "/results.json")
        #expect(results["status"]?.stringValue == "failed")
        let error = results["error"]?.stringValue ?? ""
        #expect(error.contains("cannot write \(dir)/train-state/lstm.safetensors"), "\(error)")
        // --out that cannot be a directory.
        #expect(Self.run(Self.trainLSTM + ["--out", "/dev/null/run"]) == 1)
        // Bad flags.
        #expect(Self.run(Self.trainLSTM + ["--on-nonfinite", "ignore"]) == 2)
        #expect(Self.run(Self.trainLSTM + ["--checkpoint-every", "0"]) == 2)
        #expect(Self.run(Self.trainLSTM + ["--resume=yes"]) == 2)
    }
}
