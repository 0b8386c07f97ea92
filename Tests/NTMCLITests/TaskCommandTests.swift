// The task commands end to end, in process, with tiny sizes: every task writes a complete run with the
// RNN beside the other baselines, `--seeds` writes a comparison whose sub-runs equal single-seed runs,
// curricula reach the reports and refuse to resume with another curriculum, bad flags are usage errors.
import Foundation
import Testing
@_spi(Testing) import NTMCLI
@_spi(Testing) import NTMTraining
import NTMKit

@Suite("Task commands")
struct TaskCommandTests {
    static let common = ["--sequences", "8", "--batch", "2", "--threads", "2"] + tinySizes

    static let cases: [(task: String, flags: [String], points: [String])] = [
        ("repeat-copy", ["--length", "2", "--eval-lengths", "2x2,3x2"], ["2x2", "3x2"]),
        ("associative-recall", ["--length", "3", "--eval-lengths", "3,4"], ["3", "4"]),
        ("ngrams", ["--length", "12"], ["12"]),
        ("priority-sort", ["--length", "4"], ["4"]),
    ]

    @Test(arguments: 0..<cases.count)
    func everyTaskRunsEndToEnd(index: Int) throws {
        let (task, flags, points) = Self.cases[index]
        let dir = Scratch.directory(task)
        #expect(NTMCLI.run(arguments: [task] + flags + Self.common + ["--out", dir]) == 0)
        for f in ["report.md", "results.json", "learning-curves.csv", "learning-curves.svg", "validation.csv", "config.json", "ntm.safetensors",
                  "lstm.safetensors", "gru.safetensors", "rnn.safetensors"] {
            #expect(FileManager.default.fileExists(atPath: dir + "/" + f), "\(task): \(f) missing")
        }
        try RunFiles.expectEveryFileParses(dir)
        let results = try RunFiles.json(dir + "/results.json")
        #expect(results["task"]?.stringValue == task && results["status"]?.stringValue == "finished")
        let models = try #require(results["models"]?.arrayValue)
        #expect(models.map { $0["model"]?.stringValue } == ["ntm", "lstm", "gru", "rnn"])
        for m in models {
            let eval = try #require(m["eval"]?.arrayValue)
            let labels = eval.map { e in
                "\(e["length"]?.intValue ?? 0)" + (e["repeats"]?.intValue.map { "x\($0)" } ?? "")
            }
            #expect(labels == points, "\(task)")
        }
        let (rnn, _) = try Checkpoint.loadModel(path: dir + "/rnn.safetensors")
        #expect(rnn.kind == "rnn")
        let report = try String(contentsOfFile: dir + "/report.md", encoding: .utf8)
        let config = BuiltInPresets.preset(TaskConfig.Kind(rawValue: task)!)
        #expect(report.hasPrefix("# \(config.task.title) task, trained on"), "\(report.prefix(80))")
        #expect(report.contains("ntm-bench \(task) ") && report.contains("| rnn |"))
        #expect(report.contains(points.map { "bit errors @ \($0)" }.joined(separator: " | ")))
        // The resolved configuration is the preset's form of the run, and decodes again.
        let configText = try Data(contentsOf: URL(fileURLWithPath: dir + "/config.json"))
        #expect(try Preset.decode([UInt8](configText), source: "config.json").task.kind.rawValue == task)
        // `eval` on the run's checkpoint with the run's config.json gives the run's numbers exactly.
        let evaluated = try EvalCommand.evaluate(checkpoint: dir + "/ntm.safetensors", arguments: ["--preset", dir + "/config.json"])
        let ntmEval = try #require(models.first?["eval"]?.arrayValue)
        #expect(evaluated.results.map(\.point.description) == points)
        #expect(evaluated.results.map(\.bitErrors) == ntmEval.map { $0["bit_errors"]?.doubleValue })
        #expect(evaluated.results.map(\.costBits) == ntmEval.map { $0["cost_bits"]?.doubleValue })
        #expect(NTMCLI.run(arguments: ["eval", "--checkpoint", dir + "/ntm.safetensors", "--task", task, "--eval-lengths",
                                       points[0], "--sequences", "3", "--json", "--training-distribution"]) == 0)
        #expect(evaluated.training == nil)
        let withTraining = try EvalCommand.evaluate(checkpoint: dir + "/ntm.safetensors",
                                                    arguments: ["--preset", dir + "/config.json", "--training-distribution"])
        let training = try #require(withTraining.training)
        #expect(training.costBits > 0 && training.bitErrors >= 0 && training.bitErrors.isFinite)
        // A checkpoint given with another task's shape is a runtime error, a contradicting --task a usage error.
        let other = task == "ngrams" ? "copy" : "ngrams"
        #expect(NTMCLI.run(arguments: ["eval", "--checkpoint", dir + "/ntm.safetensors", "--task", other]) == 1)
        #expect(NTMCLI.run(arguments: ["eval", "--checkpoint", dir + "/ntm.safetensors", "--task", other,
                                       "--preset", dir + "/config.json"]) == 2)
        switch task {
        case "ngrams":
            let optimal = try #require(results["optimal_cost_bits"]?.arrayValue)
            #expect(evaluated.optimal?.values.first == optimal[0]["cost_bits"]?.doubleValue)
            #expect(optimal.count == 1 && (optimal[0]["cost_bits"]?.doubleValue ?? 0) > 0)
            #expect(report.contains("optimal (Bayesian) @ 12"))
        case "repeat-copy", "associative-recall":
            #expect(report.contains("## Generalisation"))
            let svg = try String(contentsOfFile: dir + "/generalisation.svg", encoding: .utf8)
            #expect(svg.hasPrefix("<svg") && svg.contains("polyline"))
        default:
            #expect(!report.contains("## Generalisation"))
        }
    }

    /// Every task takes every built-in model, copy included: the copy preset configures the RNN as the other
    /// tasks' presets do (a baseline of the LSTM's shape and training), though copy does not train it by default.
    @Test func copyTakesEveryBuiltInModel() throws {
        let dir = Scratch.directory("copy-every-model")
        #expect(NTMCLI.run(arguments: ["copy", "--models", "ntm,lstm,gru,rnn", "--length", "2"] + Self.common + ["--out", dir]) == 0)
        try RunFiles.expectEveryFileParses(dir)
        let results = try RunFiles.json(dir + "/results.json")
        let models = try #require(results["models"]?.arrayValue)
        #expect(models.map { $0["model"]?.stringValue } == ["ntm", "lstm", "gru", "rnn"])
        #expect(models.allSatisfy { $0["finished"]?.boolValue == true && $0["eval"]?.arrayValue?.count == 2 })
        let (rnn, _) = try Checkpoint.loadModel(path: dir + "/rnn.safetensors")
        #expect(rnn.kind == "rnn")
        // The RNN's section: the copy preset's training (Adam, two shards) with the size flags applied.
        let config = try RunFiles.json(dir + "/config.json")
        #expect(config["rnn"]?["hiddenSize"]?.intValue == 12 && config["rnn"]?["layers"]?.intValue == 1)
        #expect(config["rnn"]?["optimizer"]?["name"]?.stringValue == "adam" && config["rnn"]?["shards"]?.intValue == 2)
        #expect(config["rnn"]?["sequences"]?.intValue == 8 && config["rnn"]?["batch"]?.intValue == 2)
        // `train --model rnn` on copy, which the same missing section refused.
        let alone = Scratch.directory("train-rnn")
        #expect(NTMCLI.run(arguments: ["train", "--model", "rnn", "--length", "2", "--sequences", "4", "--controller-size", "12",
                                       "--layers", "1", "--eval-sequences", "4", "--quiet", "--out", alone]) == 0)
        #expect(try RunFiles.json(alone + "/results.json")["models"]?.arrayValue?.first?["model"]?.stringValue == "rnn")
    }

    @Test func helpExitsWithZero() {
        for task in TaskConfig.Kind.allCases { #expect(NTMCLI.run(arguments: [task.rawValue, "--help"]) == 0) }
    }

    @Test func badFlagsAreUsageErrors() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let copyPreset = root.appendingPathComponent("tasks/copy.json").path
        let cases: [[String]] = [
            ["repeat-copy", "--eval-lengths", "10"], ["repeat-copy", "--eval-lengths", "10x"], ["copy", "--eval-lengths", "5x2"],
            ["ngrams", "--min-length", "5"], ["associative-recall", "--length", "1"], ["ngrams", "--length", "5"],
            ["repeat-copy", "--preset", copyPreset], ["copy", "--curriculum", "fancy"], ["copy", "--curriculum-step", "2"],
            ["copy", "--curriculum", "naive", "--lookback-probability", "0.5"],
            ["copy", "--curriculum", "naive", "--curriculum-start", "30"],
            ["copy", "--curriculum", "uniform", "--curriculum-threshold", "0.5"],
            ["copy", "--seeds", "0"], ["copy", "--seeds", "1,1"], ["copy", "--seeds", "1,x"], ["copy", "--seed", "1", "--seeds", "2"],
            ["priority-sort", "--models", "ntm,transformer"],
            ["repeat-copy", "--curriculum", "lookback", "--lookback-probability", "2"],
            ["copy", "--clip-norm", "-1"], ["copy", "--clip-norm", "inf"], ["copy", "--clip-norm", "x"],
        ]
        for args in cases {
            #expect(NTMCLI.run(arguments: args + ["--out", Scratch.directory("bad")]) == 2, "\(args)")
        }
    }

    /// `--seeds 2`: each seed's run is a complete run directory, equal to running that seed alone; the
    /// comparison has per-seed rows, means and spreads; resuming the finished comparison changes nothing.
    @Test func seedsCompareRunsThatEqualSingleSeedRuns() throws {
        let flags = ["associative-recall", "--length", "3", "--eval-lengths", "3,4", "--models", "ntm,rnn"] + Self.common
        let dir = Scratch.directory("seeds")
        #expect(NTMCLI.run(arguments: flags + ["--seeds", "2", "--out", dir]) == 0)
        let single = Scratch.directory("seeds-single")
        #expect(NTMCLI.run(arguments: flags + ["--seed", "2", "--out", single]) == 0)
        try RunFiles.expectSameRun(dir + "/seed2", single, models: ["ntm", "rnn"])
        try RunFiles.expectEveryFileParses(dir + "/seed1")
        let seedCommand = try RunFiles.json(dir + "/seed2/results.json")["command"]?.stringValue ?? ""
        #expect(seedCommand.hasSuffix("--seed 2 --out \(dir)/seed2") && !seedCommand.contains("--seeds"), "\(seedCommand)")

        let results = try RunFiles.json(dir + "/results.json")
        #expect(results["seeds"]?.arrayValue?.map(\.intValue) == [1, 2] && results["status"]?.stringValue == "finished")
        let models = try #require(results["models"]?.arrayValue)
        #expect(models.map { $0["model"]?.stringValue } == ["ntm", "rnn"])
        for m in models {
            #expect(m["per_seed"]?.arrayValue?.map { $0["seed"]?.intValue } == [1, 2])
            let eval = try #require(m["eval"]?.arrayValue)
            #expect(eval.map { $0["length"]?.intValue } == [3, 4])
            let errors = try #require(eval[0]["bit_errors"])
            let perSeed = try #require(m["per_seed"]?.arrayValue).map { $0["eval"]?.arrayValue?[0]["bit_errors"]?.doubleValue ?? .nan }
            #expect(errors["seeds"]?.intValue == 2)
            #expect(abs((errors["mean"]?.doubleValue ?? 0) - (perSeed[0] + perSeed[1]) / 2) < 1e-12)
            #expect(errors["min"]?.doubleValue == perSeed.min() && errors["max"]?.doubleValue == perSeed.max())
            let sd = abs(perSeed[0] - perSeed[1]) / 2.0.squareRoot()
            #expect(abs((errors["sd"]?.doubleValue ?? 0) - sd) < 1e-12)
        }
        let report = try String(contentsOfFile: dir + "/report.md", encoding: .utf8)
        for text in ["seeds 1, 2", "## Across seeds", "## Per seed", "| 1 | ntm |", "| 2 | rnn |", " ± ", "## Learning curves",
                     "## Generalisation", "--seeds 2", "| 100 % |", "ntm cost (of 8)", "## Memory use",
                     "| seed | model | `read_weights.0` | `write_weights.0` |", "`seed<S>/memory-ntm.svg`"] {
            #expect(report.contains(text), "report.md lacks '\(text)'")
        }
        // One row of head focus per seed for the NTM, none for the RNN, which has no memory.
        let memorySection = report.components(separatedBy: "## Memory use").last?.components(separatedBy: "\n## ").first ?? ""
        let memoryRows = memorySection.split(separator: "\n").filter { $0.hasPrefix("| 1 | ") || $0.hasPrefix("| 2 | ") }
        #expect(memoryRows.count == 2 && memoryRows.allSatisfy { $0.contains(" | ntm | ") && $0.contains(") | ") }, "\(memoryRows)")
        #expect(FileManager.default.fileExists(atPath: dir + "/seed1/memory-ntm.svg") && !FileManager.default.fileExists(atPath: dir + "/seed1/memory-rnn.svg"))
        // Every model has a value in every row of the learning-curve table once its curve has points
        // (8 sequences in batches of 2: the first point is at 2, a quarter of the budget).
        let curveRows = report.split(separator: "\n").filter { $0.hasPrefix("| ") && $0.contains(" % |") }
        #expect(curveRows.count == 10 && curveRows.dropFirst(2).allSatisfy { !$0.contains("|  |") })
        let csv = try String(contentsOfFile: dir + "/learning-curves.csv", encoding: .utf8).split(separator: "\n")
        #expect(csv.first == "model,sequences,seeds,median_cost_bits,min_cost_bits,max_cost_bits" && csv.count > 2)
        #expect(FileManager.default.fileExists(atPath: dir + "/generalisation.svg"))
        // The learning-curve chart has a median line and, the seeds differing, a min–max band for each model.
        let curves = try String(contentsOfFile: dir + "/learning-curves.svg", encoding: .utf8)
        #expect(curves.components(separatedBy: "<polyline ").count - 1 == 2)
        #expect(curves.components(separatedBy: "<polygon ").count - 1 == 2)
        // Resuming the finished comparison trains nothing and gives the same numbers.
        let before = CLITests.removing(["wall_seconds"], from: results)
        #expect(NTMCLI.run(arguments: flags + ["--seeds", "2", "--out", dir, "--resume"]) == 0)
        #expect(CLITests.removing(["wall_seconds"], from: try RunFiles.json(dir + "/results.json")) == before)
    }

    /// Seeds run apart (as the tasks of a Slurm job array would, each `--seed S --out DIR/seed<S>`) merge
    /// with `--seeds N --out DIR --resume` into the comparison one `--seeds N` run writes, training nothing again.
    @Test func seedsRunApartMergeIntoOneComparison() throws {
        let flags = ["ngrams", "--length", "8", "--models", "rnn", "--sequences", "12", "--batch", "2", "--threads", "1"] + tinySizes
        let together = Scratch.directory("seeds-together"), apart = Scratch.directory("seeds-apart")
        #expect(NTMCLI.run(arguments: flags + ["--seeds", "2", "--out", together]) == 0)
        for seed in ["1", "2"] {
            #expect(NTMCLI.run(arguments: flags + ["--seed", seed, "--out", apart + "/seed" + seed]) == 0)
        }
        let checkpoint = apart + "/seed2/train-state/rnn.safetensors"
        let trained = try Data(contentsOf: URL(fileURLWithPath: checkpoint))
        let seedResults = try Data(contentsOf: URL(fileURLWithPath: apart + "/seed2/results.json"))
        #expect(NTMCLI.run(arguments: flags + ["--seeds", "2", "--out", apart, "--resume"]) == 0)
        // Not trained again: the checkpoint, and the seed's results with its wall times and command, are as they were.
        #expect(try Data(contentsOf: URL(fileURLWithPath: checkpoint)) == trained)
        #expect(try Data(contentsOf: URL(fileURLWithPath: apart + "/seed2/results.json")) == seedResults)
        for seed in ["seed1", "seed2"] { try RunFiles.expectSameRun(together + "/" + seed, apart + "/" + seed, models: ["rnn"]) }
        #expect(CLITests.removing(["wall_seconds", "command"], from: try RunFiles.json(together + "/results.json"))
                == CLITests.removing(["wall_seconds", "command"], from: try RunFiles.json(apart + "/results.json")))
    }

    /// A stop during the first seed leaves the comparison marked interrupted, and `--resume` completes it
    /// (that seed from its checkpoints, the next from scratch) with the numbers of an uninterrupted comparison.
    @Test func interruptedSeedsResume() throws {
        let flags = ["ngrams", "--length", "8", "--models", "rnn", "--sequences", "12", "--batch", "2", "--threads", "1"] + tinySizes
        let a = Scratch.directory("seeds-a"), b = Scratch.directory("seeds-b")
        #expect(NTMCLI.run(arguments: flags + ["--seeds", "3,4", "--out", a]) == 0)
        let stop = StopToken()
        stop.stopAfterSteps = 3
        #expect(NTMCLI.run(arguments: flags + ["--seeds", "3,4", "--out", b], hooks: RunHooks(stop: stop)) == 130)
        let partial = try RunFiles.json(b + "/results.json")
        #expect(partial["status"]?.stringValue == "interrupted")
        #expect(NTMCLI.run(arguments: flags + ["--seeds", "3,4", "--out", b, "--resume"]) == 0)
        for seed in ["seed3", "seed4"] { try RunFiles.expectSameRun(a + "/" + seed, b + "/" + seed, models: ["rnn"]) }
        #expect(CLITests.removing(["wall_seconds", "command"], from: try RunFiles.json(a + "/results.json"))
                == CLITests.removing(["wall_seconds", "command"], from: try RunFiles.json(b + "/results.json")))
    }

    /// `--clip-norm` replaces every model's clipping norm: the run records it, reports it (0 as no clipping),
    /// and trains other weights than a run without clipping.
    @Test func clipNormReachesEveryModel() throws {
        let flags = ["copy", "--length", "4", "--models", "ntm,lstm"] + Self.common
        let clipped = Scratch.directory("clip-norm"), unclipped = Scratch.directory("clip-norm-none")
        #expect(NTMCLI.run(arguments: flags + ["--clip-norm", "0.25", "--out", clipped]) == 0)
        #expect(NTMCLI.run(arguments: flags + ["--clip-norm", "0", "--out", unclipped]) == 0)
        let config = try RunFiles.json(clipped + "/config.json")
        for kind in ["ntm", "lstm"] {
            #expect(config[kind]?["clipNorm"]?.doubleValue == 0.25, "\(kind)")
            let a = try SafeTensorsFile.read(path: "\(clipped)/\(kind).safetensors").tensors
            let b = try SafeTensorsFile.read(path: "\(unclipped)/\(kind).safetensors").tensors
            #expect(a != b, "\(kind): clipping at 0.25 changed nothing")
        }
        let report = try String(contentsOfFile: clipped + "/report.md", encoding: .utf8)
        #expect(report.contains("gradient norm clipped at 0.25"))
        let plain = try String(contentsOfFile: unclipped + "/report.md", encoding: .utf8)
        #expect(plain.contains("gradient norm not clipped") && !plain.contains("clipped at 0.0"))
    }

    /// A curriculum run reports its level, records it in its checkpoints and refuses to resume without it.
    @Test func curriculumReachesTheReportAndGuardsResume() throws {
        let flags = ["copy", "--length", "4", "--sequences", "24", "--batch", "2", "--threads", "2", "--curriculum", "naive",
                     "--curriculum-threshold", "1000", "--curriculum-window", "4"] + tinySizes
        let dir = Scratch.directory("curriculum")
        #expect(NTMCLI.run(arguments: flags + ["--out", dir]) == 0)
        let results = try RunFiles.json(dir + "/results.json")
        #expect(results["curriculum"]?.stringValue == "naive")
        // 24 sequences in windows of 4 at the current level: 1, 2, 3, 4 (the top) reached.
        #expect(results["models"]?.arrayValue?.map { $0["curriculum_level"]?.intValue } == [4, 4, 4])
        let report = try String(contentsOfFile: dir + "/report.md", encoding: .utf8)
        #expect(report.contains("Curriculum: naive: levels 1…4") && report.contains("Level reached: ntm 4, lstm 4, gru 4."))
        #expect(try RunFiles.json(dir + "/config.json")["curriculum"]?["name"]?.stringValue == "naive")

        let stopped = Scratch.directory("curriculum-stopped")
        let stop = StopToken()
        stop.stopAfterSteps = 5
        #expect(NTMCLI.run(arguments: flags + ["--out", stopped], hooks: RunHooks(stop: stop)) == 130)
        let file = try SafeTensorsFile.read(path: stopped + "/train-state/ntm.safetensors")
        #expect(try JSONValue.parse(file.metadata["curriculum"] ?? "")["level"]?.intValue == 3)
        let plain = ["copy", "--length", "4", "--sequences", "24", "--batch", "2", "--threads", "2"] + tinySizes
        #expect(NTMCLI.run(arguments: plain + ["--out", stopped, "--resume"]) == 2)
        #expect(NTMCLI.run(arguments: flags + ["--out", stopped, "--resume"]) == 0)
        try RunFiles.expectSameRun(dir, stopped, models: ["ntm", "lstm", "gru"])
    }
}
