// Content addressing, part 1: cosine similarity of a key with every memory row (models.md § NTM, step 3).
import NTMCore

/// Cosine similarity of a key `k` (`[M]`) with each row of a memory (`[N, M]`):
///
/// ```
/// K_n = (k · Mem[n]) / (‖k‖ ‖Mem[n]‖ + 1e-8)
/// ```
///
/// The `1e-8` keeps a zero key or a zero row finite (`K_n = 0`); the gradient then treats the
/// direction of a zero vector as zero.
public enum CosineSimilarity {
    public static let epsilon: Float = 1e-8

    /// Writes `K` (`[N]`) and the row norms `‖Mem[n]‖` (`rowNorms`, `[N]`); returns `‖k‖`. Heads that
    /// address the same memory pass `rowNormsAreKnown` after the first, which then reads them instead.
    @discardableResult
    public static func forward(
        similarity K: UnsafeMutablePointer<Float>, rowNorms: UnsafeMutablePointer<Float>,
        key k: UnsafePointer<Float>, memory: UnsafePointer<Float>, rows N: Int, width M: Int,
        rowNormsAreKnown: Bool = false
    ) -> Float {
        let keyNorm = NTMCore.dot(k, k, M).squareRoot()
        for n in 0..<N {
            let row = memory + n * M
            let rowNorm: Float
            if rowNormsAreKnown {
                rowNorm = rowNorms[n]
            } else {
                rowNorm = NTMCore.dot(row, row, M).squareRoot()
                rowNorms[n] = rowNorm
            }
            K[n] = NTMCore.dot(k, row, M) / (keyNorm * rowNorm + epsilon)
        }
        return keyNorm
    }

    /// Given `dL/dK` (`[N]`), adds `dL/dk` (`[M]`) and `dL/dMem` (`[N, M]`):
    ///
    /// ```
    /// D_n = ‖k‖ ‖Mem[n]‖ + 1e-8
    /// dK_n/dk      = Mem[n] / D_n - K_n ‖Mem[n]‖ k / (‖k‖ D_n)
    /// dK_n/dMem[n] = k / D_n      - K_n ‖k‖ Mem[n] / (‖Mem[n]‖ D_n)
    /// ```
    public static func backward(
        similarityGradient dK: UnsafePointer<Float>, similarity K: UnsafePointer<Float>,
        rowNorms: UnsafePointer<Float>, keyNorm: Float,
        key k: UnsafePointer<Float>, memory: UnsafePointer<Float>, rows N: Int, width M: Int,
        keyGradient dk: UnsafeMutablePointer<Float>, memoryGradient dMem: UnsafeMutablePointer<Float>
    ) {
        if M >= 20 && M < 24 {
            backward20(similarityGradient: dK, similarity: K, rowNorms: rowNorms, keyNorm: keyNorm, key: k,
                       memory: memory, rows: N, width: M, keyGradient: dk, memoryGradient: dMem)
        } else {
            backwardAnyWidth(similarityGradient: dK, similarity: K, rowNorms: rowNorms, keyNorm: keyNorm, key: k,
                             memory: memory, rows: N, width: M, keyGradient: dk, memoryGradient: dMem)
        }
    }

    /// The backward pass for any width.
    static func backwardAnyWidth(
        similarityGradient dK: UnsafePointer<Float>, similarity K: UnsafePointer<Float>,
        rowNorms: UnsafePointer<Float>, keyNorm: Float,
        key k: UnsafePointer<Float>, memory: UnsafePointer<Float>, rows N: Int, width M: Int,
        keyGradient dk: UnsafeMutablePointer<Float>, memoryGradient dMem: UnsafeMutablePointer<Float>
    ) {
        for n in 0..<N {
            let g = dK[n]
            if g == 0 { continue }
            let row = memory + n * M, dRow = dMem + n * M
            let (inv, keyScale, rowScale) = rowFactors(g, K[n], rowNorm: rowNorms[n], keyNorm: keyNorm)
            // One pass over the row: dk += inv row - keyScale k, dRow += inv k - rowScale row.
            let vInv = SIMD8<Float>(repeating: inv), vKey = SIMD8<Float>(repeating: keyScale)
            let vRow = SIMD8<Float>(repeating: rowScale)
            var m = 0
            while m + 8 <= M {
                let r = load8(row + m), kv = load8(k + m)
                store8(load8(dk + m) + vInv * r - vKey * kv, dk + m)
                store8(load8(dRow + m) + vInv * kv - vRow * r, dRow + m)
                m += 8
            }
            if m + 4 <= M {
                let r = load4(row + m), kv = load4(k + m)
                store4(load4(dk + m) + inv * r - keyScale * kv, dk + m)
                store4(load4(dRow + m) + inv * kv - rowScale * r, dRow + m)
                m += 4
            }
            scalarColumns(m..<M, inv, keyScale, rowScale, row: row, key: k, keyGradient: dk, rowGradient: dRow)
        }
    }

    /// `1 / D_n` and the two cancelling terms' factors of row `n`, each scaled by `g = dL/dK_n`.
    @inline(__always) static func rowFactors(_ g: Float, _ Kn: Float, rowNorm: Float, keyNorm: Float)
        -> (inv: Float, keyScale: Float, rowScale: Float) {
        let D = keyNorm * rowNorm + epsilon
        let keyScale = keyNorm > 0 ? g * Kn * rowNorm / (keyNorm * D) : 0
        let rowScale = rowNorm > 0 ? g * Kn * keyNorm / (rowNorm * D) : 0
        return (g / D, keyScale, rowScale)
    }

    /// The columns past the vector blocks, one at a time.
    @inline(__always) static func scalarColumns(
        _ columns: Range<Int>, _ inv: Float, _ keyScale: Float, _ rowScale: Float,
        row: UnsafePointer<Float>, key k: UnsafePointer<Float>,
        keyGradient dk: UnsafeMutablePointer<Float>, rowGradient dRow: UnsafeMutablePointer<Float>
    ) {
        for m in columns {
            dk[m] += row[m] * inv - k[m] * keyScale
            dRow[m] += k[m] * inv - row[m] * rowScale
        }
    }

    /// The backward pass above for widths 20–23 (the paper's 20): the same arithmetic in the same order,
    /// with the first 20 entries of `dL/dk` held in registers across all rows instead of going through
    /// memory at every row.
    static func backward20(
        similarityGradient dK: UnsafePointer<Float>, similarity K: UnsafePointer<Float>,
        rowNorms: UnsafePointer<Float>, keyNorm: Float,
        key k: UnsafePointer<Float>, memory: UnsafePointer<Float>, rows N: Int, width M: Int,
        keyGradient dk: UnsafeMutablePointer<Float>, memoryGradient dMem: UnsafeMutablePointer<Float>
    ) {
        let k0 = load8(k), k1 = load8(k + 8), k2 = load4(k + 16)
        var dk0 = load8(dk), dk1 = load8(dk + 8), dk2 = load4(dk + 16)
        for n in 0..<N {
            let g = dK[n]
            if g == 0 { continue }
            let row = memory + n * M, dRow = dMem + n * M
            let (inv, keyScale, rowScale) = rowFactors(g, K[n], rowNorm: rowNorms[n], keyNorm: keyNorm)
            let vInv = SIMD8<Float>(repeating: inv), vKey = SIMD8<Float>(repeating: keyScale)
            let vRow = SIMD8<Float>(repeating: rowScale)
            let r0 = load8(row), r1 = load8(row + 8), r2 = load4(row + 16)
            dk0 = dk0 + vInv * r0 - vKey * k0
            store8(load8(dRow) + vInv * k0 - vRow * r0, dRow)
            dk1 = dk1 + vInv * r1 - vKey * k1
            store8(load8(dRow + 8) + vInv * k1 - vRow * r1, dRow + 8)
            dk2 = dk2 + inv * r2 - keyScale * k2
            store4(load4(dRow + 16) + inv * k2 - rowScale * r2, dRow + 16)
            scalarColumns(20..<M, inv, keyScale, rowScale, row: row, key: k, keyGradient: dk, rowGradient: dRow)
        }
        store8(dk0, dk); store8(dk1, dk + 8); store4(dk2, dk + 16)
    }
}
