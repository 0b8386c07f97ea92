// Timing one full training step (forward over a whole copy sequence, backward, RMSProp update),
// as the trainer runs it, with an analytic count of the arithmetic for GFLOP/s.
import Foundation
import NTMCore
import NTMModels
import NTMTasks

/// One configuration to time.
public struct BenchmarkCase: Sendable, Equatable {
    public var model: ModelConfig
    /// Copy sequence length: every step runs `T = 2L + 1` time steps.
    public var length: Int
    public var batch: Int

    public init(model: ModelConfig, length: Int, batch: Int) {
        self.model = model
        self.length = length
        self.batch = batch
    }

    /// A short, stable name: `ntm-L20-B1`, `lstm3x256-L50-B32`.
    public var id: String {
        let m = model.kind == .ntm || !model.kind.isBuiltIn ? model.kind.rawValue
            : "\(model.kind.rawValue)\(model.layers)x\(model.controllerSize)"
        return "\(m)-L\(length)-B\(batch)"
    }
}

/// What one case measured.
public struct BenchmarkResult: Sendable {
    public var benchmark: BenchmarkCase
    public var threads: Int
    public var repetitions: Int
    /// Median over the timed repetitions.
    public var msPerStep: Double
    public var msPerSequence: Double { msPerStep / Double(benchmark.batch) }
    public var sequencesPerSecond: Double { 1000 / msPerSequence }
    public var gflops: Double
    /// Peak resident memory of the process that ran the case, in MB.
    public var peakRSSMB: Double

    public init(benchmark: BenchmarkCase, threads: Int, repetitions: Int, msPerStep: Double, gflops: Double, peakRSSMB: Double) {
        self.benchmark = benchmark
        self.threads = threads
        self.repetitions = repetitions
        self.msPerStep = msPerStep
        self.gflops = gflops
        self.peakRSSMB = peakRSSMB
    }
}

public enum Benchmark {
    /// The NTM of the paper (controller 100, memory 128 x 20, one read and one write head, shift range 1)
    /// at lengths 20 and 50 with batches 1 and 32; the LSTM and GRU baselines at the preset's 3 x 256 and
    /// at 1 x 256, batch 32; then every registered model of one's own with its default section, at lengths
    /// 20 and 50, batch 32 (as the baselines).
    public static var standardCases: [BenchmarkCase] {
        var cases = builtInCases
        for kind in ModelKind.allCases where !kind.isBuiltIn {
            // An entry whose defaults do not decode for the copy task is left out rather than failing `perf`.
            guard let plan = try? Preset.defaultPlan(kind, task: TaskConfig(kind: .copy, bits: 8)) else { continue }
            // A model trained one sequence at a time by default (a memory, like the NTM) is timed at batch 1 too.
            let batches = plan.training.batch == 1 ? [1, 32] : [32]
            for L in [20, 50] { for B in batches { cases.append(BenchmarkCase(model: plan.model, length: L, batch: B)) } }
        }
        return cases
    }

    static var builtInCases: [BenchmarkCase] {
        let ntm = ModelConfig(kind: .ntm, inputWidth: 9, outputWidth: 8, controllerSize: 100, layers: 1,
                              memoryRows: 128, memoryWidth: 20, readHeads: 1, writeHeads: 1, shiftRange: 1)
        var cases: [BenchmarkCase] = []
        for L in [20, 50] { for B in [1, 32] { cases.append(BenchmarkCase(model: ntm, length: L, batch: B)) } }
        for kind in [ModelKind.lstm, .gru] {
            for layers in [3, 1] {
                let m = ModelConfig(kind: kind, inputWidth: 9, outputWidth: 8, controllerSize: 256, layers: layers)
                for L in [20, 50] { cases.append(BenchmarkCase(model: m, length: L, batch: 32)) }
            }
        }
        return cases
    }

    /// Multiply-adds of one forward time step of one sequence (see ``ModelConfig/forwardMultiplyAdds``).
    public static func forwardMultiplyAdds(_ c: ModelConfig) -> Double { c.forwardMultiplyAdds }

    /// Floating-point operations of one training step: 2 flops per multiply-add, three passes' worth.
    public static func trainingFlops(_ b: BenchmarkCase) -> Double {
        6 * forwardMultiplyAdds(b.model) * Double(2 * b.length + 1) * Double(b.batch)
    }

    /// Runs `b`: a warm-up, then timed steps until `minSeconds` have passed (at least `minRepetitions`),
    /// and returns the median. The batch is split into `threads` shards run on as many threads.
    public static func run(_ b: BenchmarkCase, threads: Int, minSeconds: Double = 1.5, minRepetitions: Int = 7) -> BenchmarkResult {
        var rng = RandomSource(seed: 1)
        let model = ModelFactory.make(b.model, rng: &rng)
        let shards = min(threads, b.batch)
        let step = GradientStep(model: model, shards: shards, threads: threads, makeReplica: {
            var r = RandomSource(seed: 2)
            return ModelFactory.make(b.model, rng: &r)
        })
        let state = OptimizerState(optimizer: RMSProp(learningRate: 1e-4, decay: 0.95, momentum: 0.9), parameters: model.parameters)
        var data = RandomSource(seed: 3)
        let batch = CopyTask(bits: b.model.outputWidth, minLength: b.length, maxLength: b.length)
            .makeBatch(batchSize: b.batch, length: b.length, rng: &data)
        let params = model.parameters
        func trainingStep() {
            _ = step.run(batch)
            GradientClipping.clipByGlobalNorm(params, maxNorm: 10)
            state.apply(parallelism: Parallelism(threads: threads))
        }
        let warmUpEnd = Date().addingTimeInterval(min(0.3, minSeconds / 4))
        repeat { trainingStep() } while Date() < warmUpEnd
        var times: [Double] = []
        let start = Date()
        while times.count < minRepetitions || Date().timeIntervalSince(start) < minSeconds {
            let t0 = DispatchTime.now().uptimeNanoseconds
            trainingStep()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        }
        times.sort()
        let median = times.count % 2 == 1 ? times[times.count / 2] : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
        return BenchmarkResult(benchmark: b, threads: threads, repetitions: times.count, msPerStep: median,
                               gflops: trainingFlops(b) / (median * 1e6), peakRSSMB: peakRSSMB())
    }

    /// Peak resident set size of this process so far, in MB.
    public static func peakRSSMB() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024  // kilobytes on Linux
    }
}
