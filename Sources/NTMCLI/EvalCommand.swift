// `ntm-bench eval`: a checkpoint on any task's evaluation set, at the preset's points or chosen ones.
import Foundation
import NTMCore
import NTMModels
import NTMReport
import NTMTasks
import NTMTraining

@_spi(Testing) public enum EvalCommand {
    static let specs: [FlagSpec] = [
        FlagSpec("checkpoint", "FILE", "a checkpoint written by train, a task command or trace (required)"),
        FlagSpec("task", "NAME", "copy, repeat-copy, associative-recall, ngrams or priority-sort (default: copy, or the preset's)"),
        FlagSpec("preset", "FILE", "the task and evaluation settings: a preset, or a run's config.json (default: the task's built-in preset)"),
        FlagSpec("eval-lengths", "L,...", "points to evaluate: lengths, item counts or input counts (LxR for repeat copy; default: the preset's)"),
        FlagSpec("length", "L,...", "the same as --eval-lengths"),
        FlagSpec("training-distribution", nil, "also evaluate on sequences drawn from the task's training distribution (all lengths, repeats or items)"),
        FlagSpec("sequences", "N", "sequences per point (default: the preset's, 200)"),
        FlagSpec("eval-seed", "S", "seed of the evaluation set (default: the preset's, 1000)"),
        FlagSpec("memory-figure", "FILE", "draw the first evaluation sequence at the farthest point through the model into FILE (SVG): "
                 + "inputs, targets, outputs and every head's weighting (models with memory, such as the NTM)"),
        FlagSpec("json", nil, "print JSON instead of a table"),
        SharedFlags.help,
    ]

    static let summary = "evaluate a checkpoint on a task's evaluation set: cost and bit errors per sequence"

    static func run(_ raw: [String]) throws(NTMError) -> Int32 {
        let args = try Arguments(command: "eval", arguments: raw, specs: specs)
        if args.has("help") {
            print(Arguments.help(command: "eval", summary: summary,
                                 usage: "--checkpoint FILE [--task NAME | --preset FILE] [--eval-lengths L,...] [flags]", specs: specs))
            return 0
        }
        guard let path = args.string("checkpoint") else { throw .usage("eval: --checkpoint FILE is required") }
        let (config, modelConfig, parameterCount, results, optimal, training) = try evaluate(checkpoint: path, args)
        if args.has("json") {
            let json = JSONValue.object([
                .init(key: "checkpoint", value: .string(path)),
                .init(key: "model", value: .string(modelConfig.kind.rawValue)),
                .init(key: "task", value: .string(config.task.name)),
                .init(key: "eval", value: .array(results.map { e in
                    var members: [JSONMember] = [.init(key: "length", value: .number(Double(e.length)))]
                    if let r = e.repeats { members.append(.init(key: "repeats", value: .number(Double(r)))) }
                    members += [.init(key: "sequences", value: .number(Double(e.sequences))),
                                .init(key: "cost_bits", value: .number(e.costBits)),
                                .init(key: "bit_errors", value: .number(e.bitErrors))]
                    if let c = optimal?[e.point] { members.append(.init(key: "optimal_cost_bits", value: .number(c))) }
                    return .object(members)
                })),
            ] + (training.map { t in
                [.init(key: "training_distribution", value: .object([
                    .init(key: "sequences", value: .number(Double(config.evalSequences))),
                    .init(key: "cost_bits", value: .number(t.costBits)),
                    .init(key: "bit_errors", value: .number(t.bitErrors))]))]
            } ?? []))
            print(json.serialized(pretty: true))
        } else {
            print("\(modelConfig.summary), \(parameterCount) parameters, on \(config.task.name)")
            let pointHeader = config.task.kind == .repeatCopy ? "length x repeats" : String(config.task.lengthNoun.dropLast())
            var header = [pointHeader, "cost (bits/seq)", "bit errors/seq"]
            if optimal != nil { header.append("optimal cost (bits/seq)") }
            var rows = results.map { e -> [String] in
                var row = [e.point.description, Markdown.bits(e.costBits), Markdown.bits(e.bitErrors)]
                if let c = optimal?[e.point] { row.append(Markdown.bits(c)) }
                return row
            }
            if let t = training {
                rows.append(["training distribution", Markdown.bits(t.costBits), Markdown.bits(t.bitErrors)]
                            + (optimal != nil ? [""] : []))
            }
            print(Markdown.table(header: header, rows: rows, alignRight: Set(header.indices)))
        }
        return 0
    }

    /// Evaluates the checkpoint at `path` as the eval flags in `raw` say (for tests: what `eval` prints).
    @_spi(Testing) public static func evaluate(checkpoint path: String, arguments raw: [String]) throws(NTMError)
        -> (config: ExperimentConfig, results: [EvaluationResult], optimal: [TaskPoint: Double]?,
            training: (costBits: Double, bitErrors: Double)?) {
        let args = try Arguments(command: "eval", arguments: raw, specs: specs)
        let r = try evaluate(checkpoint: path, args)
        return (r.config, r.results, r.optimal, r.training)
    }

    static func evaluate(checkpoint path: String, _ args: Arguments) throws(NTMError)
        -> (config: ExperimentConfig, model: ModelConfig, parameterCount: Int, results: [EvaluationResult],
            optimal: [TaskPoint: Double]?, training: (costBits: Double, bitErrors: Double)?) {
        let config = try evaluationConfig(args)
        let (model, modelConfig) = try Checkpoint.loadModel(path: path)
        let task = config.task.make()
        guard modelConfig.inputWidth == task.inputWidth && modelConfig.outputWidth == task.outputWidth else {
            throw .runtime("\(path): a \(modelConfig.inputWidth)-input, \(modelConfig.outputWidth)-output model does not fit "
                           + "\(config.task.name) as configured (\(task.inputWidth) inputs, \(task.outputWidth) outputs); "
                           + "pass the --task or --preset it was trained on")
        }
        if let figure = args.string("memory-figure") {
            let point = config.evaluationPoints.last!
            let example = RecordedExample.record(model: model, task: task, point: point, evalSeed: config.evalSeed)
            guard !example.recorded.isEmpty else {
                throw .usage("--memory-figure: the \(modelConfig.kind.rawValue) in \(path) has no memory to draw; "
                             + "give the checkpoint of a model with memory, such as the NTM")
            }
            let name = path.split(separator: "/").last.map(String.init) ?? path
            try AtomicFile.write(MemoryFigure.svg(example, title: "\(modelConfig.kind.rawValue) (\(name)): one sequence "
                                                  + "\(config.task.phrase(point)), evaluation seed \(config.evalSeed)"),
                                 to: figure)
        }
        let results = Evaluation.evaluate(model: model, task: task, points: config.evaluationPoints,
                                          sequences: config.evalSequences, evalSeed: config.evalSeed)
        let training = args.has("training-distribution")
            ? Evaluation.evaluateTrainingDistribution(model: model, task: task, sequences: config.evalSequences,
                                                      evalSeed: config.evalSeed)
            : nil
        return (config, modelConfig, model.parameterCount, results, config.optimalCosts(), training)
    }

    /// The task and evaluation settings: `--preset` (a preset or a run's config.json), else the built-in
    /// preset of `--task`, with `--eval-lengths`, `--sequences` and `--eval-seed` applied.
    static func evaluationConfig(_ args: Arguments) throws(NTMError) -> ExperimentConfig {
        var config: ExperimentConfig
        if let file = args.string("preset") {
            config = try ExperimentOptions.readPreset(file)
            if let name = args.string("task"), name != config.task.name {
                throw .usage("--task \(name) contradicts --preset \(file), which is a \(config.task.name) preset")
            }
        } else {
            let name = args.string("task") ?? "copy"
            guard let command = TaskCommand.named(name) else {
                throw .usage("--task must be one of \(TaskCommand.all.map(\.name).joined(separator: ", ")), got '\(name)'")
            }
            config = command.builtIn
        }
        if args.has("length") && args.has("eval-lengths") { throw .usage("eval: give --eval-lengths or --length, not both") }
        if let text = args.string("eval-lengths") ?? args.string("length") {
            // Points as given, not as multiples of a training length.
            config.evalPoints = []
            try ExperimentOptions.applyEvalLengths(text, to: &config)
        }
        if let n = try args.int("sequences", in: 1...1_000_000) { config.evalSequences = n }
        if let s = try args.int("eval-seed", in: 0...Int(Int32.max)) { config.evalSeed = UInt64(s) }
        return config
    }
}
