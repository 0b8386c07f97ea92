// `ntm-bench eval`: a checkpoint on the copy task at chosen lengths.
import Foundation
import NTMCore
import NTMModels
import NTMReport
import NTMTasks
import NTMTraining

enum EvalCommand {
    static let specs: [FlagSpec] = [
        FlagSpec("checkpoint", "FILE", "a checkpoint written by train, copy or trace (required)"),
        FlagSpec("length", "L[,L...]", "sequence lengths to evaluate (required)"),
        FlagSpec("sequences", "N", "sequences per length (default: 200)"),
        FlagSpec("eval-seed", "S", "seed of the evaluation set (default: 1000, as the presets)"),
        FlagSpec("json", nil, "print JSON instead of a table"),
        SharedFlags.help,
    ]

    static let summary = "evaluate a checkpoint on the copy task: cost and bit errors per sequence"

    static func run(_ raw: [String]) throws(NTMError) -> Int32 {
        let args = try Arguments(command: "eval", arguments: raw, specs: specs)
        if args.has("help") {
            print(Arguments.help(command: "eval", summary: summary, usage: "--checkpoint FILE --length L[,L...] [flags]", specs: specs))
            return 0
        }
        guard let path = args.string("checkpoint") else { throw .usage("eval: --checkpoint FILE is required") }
        guard let lengthText = args.string("length") else { throw .usage("eval: --length L is required") }
        var lengths: [Int] = []
        for part in lengthText.split(separator: ",", omittingEmptySubsequences: false) {
            guard let l = Int(part), (1...10_000).contains(l) else {
                throw .usage("--length must be lengths in 1...10000 separated by commas, got '\(lengthText)'")
            }
            lengths.append(l)
        }
        let sequences = try args.int("sequences", in: 1...1_000_000) ?? 200
        let evalSeed = UInt64(try args.int("eval-seed", in: 0...Int(Int32.max)) ?? 1000)
        let (model, config) = try Checkpoint.loadModel(path: path)
        guard config.inputWidth == config.outputWidth + 1 else {
            throw .runtime("\(path): a \(config.inputWidth)-input, \(config.outputWidth)-output model does not fit the copy task (it needs inputs = outputs + 1)")
        }
        let task = CopyTask(bits: config.outputWidth, minLength: 1, maxLength: lengths.max()!)
        let results = Evaluation.evaluate(model: model, task: task, lengths: lengths, sequences: sequences, evalSeed: evalSeed)
        if args.has("json") {
            let json = JSONValue.object([
                .init(key: "checkpoint", value: .string(path)),
                .init(key: "model", value: .string(config.kind.rawValue)),
                .init(key: "eval", value: .array(results.map { e in
                    .object([.init(key: "length", value: .number(Double(e.length))),
                             .init(key: "sequences", value: .number(Double(e.sequences))),
                             .init(key: "cost_bits", value: .number(e.costBits)),
                             .init(key: "bit_errors", value: .number(e.bitErrors))])
                })),
            ])
            print(json.serialized(pretty: true))
        } else {
            print("\(config.summary), \(model.parameterCount) parameters")
            print(Markdown.table(header: ["length", "cost (bits/seq)", "bit errors/seq"],
                                 rows: results.map { [String($0.length), Markdown.bits($0.costBits), Markdown.bits($0.bitErrors)] },
                                 alignRight: [0, 1, 2]))
        }
        return 0
    }
}
