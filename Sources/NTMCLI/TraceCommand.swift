// `ntm-bench trace`: one seeded copy batch through a model, written in the spec's trace format
// together with the weights that made it.
import Foundation
import NTMCore
import NTMModels
import NTMTasks
import NTMTraining

enum TraceCommand {
    static var specs: [FlagSpec] {
        [
            FlagSpec("model", "KIND", "\(ModelKind.names) (default: the checkpoint's model, or ntm; must match --checkpoint when given)"),
            FlagSpec("length", "L", "copy sequence length of the batch (default: 4)"),
            FlagSpec("batch", "B", "sequences in the batch (default: 2)"),
            FlagSpec("seed", "S", "seed of the batch and, without --checkpoint, of the weights (default: 1)"),
            FlagSpec("checkpoint", "FILE", "weights to trace (default: a fresh seeded initialisation)"),
            FlagSpec("preset", "FILE", "preset whose model sizes to use (default: the built-in copy preset)"),
            FlagSpec("out", "DIR", "output directory (required): checkpoint.safetensors and trace.safetensors"),
        ] + SharedFlags.modelSize + [SharedFlags.help]
    }

    static let summary = "record one forward and backward pass of a model on a seeded copy batch"

    static func run(_ raw: [String]) throws(NTMError) -> Int32 {
        let args = try Arguments(command: "trace", arguments: raw, specs: specs)
        if args.has("help") {
            print(Arguments.help(command: "trace", summary: summary,
                                 usage: "--model \(ModelKind.allCases.map(\.rawValue).joined(separator: "|")) --length L --batch B --seed S [--checkpoint FILE] --out DIR", specs: specs))
            return 0
        }
        guard let out = args.string("out") else { throw .usage("trace: --out DIR is required") }
        // With a checkpoint the file names its model; --model, when given, must agree with it.
        let named = try args.string("model").map(TrainCommand.modelKind)
        let kind = named ?? .ntm
        let length = try args.int("length", in: 1...10_000) ?? 4
        let batchSize = try args.int("batch", in: 1...4096) ?? 2
        let seed = UInt64(try args.int("seed", in: 0...Int(Int32.max)) ?? 1)
        let model: any SequenceModel
        let modelConfig: ModelConfig
        if let path = args.string("checkpoint") {
            for f in SharedFlags.modelSize.map(\.name) + ["preset"] where args.has(f) {
                throw .usage("--\(f) cannot be combined with --checkpoint: the checkpoint fixes the model")
            }
            (model, modelConfig) = try Checkpoint.loadModel(path: path, expectedKind: named)
        } else {
            let config = try ExperimentOptions.resolve(args, sizeTarget: kind, models: [kind])
            modelConfig = config.plan(kind).model
            var rng = config.initRNG(for: kind)
            model = ModelFactory.make(modelConfig, rng: &rng)
        }
        guard modelConfig.inputWidth == modelConfig.outputWidth + 1 else {
            throw .runtime("the model's \(modelConfig.inputWidth) inputs and \(modelConfig.outputWidth) outputs do not fit the copy task")
        }
        let task = CopyTask(bits: modelConfig.outputWidth, minLength: length, maxLength: length)
        var dataRNG = RandomSource.derived(seed: seed, stream: "trace/copy")
        let batch = task.makeBatch(batchSize: batchSize, length: length, rng: &dataRNG)
        try OutputDirectory.prepare(out)
        let meta = ["task": "copy", "seed": "\(seed)"]
        let checkpoint = Checkpoint.file(of: model, extra: meta)
        let trace = Trace.record(model: model, inputs: batch.inputs, targets: batch.targets, mask: batch.mask, metadata: meta)
        try checkpoint.write(path: out + "/checkpoint.safetensors")
        try trace.write(path: out + "/trace.safetensors")
        print("wrote \(out)/checkpoint.safetensors and \(out)/trace.safetensors (\(modelConfig.summary); T \(batch.steps), B \(batchSize))")
        return 0
    }
}
