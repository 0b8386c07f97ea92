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

    /// Adds into (see ``GradientConvention``) `dL/dwg_{(n-j) mod N} += dws_n s_j` and
    /// `dL/ds_j += Σ_n dws_n wg_{(n-j) mod N}`.
    public static func backward(
        outputGradient dws: UnsafePointer<Float>, input wg: UnsafePointer<Float>,
        shifts s: UnsafePointer<Float>, shiftRange S: Int, count N: Int,
        inputGradient dwg: UnsafeMutablePointer<Float>, shiftGradient ds: UnsafeMutablePointer<Float>
    ) {
        if S == 1 && N >= 3 {
            backwardShiftRange1(outputGradient: dws, input: wg, shifts: s, count: N,
                                inputGradient: dwg, shiftGradient: ds)
        } else {
            backwardAnyRange(outputGradient: dws, input: wg, shifts: s, shiftRange: S, count: N,
                             inputGradient: dwg, shiftGradient: ds)
        }
    }

    /// The backward pass for any shift range.
    static func backwardAnyRange(
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

    /// The general loop above for shifts -1, 0, +1, in one pass over `k = n - j` instead of three, with the
    /// same arithmetic in the same order: `dL/dwg_k` gets its terms for `j = -1, 0, +1` in turn, and
    /// `dL/ds_j` sums its terms in order of `k` from 0, as the general loop does (it starts at
    /// `n = j mod N`, where `k = 0`). The three sums are then independent chains of additions that overlap,
    /// where the general loop ran them one after another.
    @inline(__always) static func backwardShiftRange1(
        outputGradient dws: UnsafePointer<Float>, input wg: UnsafePointer<Float>, shifts s: UnsafePointer<Float>,
        count N: Int, inputGradient dwg: UnsafeMutablePointer<Float>, shiftGradient ds: UnsafeMutablePointer<Float>
    ) {
        let sm = s[0], s0 = s[1], sp = s[2]
        var am: Float = 0, a0: Float = 0, ap: Float = 0
        // j = -1 reads dws at (k - 1) mod N, j = 0 at k, j = +1 at (k + 1) mod N.
        @inline(__always) func term(_ k: Int, _ previous: Int, _ next: Int) {
            let x = wg[k], gm = dws[previous], g0 = dws[k], gp = dws[next]
            var d = dwg[k]
            d += gm * sm
            d += g0 * s0
            d += gp * sp
            dwg[k] = d
            am += gm * x
            a0 += g0 * x
            ap += gp * x
        }
        term(0, N - 1, 1)
        for k in 1..<(N - 1) { term(k, k - 1, k + 1) }
        term(N - 1, N - 2, 0)
        ds[0] += am
        ds[1] += a0
        ds[2] += ap
    }

    @inline(__always) static func modulo(_ a: Int, _ n: Int) -> Int {
        let r = a % n
        return r < 0 ? r + n : r
    }
}
