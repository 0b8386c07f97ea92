// The task commands, `copy`, `repeat-copy`, `associative-recall`, `ngrams` and `priority-sort`: train
// and evaluate the compared models on one task (over one seed or several) and write the report.
import Foundation
import NTMCore
import NTMModels
import NTMReport
import NTMTasks
import NTMTraining

/// One task command: its task, its built-in preset and what its length flags mean.
struct TaskCommand: Sendable {
    let task: TaskConfig.Kind
    let summary: String
    /// `--length`: value name and meaning (the help adds the preset's value).
    let lengthFlag: (value: String, help: String)
    /// `--min-length`, absent for tasks with one length.
    let minLengthFlag: (value: String, help: String)?
    /// `--eval-lengths`: value name and meaning.
    let evalFlag: (value: String, help: String)

    var name: String { task.rawValue }

    /// The command's default experiment (the preset file of the same name in tasks/).
    var builtIn: ExperimentConfig { BuiltInPresets.preset(task) }

    static let copy = TaskCommand(
        task: .copy, summary: "train and compare NTM, LSTM and GRU on the copy task, then write a report",
        lengthFlag: ("L", "longest training sequence"), minLengthFlag: ("L", "shortest training sequence"),
        evalFlag: ("L,L,...", "evaluation lengths"))

    static let all: [TaskCommand] = [
        copy,
        TaskCommand(
            task: .repeatCopy, summary: "train and compare the models on repeat copy (paper § 4.2), then write a report",
            lengthFlag: ("L", "longest training sequence, in vectors; the repeat counts keep the preset's range"),
            minLengthFlag: ("L", "shortest training sequence"),
            evalFlag: ("LxR,...", "evaluation points, length x repeats")),
        TaskCommand(
            task: .associativeRecall, summary: "train and compare the models on associative recall (§ 4.3), then write a report",
            lengthFlag: ("N", "most items per training sequence"), minLengthFlag: ("N", "fewest items per training sequence"),
            evalFlag: ("N,N,...", "evaluation item counts")),
        TaskCommand(
            task: .ngrams, summary: "train and compare the models on dynamic N-grams (§ 4.4), then write a report",
            lengthFlag: ("T", "training sequence length in bits"), minLengthFlag: nil,
            evalFlag: ("T,T,...", "evaluation sequence lengths in bits")),
        TaskCommand(
            task: .prioritySort, summary: "train and compare the models on priority sort (§ 4.5), then write a report",
            lengthFlag: ("N", "most input vectors per training sequence (the fewest becomes the smaller of its preset value and N)"),
            minLengthFlag: ("N", "fewest input vectors per training sequence"),
            evalFlag: ("N,N,...", "evaluation input counts")),
    ]

    static func named(_ name: String) -> TaskCommand? { all.first { $0.name == name } }

    // MARK: - Flags

    /// The preset, length, seed, budget, evaluation and output flags, with this task's preset values.
    var experimentFlags: [FlagSpec] {
        let p = builtIn
        let isCopy = task == .copy
        var flags = [
            FlagSpec("preset", "FILE", "experiment preset (default: the built-in \(name) preset, as tasks/\(name).json)"),
            FlagSpec("length", lengthFlag.value, "\(lengthFlag.help) (preset: \(p.task.length))"),
        ]
        if let m = minLengthFlag { flags.append(FlagSpec("min-length", m.value, "\(m.help) (preset: \(p.task.minLength))")) }
        let evalDefault = isCopy ? "the training length and twice it" : p.evaluationPoints.map(\.description).joined(separator: ",")
        flags += [
            FlagSpec("seed", "S", "training seed: initial weights and data (preset: \(p.seed))"),
            FlagSpec("sequences", "N", "training budget in sequences, for every model"),
            FlagSpec("batch", "B", "sequences per batch, for every model"),
            FlagSpec("clip-norm", "X", "clip every step's gradient to a global norm of X (0: no clipping), for every model"),
            FlagSpec("eval-sequences", "N", "evaluation sequences per \(isCopy ? "length" : "point") (preset: \(p.evalSequences))"),
            FlagSpec("eval-lengths", evalFlag.value, "\(evalFlag.help) (preset: \(evalDefault))"),
            FlagSpec("out", "DIR", "output directory"),
        ]
        return flags
    }

    var specs: [FlagSpec] {
        let p = builtIn
        let baselines = ModelKind.allCases.filter { $0 != .ntm && p.plans[$0] != nil }.map { $0.rawValue.uppercased() }
        let baselineNames = baselines.count > 1
            ? baselines.dropLast().joined(separator: ", ") + " and " + baselines.last! : baselines.joined()
        return experimentFlags + [
            FlagSpec("models", "LIST", "models to compare, comma-separated, among \(ModelKind.names) (preset: "
                     + "\(p.models.map(\.rawValue).joined(separator: ",")); a model without a section in the preset trains as "
                     + "the task's built-in preset has it, a registered model with its entry's defaults)"),
            FlagSpec("threads", "N", "threads: models trained at once, then batch shards (default: the number of cores; results do not depend on it)"),
            FlagSpec("quiet", nil, "no progress on stderr"),
        ] + RunOptions.flags + SharedFlags.modelSize + [
            FlagSpec("hidden-size", "H", "\(baselineNames) hidden size"),
            FlagSpec("baseline-layers", "L", "\(baselineNames) layers"),
            FlagSpec("seeds", "LIST|N", "train every model on every seed, one after another (1,2,3; or N for 1...N) into "
                     + "DIR/seed<S>/, and write the comparison across seeds in DIR"),
        ] + SharedFlags.curriculum + [SharedFlags.lengthAxis, SharedFlags.help]
    }

    var usage: String {
        let models = builtIn.models.map(\.rawValue).joined(separator: ",")
        let length = task == .repeatCopy ? "[--length L] [--eval-lengths 10x20,20x10]" : "[--length \(lengthFlag.value)]"
        return "\(length) [--models \(models)] [--seed S | --seeds 5] [--out DIR] [flags]"
    }

    // MARK: - Running

    func run(_ raw: [String], commandLine: String, hooks: RunHooks = RunHooks()) throws(NTMError) -> Int32 {
        let args = try Arguments(command: name, arguments: raw, specs: specs)
        if args.has("help") {
            print(Arguments.help(command: name, summary: summary,
                                 usage: task == .copy ? "[--length L] [--models ntm,lstm,gru] [--seed S] [--out DIR] [flags]" : usage,
                                 specs: specs))
            return 0
        }
        let models = try args.string("models").map { list throws(NTMError) in try ExperimentOptions.models(list) }
        let config = try ExperimentOptions.resolve(args, sizeTarget: nil, command: self, models: models)
        let threads = try args.int("threads", in: 1...256) ?? ProcessInfo.processInfo.activeProcessorCount
        let options = try RunOptions.parse(args)
        let display = ProgressDisplay(quiet: args.has("quiet"))
        if let text = args.string("seeds") {
            guard !args.has("seed") else { throw .usage("--seed and --seeds cannot be combined; give the seeds in --seeds") }
            let seeds = try SeedsRun.parse(text)
            let out = args.string("out") ?? "runs/\(config.task.name)-L\(config.task.length)-seeds\(SeedsRun.label(seeds))"
            return try SeedsRun(command: self, config: config, seeds: seeds, out: out, raw: raw, threads: threads,
                                options: options, display: display, hooks: hooks).execute()
        }
        let out = args.string("out") ?? "runs/\(config.task.name)-L\(config.task.length)-seed\(config.seed)"
        display.note(startNote(config, threads: threads))
        return try RunSession.execute(config: config, out: out, threads: threads, options: options, display: display,
                                      command: RunSession.recordedCommand(name, raw), hooks: hooks).status
    }

    /// The experiment a command line would run, and its seeds with `--seeds`, without running it: what a
    /// saved run must match to stand for the command (`notebook --from`).
    func resolvedExperiment(_ raw: [String]) throws(NTMError) -> (config: ExperimentConfig, seeds: [UInt64]?) {
        let args = try Arguments(command: name, arguments: raw, specs: specs)
        let models = try args.string("models").map { list throws(NTMError) in try ExperimentOptions.models(list) }
        let config = try ExperimentOptions.resolve(args, sizeTarget: nil, command: self, models: models)
        return (config, try args.string("seeds").map(SeedsRun.parse))
    }

    func startNote(_ config: ExperimentConfig, threads: Int) -> String {
        let range = config.task.kind == .copy ? "lengths \(config.task.minLength)-\(config.task.length)"
            : "\(config.task.lengthNoun) \(config.task.minLength)-\(config.task.length)"
        return "\(CommandLineText.program) \(name): training \(config.models.map(\.rawValue).joined(separator: ", ")) on \(range), "
            + "seed \(config.seed), \(min(threads, config.models.count)) at a time"
    }

    /// Width of a column of the summary tables: 12, or wider when a point's label needs it (`errors@10x20`).
    static func summaryColumnWidth<P>(_ points: [P]) -> Int {
        max(12, (points.map { "errors@\($0)".count }.max() ?? 0) + 2)
    }

    /// Width of the model column: 7, or wider for a registered model's longer name.
    static func nameColumnWidth(_ models: [ModelKind]) -> Int { max(7, (models.map(\.rawValue.count).max() ?? 0) + 2) }

    /// The table printed when a run finishes: bit errors at each evaluation point and the wall time.
    static func printSummary(_ report: RunReport, out: String) {
        let points = report.config.evaluationPoints
        let width = summaryColumnWidth(points), nameWidth = nameColumnWidth(report.results.map(\.kind))
        print("model".padding(toLength: nameWidth, withPad: " ", startingAt: 0) + points.map { "errors@\($0)".padding(toLength: width, withPad: " ", startingAt: 0) }.joined() + "wall")
        for r in report.results {
            let cells = points.map { p in
                Markdown.bits(r.result(at: p)?.bitErrors ?? .nan).padding(toLength: width, withPad: " ", startingAt: 0)
            }
            print(r.kind.rawValue.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + cells.joined()
                  + Markdown.duration(r.outcome.wallSeconds))
        }
        print("report: \(out)/report.md")
    }
}
