// `ntm-bench copy`: train and evaluate the compared models on the copy task and write the report.
import Foundation
import NTMCore
import NTMModels
import NTMReport
import NTMTraining

enum CopyCommand {
    static let specs: [FlagSpec] = SharedFlags.experiment + [
        FlagSpec("models", "LIST", "models to compare, comma-separated (preset: ntm,lstm,gru)"),
        FlagSpec("threads", "N", "threads: models trained at once, then batch shards (default: the number of cores; results do not depend on it)"),
        FlagSpec("quiet", nil, "no progress on stderr"),
    ] + RunOptions.flags + SharedFlags.modelSize + SharedFlags.baselineSize + [SharedFlags.help]

    static let summary = "train and compare NTM, LSTM and GRU on the copy task, then write a report"

    static func run(_ raw: [String], commandLine: String, hooks: RunHooks = RunHooks()) throws(NTMError) -> Int32 {
        let args = try Arguments(command: "copy", arguments: raw, specs: specs)
        if args.has("help") {
            print(Arguments.help(command: "copy", summary: summary, usage: "[--length L] [--models ntm,lstm,gru] [--seed S] [--out DIR] [flags]", specs: specs))
            return 0
        }
        var config = try ExperimentOptions.resolve(args, sizeTarget: nil)
        if let list = args.string("models") { config.models = try ExperimentOptions.models(list) }
        for k in config.models where config.plans[k] == nil {
            throw .usage("--models: the preset has no settings for \(k.rawValue)")
        }
        let threads = try args.int("threads", in: 1...256) ?? ProcessInfo.processInfo.activeProcessorCount
        let options = try RunOptions.parse(args)
        let out = args.string("out") ?? "runs/\(config.task.name)-L\(config.task.length)-seed\(config.seed)"
        let display = ProgressDisplay(quiet: args.has("quiet"))
        display.note("ntm-bench copy: training \(config.models.map(\.rawValue).joined(separator: ", ")) on lengths "
                     + "\(config.task.minLength)-\(config.task.length), seed \(config.seed), \(min(threads, config.models.count)) at a time")
        return try RunSession.execute(config: config, out: out, threads: threads, options: options, display: display,
                                      command: RunSession.recordedCommand("copy", raw), hooks: hooks)
    }

    static func printSummary(_ report: RunReport, out: String) {
        let points = report.config.evaluationPoints
        print("model  " + points.map { "errors@\($0)".padding(toLength: 12, withPad: " ", startingAt: 0) }.joined() + "wall")
        for r in report.results {
            let cells = points.map { p in
                Markdown.bits(r.result(at: p)?.bitErrors ?? .nan).padding(toLength: 12, withPad: " ", startingAt: 0)
            }
            print(r.kind.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0) + cells.joined()
                  + Markdown.duration(r.outcome.wallSeconds))
        }
        print("report: \(out)/report.md")
    }
}
