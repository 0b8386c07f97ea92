// The example sequence reports draw for models with memory: the first evaluation sequence, the
// model's masked outputs, every recorded weighting, and how focused each weighting is.
import Foundation
import Testing
import _NTMTestSupport
import NTMKit

@Suite("Recorded example")
struct RecordedExampleTests {
    static func model(_ kind: ModelKind, seed: UInt64 = 4) -> any SequenceModel {
        var rng = RandomSource(seed: seed)
        return ModelFactory.make(HostileFileFuzzTests.tinyExperiment.plan(kind).model, rng: &rng)
    }

    @Test func recordsTheFirstEvaluationSequenceWithEveryWeighting() {
        let config = HostileFileFuzzTests.tinyExperiment
        let task = config.task.make()
        let ntm = Self.model(.ntm)
        #expect(config.readingPoint == TaskPoint(length: 3))
        let example = RecordedExample.record(model: ntm, task: task, point: config.readingPoint, evalSeed: config.evalSeed)
        let batch = Evaluation.batch(task: task, point: config.readingPoint, first: 0, count: 1, evalSeed: config.evalSeed)
        let T = batch.steps
        #expect(example.steps == T && example.inputs.shape == [T, 5] && example.outputs.shape == [T, 4])
        #expect(example.inputs.values == batch.inputs.values && example.targets.values == batch.targets.values)
        #expect(example.mask == batch.mask)

        // Outputs are σ(logits) at the scored steps and 0 at the others.
        var logits = [Float](repeating: 0, count: T * 4)
        logits.withUnsafeMutableBufferPointer { y in
            batch.inputs.values.withUnsafeBufferPointer { ntm.forward(inputs: $0.baseAddress!, steps: T, batch: 1, logits: y.baseAddress!) }
        }
        let scored = (0..<T).filter { batch.mask.values[$0] != 0 }
        #expect(!scored.isEmpty && scored.count < T)
        for t in 0..<T {
            for j in 0..<4 {
                let expected: Float = scored.contains(t) ? 1 / (1 + exp(-logits[t * 4 + j])) : 0
                #expect(abs(example.outputs.values[t * 4 + j] - expected) < 1e-6)
            }
        }

        // One weighting per head over the memory rows, each a distribution at every step.
        #expect(example.recorded.map(\.name) == ["read_weights.0", "write_weights.0"])
        for channel in example.recorded {
            #expect(channel.tensor.shape == [T, 4])
            for t in 0..<T {
                let row = channel.tensor.values[(t * 4)..<(t * 4 + 4)]
                #expect(row.allSatisfy { $0 >= 0 } && abs(row.reduce(0, +) - 1) < 1e-5)
            }
        }
        // The same model and seed give the same example; a baseline records nothing.
        #expect(RecordedExample.record(model: ntm, task: task, point: config.readingPoint, evalSeed: config.evalSeed) == example)
        #expect(RecordedExample.record(model: Self.model(.lstm), task: task, point: config.readingPoint,
                                       evalSeed: config.evalSeed).recorded.isEmpty)
    }

    @Test func focusIsTheMeanPeakAndTheRowsHoldingIt() {
        func example(_ weights: [Float]) -> (RecordedExample, RecordedExample.Channel) {
            let channel = RecordedExample.Channel(name: "w", tensor: Tensor(shape: [3, 4], values: weights))
            let e = RecordedExample(point: TaskPoint(length: 1), inputs: Tensor(zeros: [3, 1]), targets: Tensor(zeros: [3, 1]),
                                    mask: Tensor(shape: [3], values: [0, 1, 1]), outputs: Tensor(zeros: [3, 1]), recorded: [channel])
            return (e, channel)
        }
        let (sharp, s) = example([1, 0, 0, 0, 0, 1, 0, 0, 0, 0.9, 0.1, 0])
        #expect(abs(sharp.focus(of: s).meanPeak - (2.9 / 3)) < 1e-6 && sharp.focus(of: s).peakRows == 2)
        let (flat, f) = example([Float](repeating: 0.25, count: 12))
        #expect(flat.focus(of: f).meanPeak == 0.25 && flat.focus(of: f).peakRows == 1)
        let (broken, b) = example([1, 0, 0, 0, .nan, .nan, .nan, .nan, 0, 1, 0, 0])
        #expect(broken.focus(of: b).meanPeak.isNaN && broken.focus(of: b).peakRows == 0)
    }

    @Test func reportsDrawTheExampleOfEveryModelWithMemory() throws {
        let config = HostileFileFuzzTests.tinyExperiment
        let run = Experiment.run(config, threads: 1, control: ExperimentControl())
        let ntm = try #require(run.results.first { $0.kind == .ntm })
        let example = try #require(ntm.example)
        #expect(example.point == config.readingPoint && example.recorded.count == 2)
        #expect(run.results.first { $0.kind == .lstm }?.example == nil)

        let dir = ScratchDirectory.make("recorded-example")
        let report = RunReport(config: config, results: run.results, command: "ntm-bench copy", manifest: .current(),
                               status: .finished)
        try report.write(to: dir)
        let svg = try String(contentsOfFile: "\(dir)/memory-ntm.svg", encoding: .utf8)
        #expect(svg.contains(">read_weights.0</text>") && svg.contains(">write_weights.0</text>") && svg.contains(">input</text>"))
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/memory-lstm.svg"))
        let markdown = try String(contentsOfFile: "\(dir)/report.md", encoding: .utf8)
        #expect(markdown.contains("## Memory use") && markdown.contains("`memory-ntm.svg`"))
        #expect(markdown.contains("| `write_weights.0` | "))

        // A run that stopped early draws nothing: its weights are not the trained ones.
        var stopped = run.results
        for i in stopped.indices { stopped[i].finished = false }
        let partial = RunReport(config: config, results: stopped, command: "ntm-bench copy", manifest: .current(),
                                status: .interrupted)
        #expect(!partial.markdown.contains("## Memory use") && !partial.markdown.contains("memory-ntm.svg"))
    }
}
