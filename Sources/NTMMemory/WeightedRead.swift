// Reading from memory: a weighted sum of rows (models.md § NTM, step 4).
import NTMCore

/// `r = Σ_n w_n Mem[n]`, with `w` `[N]`, `Mem` `[N, M]`, `r` `[M]`.
public enum WeightedRead {
    public static func forward(
        output r: UnsafeMutablePointer<Float>, weighting w: UnsafePointer<Float>,
        memory: UnsafePointer<Float>, rows N: Int, width M: Int
    ) {
        r.update(repeating: 0, count: M)
        for n in 0..<N { axpy(w[n], memory + n * M, r, M) }
    }

    /// Adds `dL/dw_n = dr · Mem[n]` and `dL/dMem[n] = w_n dr`.
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
