// The memory kernels' fast paths against their general loops, bit for bit: a faster path may change how
// the work is scheduled, never the arithmetic, so that committed runs keep their numbers.
import NTMCore
@testable import NTMMemory
import Testing
import _NTMTestSupport

private func bits(_ b: TestBuffer) -> [UInt32] { b.array.map(\.bitPattern) }

@Suite("Memory kernel summation order")
struct KernelOrderTests {
    /// Widths 20–23 keep `dL/de` and `dL/da` in registers; the results equal the general loop's.
    @Test(arguments: [20, 21, 22, 23])
    func eraseAddWriteBackwardAt20To23EqualsTheGeneralLoop(M: Int) {
        var rng = RandomSource(seed: UInt64(500 + M))
        let N = 37
        let memory = TestBuffer(TestData.uniform(N * M, rng: &rng)), w = TestBuffer(TestData.uniform(N, 0, 1, rng: &rng))
        let e = TestBuffer(TestData.uniform(M, 0, 1, rng: &rng)), a = TestBuffer(TestData.uniform(M, rng: &rng))
        let dMem = TestData.uniform(N * M, rng: &rng), dw = TestData.uniform(N, rng: &rng)
        let de = TestData.uniform(M, rng: &rng), da = TestData.uniform(M, rng: &rng)
        func run(_ kernel: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>,
                            UnsafeMutablePointer<Float>) -> Void) -> [[UInt32]] {
            let g = TestBuffer(dMem), gw = TestBuffer(dw), ge = TestBuffer(de), ga = TestBuffer(da)
            kernel(g.p, gw.p, ge.p, ga.p)
            return [bits(g), bits(gw), bits(ge), bits(ga)]
        }
        let fast = run {
            EraseAddWrite.backward20(memoryGradient: $0, memory: memory.p, weighting: w.p, erase: e.p, add: a.p,
                                     rows: N, width: M, weightingGradient: $1, eraseGradient: $2, addGradient: $3)
        }
        let general = run {
            EraseAddWrite.backwardAnyWidth(memoryGradient: $0, memory: memory.p, weighting: w.p, erase: e.p, add: a.p,
                                           rows: N, width: M, weightingGradient: $1, eraseGradient: $2, addGradient: $3)
        }
        #expect(fast == general)
    }

    /// Widths 20–23 keep `dL/dk` in registers; rows with a zero gradient or a zero norm take the same branches.
    @Test(arguments: [20, 21, 22, 23])
    func cosineBackwardAt20To23EqualsTheGeneralLoop(M: Int) {
        var rng = RandomSource(seed: UInt64(600 + M))
        let N = 29
        var mem = TestData.uniform(N * M, rng: &rng)
        for m in 0..<M { mem[3 * M + m] = 0 }  // a zero row
        let memory = TestBuffer(mem), key = TestBuffer(TestData.uniform(M, rng: &rng))
        let K = TestBuffer(zeros: N), norms = TestBuffer(zeros: N)
        let keyNorm = CosineSimilarity.forward(similarity: K.p, rowNorms: norms.p, key: key.p, memory: memory.p,
                                               rows: N, width: M)
        var gradient = TestData.uniform(N, rng: &rng)
        gradient[5] = 0
        let dK = TestBuffer(gradient)
        let dk0 = TestData.uniform(M, rng: &rng), dMem0 = TestData.uniform(N * M, rng: &rng)
        func run(_ kernel: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void) -> [[UInt32]] {
            let dk = TestBuffer(dk0), dMem = TestBuffer(dMem0)
            kernel(dk.p, dMem.p)
            return [bits(dk), bits(dMem)]
        }
        let fast = run {
            CosineSimilarity.backward20(similarityGradient: dK.p, similarity: K.p, rowNorms: norms.p, keyNorm: keyNorm,
                                        key: key.p, memory: memory.p, rows: N, width: M, keyGradient: $0, memoryGradient: $1)
        }
        let general = run {
            CosineSimilarity.backwardAnyWidth(similarityGradient: dK.p, similarity: K.p, rowNorms: norms.p,
                                              keyNorm: keyNorm, key: key.p, memory: memory.p, rows: N, width: M,
                                              keyGradient: $0, memoryGradient: $1)
        }
        #expect(fast == general)
    }

    /// Shifts -1, 0, +1 run as one pass; the gradients equal the general loop's, from 3 rows (every index
    /// wraps) to the paper's 128.
    @Test(arguments: [3, 4, 5, 128])
    func shiftBackwardForRange1EqualsTheGeneralLoop(N: Int) {
        var rng = RandomSource(seed: UInt64(700 + N))
        let dws = TestBuffer(TestData.uniform(N, rng: &rng)), wg = TestBuffer(TestData.uniform(N, 0, 1, rng: &rng))
        let s = TestBuffer(TestData.uniform(3, 0, 1, rng: &rng))
        let dwg0 = TestData.uniform(N, rng: &rng), ds0 = TestData.uniform(3, rng: &rng)
        func run(_ kernel: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void) -> [[UInt32]] {
            let dwg = TestBuffer(dwg0), ds = TestBuffer(ds0)
            kernel(dwg.p, ds.p)
            return [bits(dwg), bits(ds)]
        }
        let fast = run {
            CircularShift.backwardShiftRange1(outputGradient: dws.p, input: wg.p, shifts: s.p, count: N,
                                              inputGradient: $0, shiftGradient: $1)
        }
        let general = run {
            CircularShift.backwardAnyRange(outputGradient: dws.p, input: wg.p, shifts: s.p, shiftRange: 1, count: N,
                                           inputGradient: $0, shiftGradient: $1)
        }
        #expect(fast == general)
    }

    /// `r_m = ((0 + w_0 Mem[0,m]) + w_1 Mem[1,m]) + …`, rows in order, at every width's remainders.
    @Test(arguments: [1, 4, 7, 8, 13, 16, 20, 21, 24, 37])
    func weightedReadSumsRowsInOrder(M: Int) {
        var rng = RandomSource(seed: UInt64(800 + M))
        let N = 19
        let mem = TestData.uniform(N * M, rng: &rng), weights = TestData.uniform(N, 0, 1, rng: &rng)
        let r = TestBuffer(zeros: M), w = TestBuffer(weights), memory = TestBuffer(mem)
        WeightedRead.forward(output: r.p, weighting: w.p, memory: memory.p, rows: N, width: M)
        withExtendedLifetime((w, memory)) {}
        var expected = [Float](repeating: 0, count: M)
        for n in 0..<N { for m in 0..<M { expected[m] = expected[m] + weights[n] * mem[n * M + m] } }
        #expect(bits(r) == expected.map(\.bitPattern))
    }

    /// The maximum is taken eight lanes at a time; the weights equal a left-to-right maximum's, also when
    /// the maximum is a zero of either sign.
    @Test func softmaxMaximumInLanesGivesTheSameWeights() {
        var rng = RandomSource(seed: 900)
        var cases: [[Float]] = [TestData.uniform(128, -3, 3, rng: &rng), TestData.uniform(13, -3, 3, rng: &rng),
                                TestData.uniform(3, rng: &rng)]
        var zeros = [Float](repeating: 0, count: 20)
        for i in 0..<20 where i % 3 != 1 { zeros[i] = i % 3 == 0 ? -0.0 : -Float(i) }
        cases.append(zeros)
        for (index, x) in cases.enumerated() {
            for beta: Float in [1, 7.5] {
                let w = TestBuffer(zeros: x.count), input = TestBuffer(x)
                Softmax.forward(output: w.p, input: input.p, count: x.count, beta: beta)
                withExtendedLifetime(input) {}
                var maxV = -Float.infinity
                for v in x { maxV = max(maxV, beta * v) }
                let shifted = TestBuffer(x.map { beta * $0 - maxV })
                mapInPlace(shifted.p, x.count, exp8)
                var sum: Float = 0
                for v in shifted.array { sum += v }
                let inv = 1 / sum
                #expect(bits(w) == shifted.array.map { ($0 * inv).bitPattern }, "case \(index), β \(beta)")
            }
        }
    }
}
