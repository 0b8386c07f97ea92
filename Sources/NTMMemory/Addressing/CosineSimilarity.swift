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

    /// Given `dL/dK` (`[N]`), adds into (see ``GradientConvention``) `dL/dk` (`[M]`) and `dL/dMem` (`[N, M]`):
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
        for n in 0..<N {
            let g = dK[n]
            if g == 0 { continue }
            let row = memory + n * M, dRow = dMem + n * M
            let rowNorm = rowNorms[n]
            let D = keyNorm * rowNorm + epsilon
            let inv = g / D
            let keyScale = keyNorm > 0 ? g * K[n] * rowNorm / (keyNorm * D) : 0
            let rowScale = rowNorm > 0 ? g * K[n] * keyNorm / (rowNorm * D) : 0
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
            while m < M {
                dk[m] += row[m] * inv - k[m] * keyScale
                dRow[m] += k[m] * inv - row[m] * rowScale
                m += 1
            }
        }
    }
}
