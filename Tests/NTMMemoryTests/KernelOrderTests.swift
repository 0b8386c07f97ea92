// The memory kernels' fast paths against their general loops, bit for bit: a faster path may change how
// the work is scheduled, never the arithmetic, so that committed runs keep their numbers.
import NTMCore
@testable import NTMMemory
import Testing
import _NTMTestSupport

private func bits(_ b: TestBuffer) -> [UInt32] { b.array.map(\.bitPattern) }

@Suite("Memory kernel summation order")
struct KernelOrderTests {
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
                var sum = 0.0
                for v in shifted.array { sum += Double(v) }
                let inv = Float(1 / sum)
                #expect(bits(w) == shifted.array.map { ($0 * inv).bitPattern }, "case \(index), β \(beta)")
            }
        }
    }
}
