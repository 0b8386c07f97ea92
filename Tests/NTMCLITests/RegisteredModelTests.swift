// A model of one's own (`SlotRNN`, registered as `slot-rnn`) through everything a built-in model goes
// through: the registry's checks, preset sections and their errors, `copy`, `train`, `--seeds`, curricula,
// resume after interruption, reports with its memory figure, `eval`, `trace`, `perf` and checkpoints.
import Foundation
import Testing
@_spi(Testing) import NTMCLI
@_spi(Testing) import NTMTraining
import NTMKit

@Suite("Registered models")
struct RegisteredModelTests {
    init() { SlotRNN.registered }

    static let name = SlotRNN.name
    /// Tiny sizes for the NTM beside it; the registered model takes its entry's defaults (hiddenSize 8, slots 4).
    static let copyFlags = ["copy", "--length", "3", "--sequences", "40", "--batch", "2", "--threads", "2"] + tinySizes

    // MARK: - Registry

    @Test func registryRefusesTakenOddAndReservedNames() throws {
        #expect(ModelRegistry.names.prefix(4) == ["ntm", "lstm", "gru", "rnn"] && ModelRegistry.names.contains(Self.name))
        #expect(ModelKind(rawValue: Self.name) == SlotRNN.kind && ModelKind(rawValue: "slot-rnm") == nil)
        // Other suites may register more models (the DNC, the memory network) before or after this one runs:
        // the built-ins come first, and the registered name is listed once, wherever it falls.
        #expect(ModelKind.names.hasPrefix("ntm, lstm, gru, rnn, ") && ModelKind.names.components(separatedBy: ", ").filter { $0 == Self.name }.count == 1)
        #expect(!SlotRNN.kind.isBuiltIn && ModelKind.rnn.isBuiltIn)
        func entry(_ name: String, keys: [String] = ["size"]) -> ModelEntry {
            ModelEntry(name: name, keys: keys, decode: { _, _, _ throws(NTMError) in .object([]) },
                       make: { config, rng in SlotRNN(config: config, rng: &rng) })
        }
        let refused: [(ModelEntry, String)] = [
            (SlotRNN.entry, "the name is already registered"), (entry("ntm"), "the name is a built-in model"),
            (entry("My Model"), "lower-case letters"), (entry("9lives"), "starting with a letter"),
            (entry("task"), "it is a preset key"), (entry("fresh", keys: ["size", "batch"]), "may not include batch"),
            (entry("fresh", keys: ["inputWidth"]), "may not include inputWidth"), (entry("fresh", keys: ["a", "a"]), "listed twice"),
        ]
        for (e, text) in refused {
            let error = #expect(throws: NTMError.self) { try ModelRegistry.register(e) }
            #expect(error?.kind == .usage && error?.message.contains(text) == true && error?.message.contains("\n") == false,
                    "\(error?.message ?? "no error")")
        }
        #expect(!ModelRegistry.names.contains("fresh") && ModelRegistry.names.filter { $0 == Self.name }.count == 1)
    }

    // MARK: - Presets

    static let preset = """
        {"task": {"name": "copy", "bits": 4, "minLength": 1, "length": 3},
         "models": ["ntm", "slot-rnn"],
         "ntm": {"controllerSize": 12, "layers": 1, "memoryRows": 8, "memoryWidth": 4, "readHeads": 1, "writeHeads": 1,
                 "shiftRange": 1, "sequences": 40, "batch": 2},
         "slot-rnn": {"hiddenSize": 6, "slots": 3, "sequences": 40, "batch": 2, "why": {"slots": "three rows to draw"}},
         "evaluation": {"sequences": 5}}
        """

    static func decode(_ text: String) throws(NTMError) -> ExperimentConfig {
        try Preset.decode(Array(text.utf8), source: "mine.json")
    }

    @Test func aPresetSectionDecodesToTheCanonicalConfigAndBack() throws {
        let config = try Self.decode(Self.preset)
        #expect(config.models == [.ntm, SlotRNN.kind])
        let plan = try #require(config.plans[SlotRNN.kind])
        // Sorted, with the task's widths (copy of 4 bits: 5 inputs, 4 outputs).
        #expect(plan.model.json.serialized() == #"{"hiddenSize":6,"inputWidth":5,"outputWidth":4,"slots":3}"#)
        #expect(plan.model.int("slots") == 3 && plan.model.inputWidth == 5 && plan.model.outputWidth == 4)
        #expect(plan.training.sequences == 40 && plan.training.batch == 2)
        #expect(plan.model.summary == "slot-rnn with hiddenSize 6, slots 3")
        // One hidden layer of 6 on 5 inputs, h0, and a 4 x 6 read-out: counted by building the model once.
        #expect(plan.model.parameterCount == 6 * 5 + 6 * 6 + 6 + 6 + 6 + 4 * 6 + 4)
        // The resolved configuration writes the section without the widths, and reads back to the same experiment.
        let encoded = Preset.encode(config)
        let section = try #require(encoded[Self.name]?.objectMembers)
        #expect(section.prefix(2).map(\.key) == ["hiddenSize", "slots"] && encoded[Self.name]?["inputWidth"] == nil)
        #expect(try Self.decode(encoded.serialized()) == config)
        // The same configuration given in code, as a library user builds the model; unknown keys refused there too.
        let inCode = try ModelConfig.decode(kind: SlotRNN.kind, settings: .object([
            .init(key: "slots", value: .number(3)), .init(key: "hiddenSize", value: .number(6))]), inputWidth: 5, outputWidth: 4)
        #expect(inCode == plan.model)
        var rng = RandomSource(seed: 3)
        #expect(ModelFactory.make(inCode, rng: &rng).configJSON == plan.model.json)
        let error = #expect(throws: NTMError.self) {
            try ModelConfig.decode(kind: SlotRNN.kind, settings: .object([.init(key: "slot", value: .number(3))]), inputWidth: 5, outputWidth: 4)
        }
        #expect(error?.message == "slot-rnn: unknown key 'slot' (did you mean 'slots'?)")
    }

    @Test func aModelListedWithoutASectionTrainsWithItsEntrysDefaults() throws {
        let text = Self.preset.replacingOccurrences(
            of: #""slot-rnn": {"hiddenSize": 6, "slots": 3, "sequences": 40, "batch": 2, "why": {"slots": "three rows to draw"}},"#,
            with: "")
        let plan = try #require(try Self.decode(text).plans[SlotRNN.kind])
        #expect(plan.model.json.serialized() == #"{"hiddenSize":8,"inputWidth":5,"outputWidth":4,"slots":4}"#)
        #expect(plan.training.sequences == 40 && plan.training.optimizer.name == .adam && plan.training.optimizer.learningRate == 1e-2)
        // A built-in model without a section takes the task's built-in preset's, with this preset's widths.
        let builtIn = try Self.decode(text.replacingOccurrences(of: #"["ntm", "slot-rnn"]"#, with: #"["ntm", "lstm"]"#))
        var lstm = try #require(BuiltInPresets.copy.plans[.lstm])
        lstm.model = try lstm.model.resized(inputWidth: 5, outputWidth: 4)
        #expect(builtIn.plans[.lstm] == lstm)
    }

    static let badSections: [(from: String, to: String, message: String)] = [
        (#""slots": 3"#, #""slotz": 3"#, "mine.json.slot-rnn: unknown key 'slotz' (did you mean 'slots'?)"),
        (#""hiddenSize": 6"#, #""hiddenSise": 6"#, "unknown key 'hiddenSise' (did you mean 'hiddenSize'?)"),
        (#""sequences": 40, "batch": 2, "why""#, #""sequnces": 40, "batch": 2, "why""#, "unknown key 'sequnces' (did you mean 'sequences'?)"),
        (#""slots": 3"#, #""slots": 0"#, "'slots' is 0, outside the allowed 1...256"),
        (#""slots": 3"#, #""slots": "three""#, "'slots' must be an integer in 1...256"),
        (#""slots": 3"#, #""slots": 7"#, "'slots' is 7, more than 'hiddenSize' 6; give at most hiddenSize slots"),
        (#""why": {"slots": "three rows to draw"}"#, #""why": {"slots": 3}"#, "'slots' must be a string explaining the choice"),
        (#"["ntm", "slot-rnn"]"#, #"["ntm", "slot-rnm"]"#, "unknown model \"slot-rnm\" in 'models' (expected one of: ntm, lstm, gru, rnn, ntm-ops, "),
        (#""slot-rnn": {"#, #""slot-rnm": {"#, "unknown key 'slot-rnm' (did you mean 'slot-rnn'?)"),
        // The run's files given to a binary that does not register the model: its section is not taken for a misspelt key.
        (#"slot-rnn"#, #"slot-rnm"#, "unknown model \"slot-rnm\" in 'models' (expected one of:"),
    ]

    @Test(arguments: 0..<badSections.count)
    func aBadSectionIsAOneLineUsageError(index: Int) throws {
        let (from, to, message) = Self.badSections[index]
        #expect(Self.preset.contains(from))
        let error = #expect(throws: NTMError.self) { try Self.decode(Self.preset.replacingOccurrences(of: from, with: to)) }
        #expect(error?.kind == .usage && error?.message.contains(message) == true && error?.message.contains("\n") == false,
                "\(error?.message ?? "no error")")
        // The command line says the same on one line with exit status 2.
        let path = Scratch.directory("bad-section") + "/mine.json"
        try AtomicFile.write(Self.preset.replacingOccurrences(of: from, with: to), to: path)
        #expect(NTMCLI.run(arguments: ["copy", "--preset", path, "--out", Scratch.directory("bad-section-out"), "--quiet"]) == 2)
    }

    // MARK: - Commands

    /// `copy --models ntm,slot-rnn`: the report has its rows and its memory figure, its checkpoint loads by
    /// its `model` metadata, `eval` reproduces its numbers, `train --model` makes the same checkpoint from the
    /// same seed, and `trace` records it.
    @Test func copyTrainEvalAndTraceARegisteredModel() throws {
        let dir = Scratch.directory("registered-copy")
        #expect(NTMCLI.run(arguments: Self.copyFlags + ["--models", "ntm,\(Self.name)", "--out", dir]) == 0)
        try RunFiles.expectEveryFileParses(dir)
        for f in ["slot-rnn.safetensors", "memory-slot-rnn.svg", "memory-ntm.svg", "train-state/slot-rnn.safetensors"] {
            #expect(FileManager.default.fileExists(atPath: dir + "/" + f), "\(f) missing")
        }
        let results = try RunFiles.json(dir + "/results.json")
        let models = try #require(results["models"]?.arrayValue)
        #expect(models.map { $0["model"]?.stringValue } == ["ntm", Self.name])
        let mine = models[1]
        #expect(mine["finished"]?.boolValue == true && mine["sequences"]?.intValue == 40)
        #expect(mine["config"]?.serialized() == #"{"hiddenSize":8,"inputWidth":9,"outputWidth":8,"slots":4}"#)
        #expect(mine["eval"]?.arrayValue?.map { $0["length"]?.intValue } == [3, 6])
        let report = try String(contentsOfFile: dir + "/report.md", encoding: .utf8)
        for text in ["| slot-rnn | 232 | 40 |", "- **slot-rnn**: slot-rnn with hiddenSize 8, slots 4; 40 sequences in batches of 2 (1 shard), Adam",
                     "The SLOT-RNN on the first evaluation sequence", "drawn in `memory-slot-rnn.svg`", "| `slots.0` |",
                     "`memory-slot-rnn.svg`, ", "`slot-rnn.safetensors`"] {
            #expect(report.contains(text), "report.md lacks '\(text)'")
        }
        let figure = try String(contentsOfFile: dir + "/memory-slot-rnn.svg", encoding: .utf8)
        #expect(figure.hasPrefix("<svg") && figure.contains("slots.0") && figure.contains("slot-rnn: one sequence"))
        // The resolved configuration has the model's section, which a later run can be made from.
        let resolved = try RunFiles.json(dir + "/config.json")
        #expect(resolved[Self.name]?["slots"]?.intValue == 4 && resolved[Self.name]?["sequences"]?.intValue == 40)

        // The checkpoint names its model and builds it again through the registry.
        let (model, config) = try Checkpoint.loadModel(path: dir + "/slot-rnn.safetensors")
        #expect(model is SlotRNN && model.kind == Self.name && config.kind == SlotRNN.kind && config.int("hiddenSize") == 8)
        #expect(throws: NTMError.self) { try Checkpoint.loadModel(path: dir + "/slot-rnn.safetensors", expectedKind: .ntm) }
        let evaluated = try EvalCommand.evaluate(checkpoint: dir + "/slot-rnn.safetensors", arguments: ["--preset", dir + "/config.json"])
        #expect(evaluated.results.map(\.bitErrors) == mine["eval"]?.arrayValue?.map { $0["bit_errors"]?.doubleValue })
        #expect(evaluated.results.map(\.costBits) == mine["eval"]?.arrayValue?.map { $0["cost_bits"]?.doubleValue })
        let drawn = Scratch.directory("registered-eval") + "/figure.svg"
        #expect(NTMCLI.run(arguments: ["eval", "--checkpoint", dir + "/slot-rnn.safetensors", "--eval-lengths", "4",
                                       "--sequences", "3", "--memory-figure", drawn]) == 0)
        #expect(try String(contentsOfFile: drawn, encoding: .utf8).contains("slots.0"))

        // `train --model` draws the same initial weights (`init/slot-rnn`) and data: the same checkpoint.
        let trained = Scratch.directory("registered-train")
        #expect(NTMCLI.run(arguments: ["train", "--model", Self.name, "--length", "3", "--sequences", "40", "--batch", "2",
                                       "--eval-sequences", "10", "--quiet", "--out", trained]) == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: trained + "/slot-rnn.safetensors"))
                == Data(contentsOf: URL(fileURLWithPath: dir + "/slot-rnn.safetensors")))
        #expect(FileManager.default.fileExists(atPath: trained + "/memory-slot-rnn.svg"))

        // `trace`, from fresh weights and from the checkpoint: every gradient and the recorded [T, B, N] tensor.
        for extra in [[], ["--checkpoint", dir + "/slot-rnn.safetensors"]] {
            let out = Scratch.directory("registered-trace")
            #expect(NTMCLI.run(arguments: ["trace", "--model", Self.name, "--length", "3", "--batch", "2", "--out", out] + extra) == 0)
            let trace = try SafeTensorsFile.read(path: out + "/trace.safetensors")
            #expect(trace.metadata["model"] == Self.name)
            #expect(trace["slots.0"]?.shape == [7, 2, 4] && trace["grad.cell.weight_ih_l0"]?.shape == [8, 9])
            let (traced, _) = try Checkpoint.loadModel(path: out + "/checkpoint.safetensors")
            #expect(traced.parameters.map(\.name) == model.parameters.map(\.name))
        }
    }

    /// Every seed's run holds the model's rows and figure; the comparison across seeds lists them.
    @Test func seedsAndCurriculaServeARegisteredModel() throws {
        let dir = Scratch.directory("registered-seeds")
        let flags = ["associative-recall", "--length", "3", "--eval-lengths", "3,4", "--models", "rnn,\(Self.name)",
                     "--sequences", "12", "--batch", "2", "--threads", "2", "--curriculum", "naive", "--curriculum-threshold",
                     "1000", "--curriculum-window", "4"] + tinySizes
        #expect(NTMCLI.run(arguments: flags + ["--seeds", "2", "--out", dir]) == 0)
        let results = try RunFiles.json(dir + "/results.json")
        #expect(results["models"]?.arrayValue?.map { $0["model"]?.stringValue } == ["rnn", Self.name])
        let report = try String(contentsOfFile: dir + "/report.md", encoding: .utf8)
        for text in ["| 1 | slot-rnn |", "| 2 | slot-rnn |", "`seed<S>/memory-slot-rnn.svg`", "| `slots.0` |"] {
            #expect(report.contains(text), "report.md lacks '\(text)'")
        }
        let seed = try RunFiles.json(dir + "/seed2/results.json")
        // 12 sequences in windows of 4 at each level from 2 items: 2, 3 (the top) reached.
        #expect(seed["models"]?.arrayValue?.map { $0["curriculum_level"]?.intValue } == [3, 3])
        #expect(FileManager.default.fileExists(atPath: dir + "/seed1/memory-slot-rnn.svg"))
    }

    /// Stopped mid-run and resumed, and resumed again after losing its last checkpoint (as after a SIGKILL),
    /// `train --model slot-rnn` ends with the numbers and files of an uninterrupted run.
    @Test func anInterruptedRunOfARegisteredModelResumesBitForBit() throws {
        let train = ["train", "--model", Self.name, "--length", "3", "--sequences", "30", "--batch", "3", "--threads", "1",
                     "--eval-sequences", "5", "--quiet"]
        let a = Scratch.directory("registered-resume-a"), b = Scratch.directory("registered-resume-b")
        #expect(ReliabilityTests.run(train + ["--out", a]) == 0)
        #expect(ReliabilityTests.run(train + ["--out", b, "--checkpoint-every", "6"], stopAfter: 4) == 130)
        let backup = Scratch.directory("registered-resume-backup") + "/train-state"
        try FileManager.default.copyItem(atPath: b + "/train-state", toPath: backup)
        #expect(ReliabilityTests.run(train + ["--out", b, "--resume", "--checkpoint-every", "3"], stopAfter: 8) == 130)
        try FileManager.default.removeItem(atPath: b + "/train-state")
        try FileManager.default.copyItem(atPath: backup, toPath: b + "/train-state")
        #expect(ReliabilityTests.run(train + ["--out", b, "--resume"]) == 0)
        try RunFiles.expectSameRun(a, b, models: [Self.name])
        // Another size of the model is another experiment: resuming with it is refused, naming the setting.
        let path = Scratch.directory("registered-resume-preset") + "/p.json"
        var config = try Preset.decode(Array(try Data(contentsOf: URL(fileURLWithPath: a + "/config.json"))), source: "a")
        config.plans[SlotRNN.kind]!.model = try ModelConfig.decode(
            kind: SlotRNN.kind, settings: .object([.init(key: "slots", value: .number(2))]), inputWidth: 9, outputWidth: 8)
        try AtomicFile.write(Preset.encode(config).serialized(), to: path)
        #expect(ReliabilityTests.run(train + ["--out", b, "--resume", "--preset", path]) == 2)
    }

    /// A sweep names a registered model as it names a built-in one: a grid over its own keys, `*.` settings,
    /// planning (a refused value named with its grid point), `sweep run`, `status`, the merged report and the
    /// Slurm script, which runs this binary (the one that registers the model).
    @Test func aSweepGridsARegisteredModelsOwnKeys() throws {
        let dir = Scratch.directory("registered-sweep")
        let text = """
            {"tasks": ["copy"], "models": ["lstm", "\(Self.name)"], "seeds": 2,
             "grid": {"\(Self.name).slots": [2, 3]},
             "set": {"task.length": 3, "*.sequences": 12, "*.batch": 2, "evaluation.sequences": 4, "validation.every": 0,
                     "\(Self.name).hiddenSize": 6, "lstm.hiddenSize": 8, "lstm.layers": 1},
             "resources": {"cpus": 1, "memory": "1G", "time": "15:00"}}
            """
        try AtomicFile.write(text, to: dir + "/sweep.json")
        let sweep = dir + "/out"
        #expect(NTMCLI.run(arguments: ["sweep", "plan", dir + "/sweep.json", "--out", sweep]) == 0)
        let plan = try SweepPlan.load(sweep: sweep)
        // Two slot counts x two seeds, and the LSTM (which the grid leaves alone) once per seed.
        #expect(plan.runs.count == 6)
        #expect(Set(plan.runs.filter { $0.model == SlotRNN.kind }.compactMap { $0.config[Self.name]?["slots"]?.intValue }) == [2, 3])
        let run = NTMCLI.runCapturing(arguments: ["sweep", "run", sweep, "--jobs", "2", "--quiet"])
        #expect(run.status == 0 && run.output.contains("6 of 6 done"), "\(run.output)")
        let report = try String(contentsOfFile: sweep + "/report.md", encoding: .utf8)
        #expect(report.contains("\(Self.name).slots = 2") && report.contains("\(Self.name).slots = 3"), "\(report)")
        #expect(report.contains("| \(Self.name) | 2 |"), "both seeds of each point in the table")
        let slurm = NTMCLI.runCapturing(arguments: ["sweep", "slurm", sweep, "--dry-run", "--retry-failed"])
        #expect(slurm.output.contains("nothing to submit: 6 of 6 runs done"), "\(slurm.output)")
        // A value the model's own decoder refuses (more slots than hiddenSize) is refused at planning, naming the point.
        try AtomicFile.write(text.replacingOccurrences(of: "[2, 3]", with: "[2, 9]"), to: dir + "/bad.json")
        let refusal = try SweepTests.stderrOf(["sweep", "plan", dir + "/bad.json", "--out", dir + "/bad"])
        #expect(refusal.0 == 2 && !FileManager.default.fileExists(atPath: dir + "/bad/sweep.json"))
        #expect(refusal.1.hasSuffix("bad.json: copy at \(Self.name).slots=9: preset.\(Self.name): 'slots' is 9, more than 'hiddenSize' 6; "
                                    + "give at most hiddenSize slots"), "\(refusal.1)")
    }

    @Test func perfListsAndTimesARegisteredModel() throws {
        let ids = Benchmark.standardCases.map(\.id)
        #expect(ids.contains("slot-rnn-L20-B32") && ids.contains("slot-rnn-L50-B32") && ids.first == "ntm-L20-B1")
        #expect(NTMCLI.run(arguments: ["perf", "--only", "slot-rnn-L20-B32", "--seconds", "0.05", "--threads", "1", "--json"]) == 0)
    }

    /// Flags and files that do not fit a registered model: one line, exit 2 (usage) or 1 (damaged file).
    @Test func badInputAboutARegisteredModelIsACleanError() throws {
        for args in [["train", "--model", Self.name, "--layers", "2"], ["train", "--model", Self.name, "--memory-rows", "4"],
                     ["copy", "--models", "ntm,slot-rnm"], ["train", "--model", "slot_rnn"]] {
            #expect(NTMCLI.run(arguments: args + ["--out", Scratch.directory("registered-bad"), "--quiet"]) == 2, "\(args)")
        }
        // A checkpoint whose config holds an unknown key, a bad value or no widths is refused when loaded.
        let dir = Scratch.directory("registered-bad-checkpoint")
        #expect(NTMCLI.run(arguments: ["trace", "--model", Self.name, "--out", dir]) == 0)
        let good = try SafeTensorsFile.read(path: dir + "/checkpoint.safetensors")
        let configs = [#"{"hiddenSize":8,"inputWidth":9,"outputWidth":8,"slots":4,"colour":1}"#,
                       #"{"hiddenSize":8,"inputWidth":9,"outputWidth":8,"slots":40}"#, #"{"hiddenSize":8,"slots":4}"#, "[1]"]
        let messages = ["unknown key 'colour'", "'slots' is 40, more than 'hiddenSize' 8", "missing 'inputWidth'", "config is not a JSON object"]
        for (text, message) in zip(configs, messages) {
            var file = good
            file.metadata["config"] = text
            let path = dir + "/bad.safetensors"
            try file.write(path: path)
            let error = #expect(throws: NTMError.self) { try Checkpoint.loadModel(path: path) }
            #expect(error?.kind == .runtime && error?.message.contains(message) == true && error?.message.contains("\n") == false,
                    "\(error?.message ?? "no error")")
            #expect(NTMCLI.run(arguments: ["eval", "--checkpoint", path]) == 1)
        }
    }
}
