// The repeat copy task's batches: exact layout (start delimiter, count step, copies, end marker, mask),
// the count normalisation, fixed and drawn lengths and counts, and reproducibility.
import Testing
import NTMCore
import NTMTasks

@Suite("Repeat copy task")
struct RepeatCopyTaskTests {
    /// `[x]` of step `t`, sequence `b`, from a `[T, B, W]` tensor.
    private func row(_ tensor: Tensor, _ t: Int, _ b: Int) -> [Float] {
        let B = tensor.shape[1], W = tensor.shape[2]
        return Array(tensor.values[((t * B + b) * W)..<((t * B + b + 1) * W)])
    }

    @Test func handMadeExample() {
        // L = 2, R = 2, 3 bits, batch 1: T = 3·2 + 3 = 9, X = 5, Y = 4.
        let task = RepeatCopyTask(bits: 3, minLength: 1, maxLength: 4, minRepeats: 1, maxRepeats: 4)
        var rng = RandomSource(seed: 11)
        let batch = task.makeBatch(batchSize: 1, length: 2, repeats: 2, rng: &rng)
        let x1 = Array(batch.inputs.values[5..<8]), x2 = Array(batch.inputs.values[10..<13])
        // Training range 1...4: μ = 2.5, σ² = (16 - 1) / 12 = 1.25, so ρ(2) = -0.5 / √1.25 = -1/√5.
        let rho = task.encodedRepeats(2)
        #expect(abs(Double(rho) + 1 / Double(5).squareRoot()) < 1e-6)
        let zero5: [Float] = [0, 0, 0, 0, 0]
        let expectedInputs: [Float] = [0, 0, 0, 1, 0]              // 0: start delimiter
            + x1 + [0, 0] + x2 + [0, 0]                             // 1, 2: the sequence
            + [0, 0, 0, 0, rho]                                     // 3: the repeat count
            + zero5 + zero5 + zero5 + zero5 + zero5                 // 4 ... 8: output phase
        let zero4: [Float] = [0, 0, 0, 0]
        let expectedTargets: [Float] = zero4 + zero4 + zero4 + zero4
            + x1 + [0] + x2 + [0] + x1 + [0] + x2 + [0]             // 4 ... 7: two copies
            + [0, 0, 0, 1]                                          // 8: end marker
        #expect(batch.inputs.shape == [9, 1, 5])
        #expect(batch.targets.shape == [9, 1, 4])
        #expect(batch.inputs.values == expectedInputs)
        #expect(batch.targets.values == expectedTargets)
        #expect(batch.mask.values == [0, 0, 0, 0, 1, 1, 1, 1, 1])
        #expect(batch.length == 2)
        #expect(task.repeats(of: batch) == 2)
        #expect((x1 + x2).allSatisfy { $0 == 0 || $0 == 1 })
    }

    @Test(arguments: [(1, 1), (3, 2), (5, 10), (12, 15)])
    func layout(length L: Int, repeats R: Int) {
        let task = RepeatCopyTask()
        var rng = RandomSource(seed: UInt64(L * 100 + R))
        let B = 2
        let batch = task.makeBatch(batchSize: B, length: L, repeats: R, rng: &rng)
        let T = (R + 1) * L + 3
        #expect(batch.inputs.shape == [T, B, 10])
        #expect(batch.targets.shape == [T, B, 9])
        #expect(batch.steps == task.steps(length: L, repeats: R))
        #expect(task.repeats(of: batch) == R && batch.length == L)
        for t in 0..<T {
            #expect(batch.mask.values[t] == (t >= L + 2 ? 1 : 0), "mask at \(t)")
            for b in 0..<B {
                let x = row(batch.inputs, t, b), y = row(batch.targets, t, b)
                #expect(x[8] == (t == 0 ? 1 : 0), "start delimiter at \(t)")
                #expect(x[9] == (t == L + 1 ? task.encodedRepeats(R) : 0), "count at \(t)")
                #expect(y[8] == (t == T - 1 ? 1 : 0), "end marker at \(t)")
                if t >= 1 && t <= L {
                    #expect(x[0..<8].allSatisfy { $0 == 0 || $0 == 1 })
                } else {
                    #expect(x[0..<8].allSatisfy { $0 == 0 })
                }
                if t >= L + 2 && t < T - 1 {
                    // Copy r of vector s, seen at input step 1 + s.
                    let s = (t - L - 2) % L
                    #expect(Array(y[0..<8]) == Array(row(batch.inputs, 1 + s, b)[0..<8]), "copy at \(t)")
                } else {
                    #expect(y[0..<8].allSatisfy { $0 == 0 })
                }
            }
        }
    }

    @Test func countNormalisation() {
        // The paper's range 1...10: the encoded counts have mean 0 and variance 1 over the range.
        let task = RepeatCopyTask()
        #expect(task.repeatMean == 5.5)
        #expect(abs(task.repeatStandardDeviation - (99.0 / 12).squareRoot()) < 1e-12)
        let codes = (1...10).map { Double(task.encodedRepeats($0)) }
        let mean = codes.reduce(0, +) / 10
        let variance = codes.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 10
        #expect(abs(mean) < 1e-6 && abs(variance - 1) < 1e-5)
        #expect(codes.allSatisfy { $0 != 0 }, "the count step is never blank")
        // Beyond the training range the same μ, σ apply.
        #expect(abs(Double(task.encodedRepeats(20)) - 14.5 / (99.0 / 12).squareRoot()) < 1e-5)
        // The alternative encoding: R / maxRepeats.
        let scaled = RepeatCopyTask(minRepeats: 1, maxRepeats: 4, encoding: .fractionOfMaximum)
        #expect(scaled.encodedRepeats(1) == 0.25 && scaled.encodedRepeats(4) == 1 && scaled.encodedRepeats(6) == 1.5)
        var rng = RandomSource(seed: 2)
        let batch = scaled.makeBatch(batchSize: 1, length: 1, repeats: 3, rng: &rng)
        #expect(row(batch.inputs, 2, 0)[9] == 0.75)
    }

    @Test func widthsAndName() {
        let task = RepeatCopyTask()
        #expect(task.name == "repeat-copy")
        #expect(task.inputWidth == 10 && task.outputWidth == 9)
        #expect(RepeatCopyTask(bits: 4).inputWidth == 6)
    }

    @Test func drawnLengthsAndCountsCoverTheTrainingRange() {
        let task = RepeatCopyTask(bits: 2, minLength: 2, maxLength: 4, minRepeats: 1, maxRepeats: 4)
        var rng = RandomSource(seed: 9)
        var lengths = Set<Int>(), counts = Set<Int>()
        for _ in 0..<150 {
            let batch = task.makeBatch(batchSize: 1, length: nil, rng: &rng)
            #expect((2...4).contains(batch.length))
            let R = task.repeats(of: batch)
            #expect((1...4).contains(R))
            #expect(batch.steps == (R + 1) * batch.length + 3)
            #expect(row(batch.inputs, batch.length + 1, 0)[3] == task.encodedRepeats(R))
            lengths.insert(batch.length)
            counts.insert(R)
        }
        #expect(lengths == [2, 3, 4] && counts == [1, 2, 3, 4])
        // Fixing only the length still draws the count; fixing only the count still draws the length.
        var fixedLengthCounts = Set<Int>(), fixedCountLengths = Set<Int>()
        for _ in 0..<60 {
            let a = task.makeBatch(batchSize: 1, length: 7, rng: &rng)
            #expect(a.length == 7)
            fixedLengthCounts.insert(task.repeats(of: a))
            let b = task.makeBatch(batchSize: 1, length: nil, repeats: 9, rng: &rng)
            #expect(task.repeats(of: b) == 9)
            fixedCountLengths.insert(b.length)
        }
        #expect(fixedLengthCounts == [1, 2, 3, 4] && fixedCountLengths == [2, 3, 4])
    }

    @Test func reproducibleFromSeed() {
        let task = RepeatCopyTask()
        var a = RandomSource(seed: 5), b = RandomSource(seed: 5), c = RandomSource(seed: 6)
        let batchA = task.makeBatch(batchSize: 4, length: nil, rng: &a)
        let batchB = task.makeBatch(batchSize: 4, length: nil, rng: &b)
        let batchC = task.makeBatch(batchSize: 4, length: nil, rng: &c)
        #expect(batchA == batchB)
        #expect(batchA != batchC)
        #expect(a == b)
        // The protocol entry point is the three-argument one with repeats drawn.
        var d = RandomSource(seed: 5)
        #expect(task.makeBatch(batchSize: 4, length: nil, repeats: nil, rng: &d) == batchA)
    }
}
