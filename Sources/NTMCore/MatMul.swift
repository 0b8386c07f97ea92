// Matrix products on raw row-major Float32 storage: the three shapes a linear layer needs (forward
// y = x Wᵀ, input gradient dx = dy W, weight gradient dW = dyᵀ x), all one kernel of the C target
// CNTMKernels, on the instruction-set path chosen at run time (``KernelPath``).
import CNTMKernels

/// `C[m, n] = c + Σ_k A(m, k) B[k, n]`, where `A(m, k) = A[m * rowStrideA + k * colStrideA]` and `c` is
/// `C[m, n]` when `accumulate`, else 0.
///
/// The sum runs over blocks of 32 values of `k`: in each, one chain of fused multiply-adds in increasing `k`
/// from +0, `t ← fma(A(m, k), B[k, n], t)`; the blocks' results are added in order to `c`. That is the
/// same on every ``KernelPath``: the result depends on the operands only, not on the CPU. With `(rowStrideA, colStrideA) = (lda, 1)` it is `C (+)= A B`; with `(1, lda)`,
/// `C (+)= Aᵀ B` (a weight gradient `dW += dyᵀ x` over every row of a sequence, in one call).
@inline(__always)
public func gemm(
    _ M: Int, _ N: Int, _ K: Int,
    _ A: UnsafePointer<Float>, rowStrideA: Int, colStrideA: Int,
    _ B: UnsafePointer<Float>, _ ldb: Int,
    _ C: UnsafeMutablePointer<Float>, _ ldc: Int,
    accumulate: Bool
) {
    guard M > 0 && N > 0 else { return }
    ntm_gemm(M, N, K, A, rowStrideA, colStrideA, B, ldb, C, ldc, accumulate ? 1 : 0)
}

/// `C[m, n] += Σ_k A(m, k) · B[k, n]`: ``gemm(_:_:_:_:rowStrideA:colStrideA:_:_:_:_:accumulate:)`` adding
/// into `C`. With `(rowStrideA, colStrideA) = (lda, 1)` this is the input gradient of a linear layer,
/// `dx += dy W`; with `(1, lda)` its weight gradient, `dW += dyᵀ x`.
@inline(__always)
public func gemmAccumulate(
    _ M: Int, _ N: Int, _ K: Int,
    _ A: UnsafePointer<Float>, rowStrideA: Int, colStrideA: Int,
    _ B: UnsafePointer<Float>, _ ldb: Int,
    _ C: UnsafeMutablePointer<Float>, _ ldc: Int
) {
    gemm(M, N, K, A, rowStrideA: rowStrideA, colStrideA: colStrideA, B, ldb, C, ldc, accumulate: true)
}

/// `C[m, n] (+)= Σ_k A[m, k] · W[n, k]`, the forward product of a linear layer `y = x Wᵀ` with `W`
/// stored `[N, K]` (`[out, in]`, as in PyTorch), given its transpose `Wt = Wᵀ` (`[K, N]`, row stride
/// `ldwt`; see ``TransposedMatrix``): the kernels run every chain along `k` with the columns side by side,
/// so they read the weights one input at a time.
@inline(__always)
public func gemmNT(
    _ M: Int, _ N: Int, _ K: Int,
    _ A: UnsafePointer<Float>, _ lda: Int,
    transposed Wt: UnsafePointer<Float>, _ ldwt: Int,
    _ C: UnsafeMutablePointer<Float>, _ ldc: Int,
    accumulate: Bool
) {
    gemm(M, N, K, A, rowStrideA: lda, colStrideA: 1, Wt, ldwt, C, ldc, accumulate: accumulate)
}

/// `dst[j, i] = src[i, j]` for a `[rows, cols]` source (row stride `lds`; destination row stride `ldd`).
@inline(__always)
public func transpose(
    _ rows: Int, _ cols: Int, _ src: UnsafePointer<Float>, _ lds: Int, _ dst: UnsafeMutablePointer<Float>, _ ldd: Int
) {
    ntm_transpose(rows, cols, src, lds, dst, ldd)
}

/// Naive reference for the products above: `C[m, n] += Σ_k A(m, k) B(k, n)` with explicit strides.
/// Kept as the oracle the tests compare the blocked kernels with.
public func gemmReference(
    _ M: Int, _ N: Int, _ K: Int,
    _ A: UnsafePointer<Float>, rowStrideA: Int, colStrideA: Int,
    _ B: UnsafePointer<Float>, rowStrideB: Int, colStrideB: Int,
    _ C: UnsafeMutablePointer<Float>, _ ldc: Int
) {
    for m in 0..<M {
        for n in 0..<N {
            var t: Double = 0
            for k in 0..<K {
                t += Double(A[m * rowStrideA + k * colStrideA]) * Double(B[k * rowStrideB + n * colStrideB])
            }
            C[m * ldc + n] += Float(t)
        }
    }
}

/// `y[i] += Σ_rows x[row, i]` — bias gradients summed over every row of a sequence.
public func addColumnSums(
    _ rows: Int, _ cols: Int, _ x: UnsafePointer<Float>, _ ldx: Int, into y: UnsafeMutablePointer<Float>
) {
    for r in 0..<rows {
        let xr = x + r * ldx
        for i in 0..<cols { y[i] += xr[i] }
    }
}
