// Constructed-value tests of the addressing ops and memory writes (in the style of DeepMind's DNC
// addressing tests): inputs chosen so that the correct output is known exactly or nearly so.
import Foundation  // exp, as an independent reference for the kit's own
import NTMCore
import NTMMemory
import Testing
import _NTMTestSupport

private func sum(_ v: [Float]) -> Float { v.reduce(0, +) }

private func oneHot(_ i: Int, _ n: Int) -> [Float] { (0..<n).map { $0 == i ? 1 : 0 } }

private func normalized(_ n: Int, rng: inout RandomSource) -> [Float] {
    let v = TestData.uniform(n, 0.01, 1, rng: &rng)
    let s = sum(v)
    return v.map { $0 / s }
}

/// The content weighting softmax(β K(k, Mem)).
private func contentWeighting(key: [Float], memory: [Float], beta: Float, N: Int, M: Int) -> [Float] {
    let k = TestBuffer(key), mem = TestBuffer(memory)
    let K = TestBuffer(zeros: N), norms = TestBuffer(zeros: N), w = TestBuffer(zeros: N)
    CosineSimilarity.forward(similarity: K.p, rowNorms: norms.p, key: k.p, memory: mem.p, rows: N, width: M)
    Softmax.forward(output: w.p, input: K.p, count: N, beta: beta)
    return w.array
}

private func shift(_ w: [Float], _ s: [Float], S: Int) -> [Float] {
    let input = TestBuffer(w), shifts = TestBuffer(s), out = TestBuffer(zeros: w.count)
    CircularShift.forward(output: out.p, input: input.p, shifts: shifts.p, shiftRange: S, count: w.count)
    return out.array
}

private func sharpen(_ w: [Float], gamma: Float) -> [Float] {
    let input = TestBuffer(w), out = TestBuffer(zeros: w.count)
    Sharpening.forward(output: out.p, input: input.p, gamma: gamma, count: w.count)
    return out.array
}

@Suite("Addressing values")
struct AddressingValueTests {
    // MARK: Content addressing

    @Test func cosineSimilarityHandValues() {
        // k = (1, 0); rows (1, 1), (0, 2), (-3, 0), (0, 0).
        let k = TestBuffer([1, 0]), mem = TestBuffer([1, 1, 0, 2, -3, 0, 0, 0])
        let K = TestBuffer(zeros: 4), norms = TestBuffer(zeros: 4)
        let keyNorm = CosineSimilarity.forward(similarity: K.p, rowNorms: norms.p, key: k.p, memory: mem.p, rows: 4, width: 2)
        #expect(keyNorm == 1)
        #expect(abs(K.p[0] - 1 / Float(2).squareRoot()) < 1e-6)
        #expect(K.p[1] == 0)
        #expect(abs(K.p[2] + 1) < 1e-6)
        #expect(K.p[3] == 0)
        #expect(abs(norms.p[0] - Float(2).squareRoot()) < 1e-6 && norms.p[1] == 2 && norms.p[2] == 3 && norms.p[3] == 0)
    }

    /// A key equal to memory row 3 (or any positive multiple of it) with β = 100 focuses on row 3.
    @Test(arguments: [Float(1), 2.5, 0.2])
    func keyEqualToARowFocusesOnIt(scale: Float) throws {
        let N = 8, M = 5, target = 3
        var rng = RandomSource(seed: 4242)
        let memory = TestData.uniform(N * M, rng: &rng)
        let row = Array(memory[(target * M)..<((target + 1) * M)])
        // The construction needs every other row to be clearly less similar (cosine < 0.9).
        let K = TestBuffer(zeros: N), norms = TestBuffer(zeros: N)
        let r = TestBuffer(row), mem = TestBuffer(memory)
        CosineSimilarity.forward(similarity: K.p, rowNorms: norms.p, key: r.p, memory: mem.p, rows: N, width: M)
        try #require((0..<N).allSatisfy { $0 == target || K.p[$0] < 0.9 })
        #expect(abs(K.p[target] - 1) < 1e-5)

        let w = contentWeighting(key: row.map { $0 * scale }, memory: memory, beta: 100, N: N, M: M)
        for n in 0..<N { #expect(abs(w[n] - (n == target ? 1 : 0)) < 1e-3, "w[\(n)] = \(w[n])") }
        #expect(abs(sum(w) - 1) < 1e-5)
    }

    /// β = 0 ignores the key entirely: a uniform content weighting.
    @Test func zeroStrengthGivesUniformWeighting() {
        var rng = RandomSource(seed: 1)
        let w = contentWeighting(key: TestData.uniform(3, rng: &rng), memory: TestData.uniform(18, rng: &rng),
                                 beta: 0, N: 6, M: 3)
        for v in w { #expect(abs(v - 1 / 6) < 1e-6) }
    }

    /// A larger β sharpens the content weighting toward the most similar row.
    @Test func largerStrengthConcentrates() {
        var rng = RandomSource(seed: 2)
        let key = TestData.uniform(4, rng: &rng), memory = TestData.uniform(24, rng: &rng)
        let w1 = contentWeighting(key: key, memory: memory, beta: 1, N: 6, M: 4)
        let w10 = contentWeighting(key: key, memory: memory, beta: 10, N: 6, M: 4)
        let best = w1.indices.max { w1[$0] < w1[$1] }!
        #expect(w10.indices.max { w10[$0] < w10[$1] }! == best)
        #expect(w10[best] > w1[best])
    }

    @Test func softmaxHandValuesAndStability() {
        let x = TestBuffer([0, Float(2).squareRoot(), 1000]), w = TestBuffer(zeros: 3)
        // exp(1000) would overflow without the max subtraction.
        Softmax.forward(output: w.p, input: x.p, count: 3)
        #expect(GradCheck.allFinite(w.array))
        #expect(abs(w.p[2] - 1) < 1e-6)
        let y = TestBuffer([0, Float(3).squareRoot()]), v = TestBuffer(zeros: 2)
        Softmax.forward(output: v.p, input: y.p, count: 2, beta: 2)
        // softmax(0, 2√3) = (1, e^{2√3}) / (1 + e^{2√3}).
        let e = Float(exp(2 * Double(Float(3).squareRoot())))
        #expect(abs(v.p[0] - 1 / (1 + e)) < 1e-6)
        #expect(abs(v.p[1] - e / (1 + e)) < 1e-6)
    }

    // MARK: Interpolation

    @Test func interpolationEndpoints() {
        var rng = RandomSource(seed: 3)
        let wc = TestBuffer(normalized(6, rng: &rng)), wPrev = TestBuffer(normalized(6, rng: &rng))
        let out = TestBuffer(zeros: 6)
        Interpolation.forward(output: out.p, content: wc.p, previous: wPrev.p, gate: 1, count: 6)
        #expect(out.array == wc.array)
        Interpolation.forward(output: out.p, content: wc.p, previous: wPrev.p, gate: 0, count: 6)
        #expect(out.array == wPrev.array)
        Interpolation.forward(output: out.p, content: wc.p, previous: wPrev.p, gate: 0.25, count: 6)
        for n in 0..<6 { #expect(abs(out.p[n] - (0.25 * wc.p[n] + 0.75 * wPrev.p[n])) < 1e-7) }
        #expect(abs(sum(out.array) - 1) < 1e-5)
    }

    // MARK: Circular shift

    /// With `s` one-hot on `+1` (the last entry for S = 1), focus moves from row n to n + 1,
    /// wrapping from N - 1 to 0; on `-1` (entry 0) it moves back, wrapping from 0 to N - 1.
    @Test(arguments: 0..<5)
    func shiftByOneMovesFocus(from n: Int) {
        let N = 5
        let forward = shift(oneHot(n, N), [0, 0, 1], S: 1)
        #expect(forward == oneHot((n + 1) % N, N), "+1 from \(n): \(forward)")
        let backward = shift(oneHot(n, N), [1, 0, 0], S: 1)
        #expect(backward == oneHot((n + N - 1) % N, N), "-1 from \(n): \(backward)")
        let still = shift(oneHot(n, N), [0, 1, 0], S: 1)
        #expect(still == oneHot(n, N))
    }

    /// S = 2: entry j of `s` is the shift j - S.
    @Test(arguments: [-2, -1, 0, 1, 2])
    func shiftRangeTwo(by j: Int) {
        let N = 6
        for n in 0..<N {
            let s = oneHot(j + 2, 5)
            let out = shift(oneHot(n, N), s, S: 2)
            #expect(out == oneHot(((n + j) % N + N) % N, N), "shift \(j) from \(n)")
        }
    }

    /// A split shift spreads the focus: half stay, half move on (+1), with wrap-around.
    @Test func splitShiftSpreadsFocus() {
        let out = shift(oneHot(4, 5), [0, 0.5, 0.5], S: 1)
        #expect(out == [0.5, 0, 0, 0, 0.5])
    }

    /// A shift of a general weighting is a rotation: shifting by +1 rotates the vector right.
    @Test func shiftRotatesAWholeWeighting() {
        let w: [Float] = [0.1, 0.2, 0.3, 0.4]
        #expect(shift(w, [0, 0, 1], S: 1) == [0.4, 0.1, 0.2, 0.3])
        #expect(shift(w, [1, 0, 0], S: 1) == [0.2, 0.3, 0.4, 0.1])
    }

    // MARK: Sharpening

    @Test func sharpeningWithGammaOneIsIdentity() {
        var rng = RandomSource(seed: 9)
        let w = normalized(7, rng: &rng)
        let out = sharpen(w, gamma: 1)
        for n in 0..<7 { #expect(abs(out[n] - w[n]) < 1e-6) }
    }

    @Test func largerGammaConcentrates() {
        var rng = RandomSource(seed: 10)
        let w = normalized(6, rng: &rng)
        let best = w.indices.max { w[$0] < w[$1] }!
        var previousMax = w[best]
        for gamma: Float in [1.5, 2, 4, 8] {
            let out = sharpen(w, gamma: gamma)
            #expect(out.indices.max { out[$0] < out[$1] }! == best)
            #expect(out[best] > previousMax, "γ = \(gamma)")
            previousMax = out[best]
        }
        // γ = 20 (near the largest the clipped head can emit, 1 + softplus(20)) on a weighting whose
        // powers stay far above the 1e-16 of the denominator: (0.3 / 0.4)^20 ≈ 3e-3.
        let veryPeaked = sharpen([0.1, 0.4, 0.2, 0.3], gamma: 20)
        #expect(veryPeaked[1] > 0.99 && veryPeaked[1] < 1, "\(veryPeaked)")
        #expect(abs(sum(veryPeaked) - 1) < 1e-5)
    }

    @Test func sharpeningHandValue() {
        // (0.25, 0.75)^2 / (0.0625 + 0.5625) = (0.1, 0.9).
        let out = sharpen([0.25, 0.75], gamma: 2)
        #expect(abs(out[0] - 0.1) < 1e-6 && abs(out[1] - 0.9) < 1e-6)
        // Unnormalized input: sharpening also normalizes.
        let out2 = sharpen([2, 2, 4], gamma: 1)
        #expect(abs(out2[0] - 0.25) < 1e-6 && abs(out2[2] - 0.5) < 1e-6)
    }

    @Test func sharpeningKeepsZerosAndAllZeroStaysFinite() {
        let out = sharpen([0, 0.5, 0, 0.5], gamma: 3)
        #expect(out == [0, 0.5, 0, 0.5])
        let zero = sharpen([0, 0, 0], gamma: 2)
        #expect(zero == [0, 0, 0])
    }

    // MARK: Every weighting sums to one

    @Test(arguments: 0..<5)
    func everyStageSumsToOne(seed: UInt64) {
        let N = 7, M = 4, S = Int(seed % 3)
        var rng = RandomSource(seed: 700 + seed)
        let key = TestData.uniform(M, rng: &rng), memory = TestData.uniform(N * M, rng: &rng)
        let wc = contentWeighting(key: key, memory: memory, beta: rng.uniform(0, 20), N: N, M: M)
        #expect(abs(sum(wc) - 1) < 1e-5, "content")
        let prev = TestBuffer(normalized(N, rng: &rng)), content = TestBuffer(wc), wg = TestBuffer(zeros: N)
        Interpolation.forward(output: wg.p, content: content.p, previous: prev.p, gate: rng.uniformFloat(), count: N)
        #expect(abs(sum(wg.array) - 1) < 1e-5, "interpolated")
        let ws = shift(wg.array, normalized(2 * S + 1, rng: &rng), S: S)
        #expect(abs(sum(ws) - 1) < 1e-5, "shifted")
        let w = sharpen(ws, gamma: 1 + rng.uniform(0, 10))
        #expect(abs(sum(w) - 1) < 1e-5, "sharpened")
    }

    // MARK: Reads and writes

    @Test func weightedReadHandValue() {
        // Rows (1, 2), (3, 4), (5, 6) weighted (0.5, 0.25, 0.25): (2.5, 3.5).
        let mem = TestBuffer([1, 2, 3, 4, 5, 6]), w = TestBuffer([0.5, 0.25, 0.25]), r = TestBuffer([9, 9])
        WeightedRead.forward(output: r.p, weighting: w.p, memory: mem.p, rows: 3, width: 2)
        #expect(r.array == [2.5, 3.5])
        // One-hot weighting reads exactly that row.
        let w1 = TestBuffer(oneHot(2, 3))
        WeightedRead.forward(output: r.p, weighting: w1.p, memory: mem.p, rows: 3, width: 2)
        #expect(r.array == [5, 6])
    }

    /// e = 1 with w one-hot at n zeroes row n, then the add writes a there; other rows are unchanged.
    @Test(arguments: 0..<4)
    func eraseThenAddReplacesARow(n: Int) {
        let N = 4, M = 3
        var rng = RandomSource(seed: 31 + UInt64(n))
        let memory = TestData.uniform(N * M, rng: &rng), a = TestData.uniform(M, rng: &rng)
        let mem = TestBuffer(memory), out = TestBuffer(zeros: N * M), w = TestBuffer(oneHot(n, N))
        let ones = TestBuffer([Float](repeating: 1, count: M)), zeros = TestBuffer(zeros: M), add = TestBuffer(a)
        // Erase only.
        EraseAddWrite.forward(output: out.p, memory: mem.p, weighting: w.p, erase: ones.p, add: zeros.p, rows: N, width: M)
        for r in 0..<N {
            for m in 0..<M { #expect(out.p[r * M + m] == (r == n ? 0 : memory[r * M + m])) }
        }
        // Erase and add.
        EraseAddWrite.forward(output: out.p, memory: mem.p, weighting: w.p, erase: ones.p, add: add.p, rows: N, width: M)
        for r in 0..<N {
            for m in 0..<M { #expect(out.p[r * M + m] == (r == n ? a[m] : memory[r * M + m])) }
        }
        // In place (output aliasing the memory) gives the same result.
        EraseAddWrite.forward(output: mem.p, memory: mem.p, weighting: w.p, erase: ones.p, add: add.p, rows: N, width: M)
        #expect(mem.array == out.array)
    }

    @Test func partialWriteHandValue() {
        // Mem = [[1, 2]], w = 0.5, e = (1, 0), a = (4, -2): (1 (1 - 0.5) + 2, 2 + (-1)) = (2.5, 1).
        let mem = TestBuffer([1, 2]), out = TestBuffer(zeros: 2)
        let w = TestBuffer([0.5]), e = TestBuffer([1, 0]), a = TestBuffer([4, -2])
        EraseAddWrite.forward(output: out.p, memory: mem.p, weighting: w.p, erase: e.p, add: a.p, rows: 1, width: 2)
        #expect(out.array == [2.5, 1])
    }

    // MARK: Head layout

    @Test(arguments: [(3, 1), (20, 1), (5, 2), (1, 0)])
    func headLayout(M: Int, S: Int) {
        let read = HeadLayout(memoryWidth: M, shiftRange: S, isWrite: false)
        let write = HeadLayout(memoryWidth: M, shiftRange: S, isWrite: true)
        #expect(read.size == M + 2 * S + 4)
        #expect(write.size == 3 * M + 2 * S + 4)
        for L in [read, write] {
            // [k (M), β̂, ĝ, ŝ (2S+1), γ̂, ê (M), â (M)]
            #expect(L.key == 0)
            #expect(L.beta == M)
            #expect(L.gate == M + 1)
            #expect(L.shift == M + 2)
            #expect(L.shiftCount == 2 * S + 1)
            #expect(L.gamma == L.shift + L.shiftCount)
            #expect(L.gamma == M + 2 * S + 3)
        }
        #expect(write.erase == write.gamma + 1)
        #expect(write.add == write.erase + M)
        #expect(write.add + M == write.size)
        #expect(read.gamma + 1 == read.size)
    }
}
