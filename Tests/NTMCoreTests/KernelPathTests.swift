// The C kernels' promise: every path this CPU can run gives, bit for bit, the documented blocks of fused
// multiply-add chains per element, so runs do not depend on the instruction set.
import NTMCore
import Testing
import _NTMTestSupport

/// `C[m, n] = c + Σ_k A(m, k) B[k, n]` as documented: blocks of 32 values of `k`, each one chain
/// `t ← fma(A(m, k), B[k, n], t)` from +0, added in order to `c` (`C[m, n]` when accumulating; without it the
/// first block's chain is the start). Written with Swift's correctly rounded `addingProduct`, independent of
/// the C code.
private func fmaChainReference(
    _ M: Int, _ N: Int, _ K: Int, _ A: [Float], rowStrideA: Int, colStrideA: Int,
    _ B: [Float], _ ldb: Int, _ C: inout [Float], _ ldc: Int, accumulate: Bool
) {
    if K == 0 && accumulate { return }
    for m in 0..<M {
        for n in 0..<N {
            var c: Float = 0
            var k0 = 0
            repeat {
                var t: Float = 0
                for k in k0..<min(k0 + 32, K) { t = t.addingProduct(A[m * rowStrideA + k * colStrideA], B[k * ldb + n]) }
                c = k0 == 0 ? (accumulate ? C[m * ldc + n] + t : t) : c + t
                k0 += 32
            } while k0 < K
            C[m * ldc + n] = c
        }
    }
}

private let sentinel: Float = -7_777

@Suite("Kernel paths")
struct KernelPathTests {
    /// Rows around every register block (8 on AVX-512, 4 elsewhere, 1 at batch 1), columns around every
    /// vector width and panel (1, 4, 8, 16 lanes; 2, 6 and 8 vectors), inner sizes from empty to the
    /// controller's; both accumulate modes; `A` read row-wise (`x Wᵀ`, `dy W`) and column-wise (`dyᵀ x`).
    @Test(arguments: KernelPath.available)
    func everyPathIsTheDocumentedFMAChain(path: KernelPath) {
        var rng = RandomSource(seed: 4242)
        let rowsList = [1, 3, 4, 5, 8, 9, 17], colsList = [1, 3, 4, 7, 8, 16, 17, 33, 47, 100, 127, 129]
        for M in rowsList {
            for N in colsList {
                for K in [0, 1, 5, 40, 70] {
                    for columnWise in [false, true] {
                        let lda = columnWise ? M + 1 : K + 2
                        let (rsA, csA) = columnWise ? (1, lda) : (lda, 1)
                        let A = TestData.uniform(max((columnWise ? K : M) * lda, 1), rng: &rng)
                        let ldb = N + 3, ldc = N + 2
                        let B = TestData.uniform(max(K * ldb, 1), rng: &rng)
                        let start = (0..<(M * ldc)).map { $0 % ldc < N ? Float.random(in: -1...1, using: &rng) : sentinel }
                        for accumulate in [false, true] {
                            var expected = start
                            fmaChainReference(M, N, K, A, rowStrideA: rsA, colStrideA: csA, B, ldb, &expected, ldc,
                                              accumulate: accumulate)
                            let a = TestBuffer(A), b = TestBuffer(B), c = TestBuffer(start)
                            path.gemm(M, N, K, a.p, rowStrideA: rsA, colStrideA: csA, b.p, ldb, c.p, ldc, accumulate: accumulate)
                            #expect(c.array.map(\.bitPattern) == expected.map(\.bitPattern),
                                    "\(path) M=\(M) N=\(N) K=\(K) columnWise=\(columnWise) accumulate=\(accumulate)")
                        }
                    }
                }
            }
        }
    }

    /// The shapes a training step of the paper's NTM and of a 256-unit LSTM at batch 16 run, where the
    /// paths' fast loops do most of the work: every path equals the portable one bit for bit.
    @Test(arguments: KernelPath.available.filter { $0 != .portable })
    func fastPathsEqualThePortableOneAtModelSizes(path: KernelPath) {
        var rng = RandomSource(seed: 99)
        for (M, N, K) in [(1, 400, 129), (16, 1024, 256), (16, 256, 1024), (1024, 265, 41 * 4)] {
            let A = TestData.uniform(M * K, rng: &rng), B = TestData.uniform(K * N, rng: &rng)
            let start = TestData.uniform(M * N, rng: &rng)
            let a = TestBuffer(A), b = TestBuffer(B)
            let fast = TestBuffer(start), portable = TestBuffer(start)
            path.gemm(M, N, K, a.p, rowStrideA: K, colStrideA: 1, b.p, N, fast.p, N, accumulate: true)
            KernelPath.portable.gemm(M, N, K, a.p, rowStrideA: K, colStrideA: 1, b.p, N, portable.p, N, accumulate: true)
            #expect(fast.array.map(\.bitPattern) == portable.array.map(\.bitPattern), "\(path) \(M)x\(N)x\(K)")
        }
    }

    /// A fused multiply-add rounds once: with `e = 2⁻¹²`, `(1 + e)² - 1 = 2e + e²` exactly, while rounding
    /// the product first (`1 + 2e + e²` is a tie, rounded to even, `1 + 2e`) loses the `e²`.
    @Test(arguments: KernelPath.available)
    func productsRoundOnce(path: KernelPath) {
        let e = Float(1) / 4096
        // c = fma(1, -1, 0) = -1, then c = fma(1 + e, 1 + e, c).
        let A = TestBuffer([1, 1 + e]), B = TestBuffer([-1, 1 + e]), c = TestBuffer([0])
        path.gemm(1, 1, 2, A.p, rowStrideA: 2, colStrideA: 1, B.p, 1, c.p, 1, accumulate: false)
        #expect(c.p[0] == 2 * e + e * e)
        #expect((1 + e) * (1 + e) - 1 == 2 * e, "the premise: rounding the product first loses e²")
    }

    @Test func theCurrentPathIsAvailableAndNamed() {
        #expect(KernelPath.current.isAvailable)
        #expect(KernelPath.available.contains(.portable))
        #expect(KernelPath.available.first == KernelPath.best)
    }

    @Test func badEnvironmentValuesAreRefusedWithTheChoices() throws {
        do throws(NTMError) {
            try KernelPath.applyEnvironment(["NTM_KERNELS": "sse9"])
            Issue.record("NTM_KERNELS=sse9 was accepted")
        } catch {
            #expect(error.description.contains("portable") && error.description.contains("avx512"))
            #expect(!error.description.contains("\n"))
            #expect(error.exitStatus == 2)
        }
        if let missing = KernelPath.allCases.first(where: { !$0.isAvailable }) {
            #expect(throws: NTMError.self) { try KernelPath.applyEnvironment(["NTM_KERNELS": missing.rawValue]) }
        }
        let before = KernelPath.current
        try KernelPath.applyEnvironment([:])
        try KernelPath.applyEnvironment(["NTM_KERNELS": ""])
        #expect(KernelPath.current == before)
    }
}
