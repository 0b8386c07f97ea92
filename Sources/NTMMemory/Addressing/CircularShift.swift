// Location addressing, part 2: circular convolution with the shift weighting.
import NTMCore

/// `ws_n = Σ_{j=-S..S} wg_{(n - j) mod N} s_j`, where `s` has `2S + 1` entries, entry 0 for shift `-S`
/// and the last for `+S`. A shift of `+1` moves the focus from row `n` to row `n + 1`.
public enum CircularShift {
    public static func forward(
        output ws: UnsafeMutablePointer<Float>, input wg: UnsafePointer<Float>,
        shifts s: UnsafePointer<Float>, shiftRange S: Int, count N: Int
    ) {
        ws.update(repeating: 0, count: N)
        // For each shift j, ws[n] += s_j wg[n - j], in two runs split where the index wraps.
        for j in -S...S {
            let sj = s[j + S]
            let shift = modulo(j, N)  // ws[n] reads wg[(n - shift) mod N]
            for n in shift..<N { ws[n] += sj * wg[n - shift] }
            for n in 0..<shift { ws[n] += sj * wg[n + N - shift] }
        }
    }

    /// Adds `dL/dwg_{(n-j) mod N} += dws_n s_j` and `dL/ds_j += Σ_n dws_n wg_{(n-j) mod N}`.
    public static func backward(
        outputGradient dws: UnsafePointer<Float>, input wg: UnsafePointer<Float>,
        shifts s: UnsafePointer<Float>, shiftRange S: Int, count N: Int,
        inputGradient dwg: UnsafeMutablePointer<Float>, shiftGradient ds: UnsafeMutablePointer<Float>
    ) {
        for j in -S...S {
            let sj = s[j + S]
            let shift = modulo(j, N)
            var acc: Float = 0
            for n in shift..<N {
                dwg[n - shift] += dws[n] * sj
                acc += dws[n] * wg[n - shift]
            }
            for n in 0..<shift {
                dwg[n + N - shift] += dws[n] * sj
                acc += dws[n] * wg[n + N - shift]
            }
            ds[j + S] += acc
        }
    }

    @inline(__always) static func modulo(_ a: Int, _ n: Int) -> Int {
        let r = a % n
        return r < 0 ? r + n : r
    }
}
