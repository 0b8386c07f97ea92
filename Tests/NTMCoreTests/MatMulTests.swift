// The matrix kernels (gemmNT, gemmAccumulate in both stride modes, addColumnSums) against
// the naive Double-accumulating reference (KernelPathTests pins their bits), for odd sizes that exercise every remainder path; and
// the seeded generator every random number of the kit comes from.
import NTMCore
import Testing
import _NTMTestSupport

// MARK: - Helpers

private let oddSizes = [1, 2, 3, 5, 7, 8, 9, 17, 33]

/// Largest |a - b| allowed between a Float32 kernel and the Double reference for a sum of `k` products
/// of values in [-1, 1], starting from `start` (the accumulate case).
private func bound(k: Int, start: Float = 0) -> Float { 1e-6 * Float(k + 1) + 2e-7 * abs(start) + 1e-6 }

/// Padding value written around the matrices; a kernel that writes outside its block changes it.
private let sentinel: Float = 12_345

/// Compares the `[M, N]` blocks of two row-major matrices with row stride `ldc` and checks that the
/// padding columns `N..<ldc` of `actual` still hold the sentinel.
private func compare(
    _ actual: TestBuffer, _ reference: TestBuffer, M: Int, N: Int, ldc: Int, k: Int, start: [Float]? = nil,
    _ label: String
) {
    var worst: Float = 0, worstAt = (0, 0)
    var badPadding = 0
    for m in 0..<M {
        for n in 0..<ldc {
            let i = m * ldc + n
            if n >= N {
                if actual.p[i] != sentinel { badPadding += 1 }
                continue
            }
            let d = abs(actual.p[i] - reference.p[i]) / bound(k: k, start: start?[i] ?? 0)
            if !(d <= worst) { worst = d; worstAt = (m, n) }
        }
    }
    #expect(worst <= 1, "\(label): error \(worst)× the bound at \(worstAt)")
    #expect(badPadding == 0, "\(label): \(badPadding) padding entries overwritten")
}

// MARK: - gemmNT

@Suite("MatMul kernels")
struct MatMulTests {
    /// `C = A Bᵀ` (overwrite and accumulate) for every K of the odd-size table, with padded strides.
    @Test(arguments: oddSizes, oddSizes)
    func gemmNTMatchesReference(M: Int, N: Int) {
        var rng = RandomSource(seed: UInt64(1000 + M * 100 + N))
        for K in oddSizes {
            let lda = K + 3, ldb = K + 1, ldc = N + 2
            let A = TestBuffer(TestData.uniform(M * lda, rng: &rng))
            let B = TestBuffer(TestData.uniform(N * ldb, rng: &rng))
            // Overwrite: C starts as garbage (sentinels everywhere), the result must not depend on it.
            let C = TestBuffer([Float](repeating: sentinel, count: M * ldc))
            let ref = TestBuffer(zeros: M * ldc)
            let Bt = TransposedMatrix()
            Bt.update(from: B.p, rows: N, cols: ldb)   // Wᵀ with row stride N, padding columns included
            gemmNT(M, N, K, A.p, lda, transposed: Bt.base, N, C.p, ldc, accumulate: false)
            gemmReference(M, N, K, A.p, rowStrideA: lda, colStrideA: 1, B.p, rowStrideB: 1, colStrideB: ldb, ref.p, ldc)
            compare(C, ref, M: M, N: N, ldc: ldc, k: K, "gemmNT overwrite M=\(M) N=\(N) K=\(K)")

            // Accumulate: C starts with random values inside the block, sentinels in the padding.
            var start = [Float](repeating: sentinel, count: M * ldc)
            for m in 0..<M { for n in 0..<N { start[m * ldc + n] = rng.uniform(-2, 2) } }
            let C2 = TestBuffer(start)
            let ref2 = TestBuffer(start)
            gemmNT(M, N, K, A.p, lda, transposed: Bt.base, N, C2.p, ldc, accumulate: true)
            gemmReference(M, N, K, A.p, rowStrideA: lda, colStrideA: 1, B.p, rowStrideB: 1, colStrideB: ldb, ref2.p, ldc)
            compare(C2, ref2, M: M, N: N, ldc: ldc, k: K, start: start, "gemmNT accumulate M=\(M) N=\(N) K=\(K)")
        }
    }

    /// `C += A B` (NN: `A(m, k) = A[m * lda + k]`) and `C += Aᵀ B` (TN: `A(m, k) = A[m + k * lda]`).
    @Test(arguments: oddSizes, oddSizes)
    func gemmAccumulateMatchesReference(M: Int, N: Int) {
        var rng = RandomSource(seed: UInt64(2000 + M * 100 + N))
        for K in oddSizes {
            let ldb = N + 3, ldc = N + 1
            let B = TestBuffer(TestData.uniform(K * ldb, rng: &rng))
            var start = [Float](repeating: sentinel, count: M * ldc)
            for m in 0..<M { for n in 0..<N { start[m * ldc + n] = rng.uniform(-2, 2) } }

            // NN: A is [M, K] with row stride K + 2.
            let ldaNN = K + 2
            let A = TestBuffer(TestData.uniform(M * ldaNN, rng: &rng))
            let C = TestBuffer(start), ref = TestBuffer(start)
            gemmAccumulate(M, N, K, A.p, rowStrideA: ldaNN, colStrideA: 1, B.p, ldb, C.p, ldc)
            gemmReference(M, N, K, A.p, rowStrideA: ldaNN, colStrideA: 1, B.p, rowStrideB: ldb, colStrideB: 1, ref.p, ldc)
            compare(C, ref, M: M, N: N, ldc: ldc, k: K, start: start, "gemmAccumulate NN M=\(M) N=\(N) K=\(K)")

            // TN: A is stored [K, M] with row stride M + 1, read transposed.
            let ldaTN = M + 1
            let At = TestBuffer(TestData.uniform(K * ldaTN, rng: &rng))
            let C2 = TestBuffer(start), ref2 = TestBuffer(start)
            gemmAccumulate(M, N, K, At.p, rowStrideA: 1, colStrideA: ldaTN, B.p, ldb, C2.p, ldc)
            gemmReference(M, N, K, At.p, rowStrideA: 1, colStrideA: ldaTN, B.p, rowStrideB: ldb, colStrideB: 1, ref2.p, ldc)
            compare(C2, ref2, M: M, N: N, ldc: ldc, k: K, start: start, "gemmAccumulate TN M=\(M) N=\(N) K=\(K)")
        }
    }

    /// A hand-computed product, so the reference itself is pinned too.
    @Test func handComputedProducts() {
        // A = [[1, 2, 3], [4, 5, 6]], W = [[1, 0, -1], [2, 1, 0]]  →  A Wᵀ = [[-2, 4], [-2, 13]].
        let A = TestBuffer([1, 2, 3, 4, 5, 6]), W = TestBuffer([1, 0, -1, 2, 1, 0])
        let C = TestBuffer(zeros: 4)
        let Wt = TransposedMatrix()
        Wt.update(from: W.p, rows: 2, cols: 3)
        gemmNT(2, 2, 3, A.p, 3, transposed: Wt.base, 2, C.p, 2, accumulate: false)
        #expect(C.array == [-2, 4, -2, 13])
        let R = TestBuffer(zeros: 4)
        gemmReference(2, 2, 3, A.p, rowStrideA: 3, colStrideA: 1, W.p, rowStrideB: 1, colStrideB: 3, R.p, 2)
        #expect(R.array == [-2, 4, -2, 13])
        // dy = [[1, 1]] (1 x 2) times W (2 x 3) = [3, 1, -1]; accumulated onto [1, 1, 1].
        let dy = TestBuffer([1, 1]), dx = TestBuffer([1, 1, 1])
        gemmAccumulate(1, 3, 2, dy.p, rowStrideA: 2, colStrideA: 1, W.p, 3, dx.p, 3)
        #expect(dx.array == [4, 2, 0])
        // Aᵀ A for A = [[1, 2], [3, 4]] stored row-major: [[10, 14], [14, 20]].
        let S = TestBuffer([1, 2, 3, 4]), G = TestBuffer(zeros: 4)
        gemmAccumulate(2, 2, 2, S.p, rowStrideA: 1, colStrideA: 2, S.p, 2, G.p, 2)
        #expect(G.array == [10, 14, 14, 20])
    }

    /// K = 0 leaves an accumulated C unchanged and zeroes an overwritten one.
    @Test func emptyInnerDimension() {
        let A = TestBuffer([1]), B = TestBuffer([1])
        let C = TestBuffer([5, 6, 7, 8, 9, 10])
        gemmNT(2, 3, 0, A.p, 1, transposed: B.p, 3, C.p, 3, accumulate: true)
        #expect(C.array == [5, 6, 7, 8, 9, 10])
        gemmNT(2, 3, 0, A.p, 1, transposed: B.p, 3, C.p, 3, accumulate: false)
        #expect(C.array == [0, 0, 0, 0, 0, 0])
        let D = TestBuffer([5, 6, 7])
        gemmAccumulate(1, 3, 0, A.p, rowStrideA: 1, colStrideA: 1, B.p, 3, D.p, 3)
        #expect(D.array == [5, 6, 7])
    }

    @Test(arguments: [1, 2, 5], [1, 3, 9])
    func addColumnSumsAddsEveryRow(rows: Int, cols: Int) {
        var rng = RandomSource(seed: UInt64(rows * 10 + cols))
        let ldx = cols + 2
        let x = TestBuffer(TestData.uniform(rows * ldx, rng: &rng))
        let start = TestData.uniform(cols + 1, rng: &rng)
        let y = TestBuffer(start)
        addColumnSums(rows, cols, x.p, ldx, into: y.p)
        for i in 0..<cols {
            var s = Double(start[i])
            for r in 0..<rows { s += Double(x.p[r * ldx + i]) }
            #expect(abs(Double(y.p[i]) - s) <= 1e-5, "column \(i)")
        }
        // The entry past `cols` is not touched.
        #expect(y.p[cols] == start[cols])
    }

    @Test func addColumnSumsHandExample() {
        let x = TestBuffer([1, 2, 3, 10, 20, 30])
        let y = TestBuffer([100, 200, 300])
        addColumnSums(2, 3, x.p, 3, into: y.p)
        #expect(y.array == [111, 222, 333])
    }
}

// MARK: - RandomSource

@Suite("RandomSource")
struct RandomSourceTests {
    @Test func sameSeedSameStream() {
        var a = RandomSource(seed: 42), b = RandomSource(seed: 42)
        for _ in 0..<100 { #expect(a.next() == b.next()) }
        #expect(a == b)
    }

    @Test func differentSeedsDiffer() {
        var a = RandomSource(seed: 1), b = RandomSource(seed: 2)
        let sa = (0..<16).map { _ in a.next() }, sb = (0..<16).map { _ in b.next() }
        #expect(sa != sb)
        #expect(Set(sa).intersection(sb).isEmpty)
        #expect(a != b)
    }

    @Test func seedZeroIsAValidNonDegenerateStream() {
        // SplitMix64 seeding turns even seed 0 into a non-zero state whose outputs vary.
        var a = RandomSource(seed: 0)
        #expect(a.state != (0, 0, 0, 0))
        let values = (0..<8).map { _ in a.next() }
        #expect(Set(values).count == 8)
    }

    @Test func uniformFloatInUnitInterval() {
        var rng = RandomSource(seed: 7)
        var lo: Float = 1, hi: Float = 0, sum = 0.0
        let n = 10_000
        for _ in 0..<n {
            let u = rng.uniformFloat()
            #expect(u >= 0 && u < 1)
            lo = min(lo, u); hi = max(hi, u); sum += Double(u)
        }
        #expect(lo < 0.01 && hi > 0.99)
        #expect(abs(sum / Double(n) - 0.5) < 0.02)
        var r2 = RandomSource(seed: 8)
        for _ in 0..<1000 {
            let d = r2.uniformDouble()
            #expect(d >= 0 && d < 1)
            let u = r2.uniform(-3, 5)
            #expect(u >= -3 && u < 5)
        }
    }

    @Test(arguments: [0...0, 0...1, -3...3, 5...11])
    func intCoversRangeAndStaysInIt(range: ClosedRange<Int>) {
        var rng = RandomSource(seed: 99)
        var seen = Set<Int>()
        for _ in 0..<2000 {
            let v = rng.int(in: range)
            #expect(range.contains(v))
            seen.insert(v)
        }
        #expect(seen == Set(range))
    }

    @Test func bitIsRoughlyFair() {
        var rng = RandomSource(seed: 3)
        let ones = (0..<10_000).filter { _ in rng.bit() }.count
        #expect(abs(ones - 5000) < 300)
    }

    @Test func normalMomentsRoughlyRight() {
        var rng = RandomSource(seed: 2024)
        let n = 10_000
        var s = 0.0, s2 = 0.0
        for _ in 0..<n {
            let z = Double(rng.normal())
            #expect(z.isFinite)
            s += z; s2 += z * z
        }
        let mean = s / Double(n), std = (s2 / Double(n) - mean * mean).squareRoot()
        #expect(abs(mean) < 0.05, "mean \(mean)")
        #expect(abs(std - 1) < 0.05, "std \(std)")

        var r2 = RandomSource(seed: 2025)
        var t = 0.0, t2 = 0.0
        for _ in 0..<n {
            let z = Double(r2.normal(mean: 3, std: 0.5))
            t += z; t2 += z * z
        }
        let m2 = t / Double(n), sd2 = (t2 / Double(n) - m2 * m2).squareRoot()
        #expect(abs(m2 - 3) < 0.03, "mean \(m2)")
        #expect(abs(sd2 - 0.5) < 0.03, "std \(sd2)")
    }

    @Test func stateRestoreContinuesTheStream() throws {
        var rng = RandomSource(seed: 555)
        for _ in 0..<37 { _ = rng.next() }
        let saved = rng.state
        let expected = (0..<20).map { _ in rng.next() }
        var restored = try #require(RandomSource(state: saved))
        let got = (0..<20).map { _ in restored.next() }
        #expect(got == expected)
        #expect(RandomSource(state: (0, 0, 0, 0)) == nil)
    }

    @Test func copyingForksTheStream() {
        var a = RandomSource(seed: 11)
        _ = a.next()
        var b = a
        #expect(a.next() == b.next())
        #expect(a.uniformFloat() == b.uniformFloat())
    }

    @Test func derivedStreams() {
        var a = RandomSource.derived(seed: 5, stream: "data")
        var b = RandomSource.derived(seed: 5, stream: "data")
        var c = RandomSource.derived(seed: 5, stream: "init")
        var d = RandomSource.derived(seed: 6, stream: "data")
        let va = a.next()
        #expect(va == b.next())
        #expect(va != c.next())
        #expect(va != d.next())
    }
}
