// Reading from memory: a weighted sum of rows (models.md § NTM, step 4).
import NTMCore

/// `r = Σ_n w_n Mem[n]`, with `w` `[N]`, `Mem` `[N, M]`, `r` `[M]`.
public enum WeightedRead {
    public static func forward(
        output r: UnsafeMutablePointer<Float>, weighting w: UnsafePointer<Float>,
        memory: UnsafePointer<Float>, rows N: Int, width M: Int
    ) {
        // Every r_m is ((0 + w_0 Mem[0,m]) + w_1 Mem[1,m]) + …, rows in order, as one axpy per row would
        // give; a block of columns stays in registers across all rows instead of going through `r` at
        // every row, which made each row wait on the last one's store.
        var m = 0
        while m + 16 <= M {
            // Sixteen columns per pass over the rows, and the next four too when only four to seven are
            // left (the paper's width of 20: 8 + 8 + 4, three independent chains of additions).
            let withFour = (4..<8).contains(M - m - 16)
            var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD4<Float>()
            for n in 0..<N {
                let wn = SIMD8<Float>(repeating: w[n]), row = memory + n * M + m
                a0 += wn * load8(row)
                a1 += wn * load8(row + 8)
                if withFour { a2 += wn.lowHalf * load4(row + 16) }
            }
            store8(a0, r + m)
            store8(a1, r + m + 8)
            if withFour { store4(a2, r + m + 16) }
            m += withFour ? 20 : 16
        }
        if m + 8 <= M {
            var a0 = SIMD8<Float>()
            for n in 0..<N { a0 += SIMD8<Float>(repeating: w[n]) * load8(memory + n * M + m) }
            store8(a0, r + m)
            m += 8
        }
        if m + 4 <= M {
            var a0 = SIMD4<Float>()
            for n in 0..<N { a0 += SIMD4<Float>(repeating: w[n]) * load4(memory + n * M + m) }
            store4(a0, r + m)
            m += 4
        }
        while m < M {
            var a: Float = 0
            for n in 0..<N { a += w[n] * memory[n * M + m] }
            r[m] = a
            m += 1
        }
    }

    /// Adds into (see ``GradientConvention``) `dL/dw_n = dr · Mem[n]` and `dL/dMem[n] = w_n dr`.
    public static func backward(
        outputGradient dr: UnsafePointer<Float>, weighting w: UnsafePointer<Float>,
        memory: UnsafePointer<Float>, rows N: Int, width M: Int,
        weightingGradient dw: UnsafeMutablePointer<Float>, memoryGradient dMem: UnsafeMutablePointer<Float>
    ) {
        for n in 0..<N {
            dw[n] += dot(dr, memory + n * M, M)
            axpy(w[n], dr, dMem + n * M, M)
        }
    }
}
