// Location addressing, part 2: circular convolution with the shift weighting.
import NTMCore

/// `ws_n = Σ_{j=-S..S} wg_{(n - j) mod N} s_j`, where `s` has `2S + 1` entries, entry 0 for shift `-S`
/// and the last for `+S`. A shift of `+1` moves the focus from row `n` to row `n + 1`.
public enum CircularShift {
    public static func forward(
        output ws: UnsafeMutablePointer<Float>, input wg: UnsafePointer<Float>,
        shifts s: UnsafePointer<Float>, shiftRange S: Int, count N: Int
    ) {
        for n in 0..<N {
            var acc: Float = 0
            for j in -S...S {
                acc += wg[modulo(n - j, N)] * s[j + S]
            }
            ws[n] = acc
        }
    }

    /// Adds `dL/dwg_{(n-j) mod N} += dws_n s_j` and `dL/ds_j += Σ_n dws_n wg_{(n-j) mod N}`.
    public static func backward(
        outputGradient dws: UnsafePointer<Float>, input wg: UnsafePointer<Float>,
        shifts s: UnsafePointer<Float>, shiftRange S: Int, count N: Int,
        inputGradient dwg: UnsafeMutablePointer<Float>, shiftGradient ds: UnsafeMutablePointer<Float>
    ) {
        for n in 0..<N {
            let g = dws[n]
            for j in -S...S {
                let src = modulo(n - j, N)
                dwg[src] += g * s[j + S]
                ds[j + S] += g * wg[src]
            }
        }
    }

    @inline(__always) static func modulo(_ a: Int, _ n: Int) -> Int {
        let r = a % n
        return r < 0 ? r + n : r
    }
}
