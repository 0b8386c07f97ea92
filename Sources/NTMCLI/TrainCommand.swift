// `ntm-bench train`: one model on the copy task (or the task of --preset), with the same outputs as `copy`.
import Foundation
import NTMCore
import NTMModels
import NTMReport
import NTMTraining

enum TrainCommand {
    static var specs: [FlagSpec] {
        [FlagSpec("model", "KIND", "\(ModelKind.names) (default: ntm; a model without a section in the preset trains as the "
                  + "task's built-in preset has it, a registered model with its entry's defaults)")] + SharedFlags.experiment
        + [FlagSpec("threads", "N", "threads running the batch's shards (default: the number of cores; results do not depend on it)"),
           FlagSpec("quiet", nil, "no progress on stderr")] + RunOptions.flags + SharedFlags.modelSize + SharedFlags.curriculum
        + [SharedFlags.lengthAxis, SharedFlags.help]
    }

    static let summary = "train one model on the copy task (or the task of --preset) and write its checkpoint and report"

    static func run(_ raw: [String], commandLine: String, hooks: RunHooks = RunHooks()) throws(NTMError) -> Int32 {
        let args = try Arguments(command: "train", arguments: raw, specs: specs)
        if args.has("help") {
            print(Arguments.help(command: "train", summary: summary, usage: "--model \(ModelKind.allCases.map(\.rawValue).joined(separator: "|")) [--length L] [--out DIR] [flags]", specs: specs))
            return 0
        }
        let kind = try modelKind(args.string("model") ?? "ntm")
        let config = try ExperimentOptions.resolve(args, sizeTarget: kind, models: [kind])
        let out = args.string("out") ?? "runs/train-\(kind.rawValue)-\(config.task.name)-L\(config.task.length)-seed\(config.seed)"
        let display = ProgressDisplay(quiet: args.has("quiet"))
        let threads = try args.int("threads", in: 1...256) ?? ProcessInfo.processInfo.activeProcessorCount
        let options = try RunOptions.parse(args)
        return try RunSession.execute(config: config, out: out, threads: threads, options: options, display: display,
                                      command: RunSession.recordedCommand("train", raw), hooks: hooks).status
    }

    /// The experiment a `train` command line would run, without running it (`notebook --from`).
    static func resolvedExperiment(_ raw: [String]) throws(NTMError) -> ExperimentConfig {
        let args = try Arguments(command: "train", arguments: raw, specs: specs)
        let kind = try modelKind(args.string("model") ?? "ntm")
        return try ExperimentOptions.resolve(args, sizeTarget: kind, models: [kind])
    }

    static func modelKind(_ name: String) throws(NTMError) -> ModelKind {
        guard let k = ModelKind(rawValue: name) else {
            throw .usage("--model: unknown model '\(name)' (expected one of: \(ModelKind.names); \(ModelRegistry.unknownModelHint))")
        }
        return k
    }
}
