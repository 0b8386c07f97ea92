// Matrix products on raw row-major Float32 storage: the three shapes a linear layer needs
// (forward x·Wᵀ, input gradient dy·W, weight gradient dyᵀ·x), register-blocked over SIMD8.

/// `C[m, n] (+)= Σ_k A[m, k] · B[n, k]` — the forward product of a linear layer, `y = x Wᵀ`.
///
/// - Parameters:
///   - A: `[M, K]` with row stride `lda`.
///   - B: `[N, K]` with row stride `ldb` (a weight matrix stored `[out, in]`, as in PyTorch).
///   - C: `[M, N]` with row stride `ldc`; overwritten unless `accumulate`.
public func gemmNT(
    _ M: Int, _ N: Int, _ K: Int,
    _ A: UnsafePointer<Float>, _ lda: Int,
    _ B: UnsafePointer<Float>, _ ldb: Int,
    _ C: UnsafeMutablePointer<Float>, _ ldc: Int,
    accumulate: Bool
) {
    let k8 = K & ~7
    var m = 0
    // Two rows of A against two rows of B: four dot products share every load. Four SIMD8 accumulators
    // are eight of SSE's sixteen registers; a 2 x 4 block needed sixteen and spilled: it took 30 % longer
    // in the portable build (and 7 % less time where AVX gives sixteen 8-wide registers). Each dot
    // product's lanes and final `sum()` are the same in any blocking, so the bits do not depend on it.
    while m < M {
        let rows = min(2, M - m)
        if rows == 1 {
            gemvNT(N, K, A + m * lda, B, ldb, C + m * ldc, accumulate: accumulate)
            m += 1
            continue
        }
        let a0 = A + m * lda, a1 = a0 + lda
        var n = 0
        while n + 2 <= N {
            let b0 = B + n * ldb, b1 = b0 + ldb
            var s00 = SIMD8<Float>(), s01 = SIMD8<Float>(), s10 = SIMD8<Float>(), s11 = SIMD8<Float>()
            var k = 0
            while k < k8 {
                let x0 = load8(a0 + k), x1 = load8(a1 + k)
                let w0 = load8(b0 + k), w1 = load8(b1 + k)
                s00 += x0 * w0; s01 += x0 * w1
                s10 += x1 * w0; s11 += x1 * w1
                k += 8
            }
            var r00 = s00.sum(), r01 = s01.sum(), r10 = s10.sum(), r11 = s11.sum()
            while k < K {
                let x0 = a0[k], x1 = a1[k]
                r00 += x0 * b0[k]; r01 += x0 * b1[k]
                r10 += x1 * b0[k]; r11 += x1 * b1[k]
                k += 1
            }
            let c0 = C + m * ldc + n, c1 = c0 + ldc
            if accumulate {
                c0[0] += r00; c0[1] += r01
                c1[0] += r10; c1[1] += r11
            } else {
                c0[0] = r00; c0[1] = r01
                c1[0] = r10; c1[1] = r11
            }
            n += 2
        }
        while n < N {
            let b0 = B + n * ldb
            for r in 0..<rows {
                let a = A + (m + r) * lda
                var s = SIMD8<Float>()
                var k = 0
                while k < k8 { s += load8(a + k) * load8(b0 + k); k += 8 }
                var t = s.sum()
                while k < K { t += a[k] * b0[k]; k += 1 }
                let c = C + (m + r) * ldc + n
                if accumulate { c[0] += t } else { c[0] = t }
            }
            n += 1
        }
        m += rows
    }
}

/// One row of ``gemmNT``: `c[n] (+)= Σ_k a[k] B[n, k]`, four rows of `B` at a time.
@inline(__always) private func gemvNT(
    _ N: Int, _ K: Int, _ a: UnsafePointer<Float>, _ B: UnsafePointer<Float>, _ ldb: Int,
    _ c: UnsafeMutablePointer<Float>, accumulate: Bool
) {
    let k8 = K & ~7
    var n = 0
    while n + 4 <= N {
        let b0 = B + n * ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb
        var s0 = SIMD8<Float>(), s1 = SIMD8<Float>(), s2 = SIMD8<Float>(), s3 = SIMD8<Float>()
        var k = 0
        while k < k8 {
            let x = load8(a + k)
            s0 += x * load8(b0 + k); s1 += x * load8(b1 + k)
            s2 += x * load8(b2 + k); s3 += x * load8(b3 + k)
            k += 8
        }
        var r0 = s0.sum(), r1 = s1.sum(), r2 = s2.sum(), r3 = s3.sum()
        while k < K {
            let x = a[k]
            r0 += x * b0[k]; r1 += x * b1[k]; r2 += x * b2[k]; r3 += x * b3[k]
            k += 1
        }
        if accumulate {
            c[n] += r0; c[n + 1] += r1; c[n + 2] += r2; c[n + 3] += r3
        } else {
            c[n] = r0; c[n + 1] = r1; c[n + 2] = r2; c[n + 3] = r3
        }
        n += 4
    }
    while n < N {
        let b0 = B + n * ldb
        var s = SIMD8<Float>()
        var k = 0
        while k < k8 { s += load8(a + k) * load8(b0 + k); k += 8 }
        var t = s.sum()
        while k < K { t += a[k] * b0[k]; k += 1 }
        if accumulate { c[n] += t } else { c[n] = t }
        n += 1
    }
}

/// `C[m, n] += Σ_k A(m, k) · B[k, n]` where `A(m, k) = A[m * rowStrideA + k * colStrideA]`.
///
/// With `(rowStrideA, colStrideA) = (lda, 1)` this is `C += A B` (the input gradient of a linear
/// layer, `dx = dy W`); with `(1, lda)` it is `C += Aᵀ B` (its weight gradient, `dW = dyᵀ x`,
/// summed over every row of a whole unrolled sequence in one call).
public func gemmAccumulate(
    _ M: Int, _ N: Int, _ K: Int,
    _ A: UnsafePointer<Float>, rowStrideA: Int, colStrideA: Int,
    _ B: UnsafePointer<Float>, _ ldb: Int,
    _ C: UnsafeMutablePointer<Float>, _ ldc: Int
) {
    let n8 = N & ~7
    var m = 0
    while m < M {
        let rows = min(4, M - m)
        if rows < 4 {
            for r in m..<M { accumulateRow(K, N, A + r * rowStrideA, colStrideA, B, ldb, C + r * ldc) }
            return
        }
        let c0 = C + m * ldc
        let c1 = C + (m + min(1, rows - 1)) * ldc
        let c2 = C + (m + min(2, rows - 1)) * ldc
        let c3 = C + (m + min(3, rows - 1)) * ldc
        let a0 = A + m * rowStrideA
        let a1 = A + (m + min(1, rows - 1)) * rowStrideA
        let a2 = A + (m + min(2, rows - 1)) * rowStrideA
        let a3 = A + (m + min(3, rows - 1)) * rowStrideA
        var n = 0
        while n < n8 {
            var s0 = SIMD8<Float>(), s1 = SIMD8<Float>(), s2 = SIMD8<Float>(), s3 = SIMD8<Float>()
            var k = 0
            while k < K {
                let b = load8(B + k * ldb + n)
                let o = k * colStrideA
                s0 += SIMD8(repeating: a0[o]) * b
                s1 += SIMD8(repeating: a1[o]) * b
                s2 += SIMD8(repeating: a2[o]) * b
                s3 += SIMD8(repeating: a3[o]) * b
                k += 1
            }
            // Rows past the end alias the last real row; store in reverse so the real one wins.
            if rows > 3 { store8(load8(c3 + n) + s3, c3 + n) }
            if rows > 2 { store8(load8(c2 + n) + s2, c2 + n) }
            if rows > 1 { store8(load8(c1 + n) + s1, c1 + n) }
            store8(load8(c0 + n) + s0, c0 + n)
            n += 8
        }
        if n + 4 <= N {
            // A block of four columns with 4-wide vectors (N = 100 leaves exactly this).
            var s0 = SIMD4<Float>(), s1 = SIMD4<Float>(), s2 = SIMD4<Float>(), s3 = SIMD4<Float>()
            for k in 0..<K {
                let b = UnsafeRawPointer(B + k * ldb + n).loadUnaligned(as: SIMD4<Float>.self)
                let o = k * colStrideA
                s0 += SIMD4(repeating: a0[o]) * b
                s1 += SIMD4(repeating: a1[o]) * b
                s2 += SIMD4(repeating: a2[o]) * b
                s3 += SIMD4(repeating: a3[o]) * b
            }
            let c = C + m * ldc + n
            for i in 0..<4 {
                c[i] += s0[i]
                c[ldc + i] += s1[i]
                c[2 * ldc + i] += s2[i]
                c[3 * ldc + i] += s3[i]
            }
            n += 4
        }
        while n < N {
            // The four rows' sums in one pass: four independent chains of additions, each in order of k.
            var t0: Float = 0, t1: Float = 0, t2: Float = 0, t3: Float = 0
            for k in 0..<K {
                let b = B[k * ldb + n], o = k * colStrideA
                t0 += a0[o] * b
                t1 += a1[o] * b
                t2 += a2[o] * b
                t3 += a3[o] * b
            }
            C[m * ldc + n] += t0
            C[(m + 1) * ldc + n] += t1
            C[(m + 2) * ldc + n] += t2
            C[(m + 3) * ldc + n] += t3
            n += 1
        }
        m += rows
    }
}

/// One row of ``gemmAccumulate``: `c[n] += Σ_k a(k) B[k, n]`, as axpys over rows of `B`, four rows of `B`
/// at a time: `c + x0 b0 + x1 b1 + x2 b2 + x3 b3` per block of four `k` in the vector columns,
/// `c + (x0 b0 + x1 b1 + x2 b2 + x3 b3)` in the scalar tail, then `c + x b` for the last `K mod 4`.
/// `c` goes through memory at every block of four `k`: every vector of columns is then an independent
/// chain of additions. Holding 32 columns in registers across the whole `k` loop instead was tried and
/// took 10–20 % longer: four chains of dependent additions bound it by latency.
@inline(__always) private func accumulateRow(
    _ K: Int, _ N: Int, _ a: UnsafePointer<Float>, _ colStrideA: Int,
    _ B: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>
) {
    let n8 = N & ~7
    var k = 0
    while k + 4 <= K {
        let x0 = a[k * colStrideA], x1 = a[(k + 1) * colStrideA]
        let x2 = a[(k + 2) * colStrideA], x3 = a[(k + 3) * colStrideA]
        let b0 = B + k * ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb
        let v0 = SIMD8(repeating: x0), v1 = SIMD8(repeating: x1)
        let v2 = SIMD8(repeating: x2), v3 = SIMD8(repeating: x3)
        var n = 0
        while n < n8 {
            let sum = load8(c + n) + v0 * load8(b0 + n) + v1 * load8(b1 + n) + v2 * load8(b2 + n) + v3 * load8(b3 + n)
            store8(sum, c + n)
            n += 8
        }
        while n < N {
            c[n] += x0 * b0[n] + x1 * b1[n] + x2 * b2[n] + x3 * b3[n]
            n += 1
        }
        k += 4
    }
    while k < K {
        let x = a[k * colStrideA], b = B + k * ldb
        for n in 0..<N { c[n] += x * b[n] }
        k += 1
    }
}

/// `dst[j, i] = src[i, j]` for a `[rows, cols]` source, in 8 x 8 tiles so both sides stay in cache.
public func transpose(
    _ rows: Int, _ cols: Int, _ src: UnsafePointer<Float>, _ lds: Int, _ dst: UnsafeMutablePointer<Float>, _ ldd: Int
) {
    var i0 = 0
    while i0 < rows {
        let i1 = min(i0 + 8, rows)
        var j0 = 0
        while j0 < cols {
            let j1 = min(j0 + 8, cols)
            for i in i0..<i1 {
                let s = src + i * lds
                for j in j0..<j1 { dst[j * ldd + i] = s[j] }
            }
            j0 = j1
        }
        i0 = i1
    }
}

/// `C[m, n] += Σ_k A[k, m] · B[k, n]` — a weight gradient `dW += dyᵀ x` over all `K` rows of a sequence.
///
/// `A` (`[K, M]`, row stride `lda`) is first transposed into `scratch` (at least `M * K` floats), so that
/// the product reads both operands along contiguous rows; reading `A` column-wise directly makes the
/// product memory-bound once `A` outgrows the cache.
public func gemmAccumulateTN(
    _ M: Int, _ N: Int, _ K: Int,
    _ A: UnsafePointer<Float>, _ lda: Int,
    _ B: UnsafePointer<Float>, _ ldb: Int,
    _ C: UnsafeMutablePointer<Float>, _ ldc: Int,
    scratch: UnsafeMutablePointer<Float>
) {
    transpose(K, M, A, lda, scratch, K)
    gemmAccumulate(M, N, K, scratch, rowStrideA: K, colStrideA: 1, B, ldb, C, ldc)
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
