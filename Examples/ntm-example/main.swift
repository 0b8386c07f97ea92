// The README's library example, compiled by `swift build` so that it cannot rot.
// Run it with: swift run -c release ntm-example
import NTMKit

// An NTM with the paper's copy-task sizes, initialised from a seed.
let config = ModelConfig(kind: .ntm, inputWidth: 9, outputWidth: 8, controllerSize: 100, layers: 1,
                         memoryRows: 128, memoryWidth: 20, readHeads: 1, writeHeads: 1, shiftRange: 1)
var rng = RandomSource(seed: 42)
let model = ModelFactory.make(config, rng: &rng)

// Train it on copy sequences of length 1...8 with the paper's RMSProp.
let task = CopyTask(bits: 8, minLength: 1, maxLength: 8)
let settings = TrainingSettings(sequences: 6_000, batch: 1, optimizer: OptimizerConfig(name: .rmsprop, learningRate: 1e-4))
let trainer = Trainer(model: model, task: task, settings: settings,
                      dataRNG: RandomSource(seed: 7), curveEvery: 1_000)
let outcome = trainer.run()
for point in outcome.curve { print("after \(point.sequences) sequences: \(point.costBits) bits") }

// Evaluate on a held-out set at the training length and at twice it, and save a checkpoint.
for result in Evaluation.evaluate(model: model, task: task, lengths: [8, 16], sequences: 100, evalSeed: 1000) {
    print("length \(result.length): \(result.bitErrors) bit errors per sequence")
}
do {
    try Checkpoint.write(model, to: "ntm-example.safetensors")
} catch {
    print("could not save: \(error)")
}
