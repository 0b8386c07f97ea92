// The dynamic N-grams task: layout (inputs are the targets shifted by one step, mask from the first
// full context), the Beta(1/2, 1/2) sampler, the optimal Bayesian predictor against hand computations
// and against chance, and reproducibility.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
import NTMCore
import NTMTasks

@Suite("N-grams task")
struct NGramTaskTests {
    @Test func handMadeExample() {
        // 2-bit contexts, 6 steps, batch 1: input t = bit t-1, target t = bit t, mask from step 2.
        let task = NGramTask(contextBits: 2, sequenceLength: 6)
        var rng = RandomSource(seed: 13)
        let batch = task.makeBatch(batchSize: 1, length: nil, rng: &rng)
        let bits = batch.targets.values
        #expect(bits.count == 6 && bits.allSatisfy { $0 == 0 || $0 == 1 })
        #expect(batch.inputs.shape == [6, 1, 1] && batch.targets.shape == [6, 1, 1])
        #expect(batch.inputs.values == [0] + Array(bits[0..<5]))
        #expect(batch.mask.values == [0, 0, 1, 1, 1, 1])
        #expect(batch.length == 6)
    }

    @Test func layoutOfAFullBatch() {
        let task = NGramTask()
        #expect(task.name == "ngrams" && task.inputWidth == 1 && task.outputWidth == 1 && task.tableSize == 32)
        var rng = RandomSource(seed: 1)
        let B = 3
        let batch = task.makeBatch(batchSize: B, length: nil, rng: &rng)
        #expect(batch.steps == 200 && batch.length == 200 && batch.batchSize == B)
        for b in 0..<B {
            #expect(batch.inputs.values[b] == 0)
            for t in 1..<200 { #expect(batch.inputs.values[t * B + b] == batch.targets.values[(t - 1) * B + b]) }
        }
        #expect(batch.targets.values.allSatisfy { $0 == 0 || $0 == 1 })
        #expect(batch.mask.values == [Float](repeating: 0, count: 5) + [Float](repeating: 1, count: 195))
        #expect(task.chanceCost(of: batch) == 195)
        // A fixed length overrides the default.
        #expect(task.makeBatch(batchSize: 1, length: 40, rng: &rng).steps == 40)
    }

    @Test func arcsineSamplerMatchesBetaHalfHalf() {
        // CDF of Beta(1/2, 1/2): (2/π) asin(√x). Check it at a few points on 20 000 draws.
        var rng = RandomSource(seed: 77)
        let n = 20_000
        let draws = (0..<n).map { _ in NGramTask.arcsineDraw(rng: &rng) }
        #expect(draws.allSatisfy { $0 >= 0 && $0 <= 1 })
        for x in [0.02, 0.1, 0.3, 0.5, 0.8, 0.97] {
            let empirical = Double(draws.filter { $0 < x }.count) / Double(n)
            let exact = 2 / Double.pi * asin(x.squareRoot())
            #expect(abs(empirical - exact) < 0.015, "CDF at \(x): \(empirical) vs \(exact)")
        }
    }

    /// Two hand-made sequences with 1-bit contexts (mask from step 1):
    /// - `0 1 1 0 1`: p(b1) = 1/2 (ctx 0 unseen), p(b2) = 1/2 (ctx 1 unseen), P(1 | ctx 1) = 1.5/2 = 3/4
    ///   so p(b3 = 0) = 1/4, then P(1 | ctx 0) = 1.5/2 so p(b4 = 1) = 3/4: cost 1 + 1 + 2 + log₂(4/3).
    /// - `1 1 1 1 1`: ctx 1 every time with 0, 1, 2, 3 ones seen: p = 1/2, 3/4, 5/6, 7/8:
    ///   cost 1 + log₂(4/3) + log₂(6/5) + log₂(8/7).
    @Test func bayesianCostMatchesAHandComputation() {
        let task = NGramTask(contextBits: 1, sequenceLength: 5)
        let seqs: [[Float]] = [[0, 1, 1, 0, 1], [1, 1, 1, 1, 1]]
        let T = 5, B = 2
        var targets = [Float](repeating: 0, count: T * B), inputs = [Float](repeating: 0, count: T * B)
        for t in 0..<T {
            for b in 0..<B {
                targets[t * B + b] = seqs[b][t]
                if t > 0 { inputs[t * B + b] = seqs[b][t - 1] }
            }
        }
        let batch = Batch(inputs: Tensor(shape: [T, B, 1], values: inputs), targets: Tensor(shape: [T, B, 1], values: targets),
                          mask: Tensor(shape: [T], values: [0, 1, 1, 1, 1]), length: T)
        let p = task.bayesianProbabilityValues(for: batch)
        let expectedP: [Double] = [0.5, 0.5,   0.5, 0.5,   0.5, 0.75,   0.75, 5.0 / 6,   0.75, 7.0 / 8]
        for i in 0..<(T * B) { #expect(abs(p[i] - expectedP[i]) < 1e-12, "p[\(i)] = \(p[i])") }
        #expect(task.bayesianProbabilities(for: batch).values == expectedP.map { Float($0) })
        let cost0 = 4 + log2(4.0 / 3), cost1 = 1 + log2(4.0 / 3) + log2(6.0 / 5) + log2(8.0 / 7)
        #expect(abs(task.bayesianCost(of: batch) - (cost0 + cost1) / 2) < 1e-12)
        #expect(task.chanceCost(of: batch) == 4)
    }

    /// With 5-bit contexts, a context is only counted once it has been seen in the same sequence.
    @Test func bayesianCostWithFiveBitContexts() {
        let task = NGramTask()
        // 5 zeros, then 1 1 0 0 0 0 0 0 1: context 00000 comes back at steps 12 and 13 with counts.
        let bits: [Float] = [0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1]
        let T = bits.count
        let batch = Batch(inputs: Tensor(shape: [T, 1, 1], values: [0] + Array(bits[0..<(T - 1)])),
                          targets: Tensor(shape: [T, 1, 1], values: bits),
                          mask: Tensor(shape: [T], values: (0..<T).map { $0 >= 5 ? 1 : 0 }), length: T)
        // Contexts (most recent bit least significant) and counts by hand:
        // t=5  ctx 00000 = 0   N(0)=(0,0) p=1/2  bit 1 -> N(0)=(0,1)
        // t=6  ctx 00001 = 1   unseen     p=1/2  bit 1
        // t=7  ctx 00011 = 3   unseen     p=1/2  bit 0
        // t=8  ctx 00110 = 6   unseen     p=1/2  bit 0
        // t=9  ctx 01100 = 12  unseen     p=1/2  bit 0
        // t=10 ctx 11000 = 24  unseen     p=1/2  bit 0
        // t=11 ctx 10000 = 16  unseen     p=1/2  bit 0
        // t=12 ctx 00000 = 0   (0,1): p = 1.5/2 = 3/4, bit 0 -> cost log₂ 4 = 2, N(0)=(1,1)
        // t=13 ctx 00000 = 0   (1,1): p = 1.5/3 = 1/2, bit 1 -> cost 1
        let p = task.bayesianProbabilityValues(for: batch)
        #expect(p == [Double](repeating: 0.5, count: 12) + [0.75, 0.5])
        #expect(abs(task.bayesianCost(of: batch) - (7 + 2 + 1)) < 1e-12)
    }

    @Test func bayesianPredictorBeatsChance() {
        let task = NGramTask()
        var rng = RandomSource(seed: 2024)
        let batch = task.makeBatch(batchSize: 40, length: nil, rng: &rng)
        let bayes = task.bayesianCost(of: batch), chance = task.chanceCost(of: batch)
        #expect(chance == 195)
        // The tables are informative (Beta(1/2, 1/2) piles up near 0 and 1), so the optimal predictor
        // pays well under one bit per step on average.
        #expect(bayes < 0.85 * chance, "Bayesian cost \(bayes) vs chance \(chance)")
        #expect(bayes > 0.4 * chance, "Bayesian cost \(bayes) suspiciously low")
    }

    @Test func reproducibleFromSeed() {
        let task = NGramTask()
        var a = RandomSource(seed: 5), b = RandomSource(seed: 5), c = RandomSource(seed: 6)
        let batchA = task.makeBatch(batchSize: 2, length: nil, rng: &a)
        #expect(batchA == task.makeBatch(batchSize: 2, length: nil, rng: &b))
        #expect(batchA != task.makeBatch(batchSize: 2, length: nil, rng: &c))
    }
}
