// Addressing kernels (spec § NTM step 3): softmax, cosine similarity, interpolation, circular shift
// and sharpening, each forward beside its backward. Backward passes add into input gradients.

extension Kernels {
    /// Softmax of each row of length `L`, shifted by the row's maximum.
    static func softmaxForward<S: GraphScalar>(_ R: Int, _ L: Int, _ x: UnsafeMutablePointer<S>, _ y: UnsafeMutablePointer<S>) {
        for r in 0..<R {
            let xr = x + r * L, yr = y + r * L
            var mx = xr[0]
            for i in 1..<max(L, 1) { mx = Swift.max(mx, xr[i]) }
            var s: S = 0
            for i in 0..<L { yr[i] = S.exp(xr[i] - mx); s += yr[i] }
            let inv = 1 / s
            for i in 0..<L { yr[i] *= inv }
        }
    }

    /// `dx_i += y_i (dy_i - Σ_j y_j dy_j)`.
    static func softmaxBackward<S: GraphScalar>(_ R: Int, _ L: Int, _ y: UnsafeMutablePointer<S>, _ dy: UnsafeMutablePointer<S>,
                                                _ dx: UnsafeMutablePointer<S>) {
        for r in 0..<R {
            let yr = y + r * L, dyr = dy + r * L, dxr = dx + r * L
            var dot: S = 0
            for i in 0..<L { dot += yr[i] * dyr[i] }
            for i in 0..<L { dxr[i] += yr[i] * (dyr[i] - dot) }
        }
    }

    /// `(k · r, ‖r‖²)` over `M` entries: what the cosine similarity's forward and backward both need.
    @inline(__always)
    static func dotAndSquaredNorm<S: GraphScalar>(_ k: UnsafeMutablePointer<S>, _ r: UnsafeMutablePointer<S>, _ M: Int) -> (dot: S, squaredNorm: S) {
        var dot: S = 0, rr: S = 0
        for m in 0..<M { dot += k[m] * r[m]; rr += r[m] * r[m] }
        return (dot, rr)
    }

    /// `K_n = k · A[n] / (‖k‖ ‖A[n]‖ + ε)`.
    static func cosineForward<S: GraphScalar>(_ B: Int, _ N: Int, _ M: Int, _ eps: S, _ k: UnsafeMutablePointer<S>, _ sk: Int,
                                              _ a: UnsafeMutablePointer<S>, _ sa: Int, _ y: UnsafeMutablePointer<S>) {
        for b in 0..<B {
            let kb = k + b * sk, ab = a + b * sa
            let kn = S.sqrt(dotAndSquaredNorm(kb, kb, M).dot)
            for n in 0..<N {
                let (dot, rr) = dotAndSquaredNorm(kb, ab + n * M, M)
                y[b * N + n] = dot / (kn * S.sqrt(rr) + eps)
            }
        }
    }

    /// With `d_n = ‖k‖ ‖A_n‖ + ε`: `∂K_n/∂k = A_n / d_n - K_n ‖A_n‖ k / (‖k‖ d_n)` and
    /// `∂K_n/∂A_n = k / d_n - K_n ‖k‖ A_n / (‖A_n‖ d_n)`; a zero norm contributes no gradient through itself.
    static func cosineBackward<S: GraphScalar>(_ B: Int, _ N: Int, _ M: Int, _ eps: S, _ k: UnsafeMutablePointer<S>, _ sk: Int,
                                               _ a: UnsafeMutablePointer<S>, _ sa: Int, _ dy: UnsafeMutablePointer<S>,
                                               _ dk: UnsafeMutablePointer<S>?, _ da: UnsafeMutablePointer<S>?) {
        for b in 0..<B {
            let kb = k + b * sk, ab = a + b * sa
            let kn = S.sqrt(dotAndSquaredNorm(kb, kb, M).dot)
            for n in 0..<N {
                let row = ab + n * M
                let (dot, rr) = dotAndSquaredNorm(kb, row, M)
                let rn = S.sqrt(rr), d = kn * rn + eps
                let g = dy[b * N + n], K = dot / d
                if let dk {
                    let c = kn > 0 ? K * rn / (kn * d) : 0
                    let dkb = dk + b * sk
                    for m in 0..<M { dkb[m] += g * (row[m] / d - c * kb[m]) }
                }
                if let da {
                    let c = rn > 0 ? K * kn / (rn * d) : 0
                    let drow = da + b * sa + n * M
                    for m in 0..<M { drow[m] += g * (kb[m] / d - c * row[m]) }
                }
            }
        }
    }

    /// `y = g a + (1 - g) c`, `g` one scalar per item.
    static func interpolateForward<S: GraphScalar>(_ B: Int, _ N: Int, _ g: UnsafeMutablePointer<S>, _ sg: Int,
                                                   _ a: UnsafeMutablePointer<S>, _ sa: Int, _ c: UnsafeMutablePointer<S>, _ sc: Int,
                                                   _ y: UnsafeMutablePointer<S>) {
        for b in 0..<B {
            let gb = g[b * sg], ab = a + b * sa, cb = c + b * sc
            for n in 0..<N { y[b * N + n] = gb * ab[n] + (1 - gb) * cb[n] }
        }
    }

    static func interpolateBackward<S: GraphScalar>(_ B: Int, _ N: Int, _ g: UnsafeMutablePointer<S>, _ sg: Int,
                                                    _ a: UnsafeMutablePointer<S>, _ sa: Int, _ c: UnsafeMutablePointer<S>, _ sc: Int,
                                                    _ dy: UnsafeMutablePointer<S>, _ dg: UnsafeMutablePointer<S>?,
                                                    _ da: UnsafeMutablePointer<S>?, _ dc: UnsafeMutablePointer<S>?) {
        for b in 0..<B {
            let gb = g[b * sg], ab = a + b * sa, cb = c + b * sc, dyb = dy + b * N
            if let dg { var s: S = 0; for n in 0..<N { s += dyb[n] * (ab[n] - cb[n]) }; dg[b * sg] += s }
            if let da { for n in 0..<N { da[b * sa + n] += gb * dyb[n] } }
            if let dc { for n in 0..<N { dc[b * sc + n] += (1 - gb) * dyb[n] } }
        }
    }

    /// `y_n = Σ_{j=-S..S} w_{(n - j) mod N} s_{j+S}`.
    static func shiftForward<S: GraphScalar>(_ B: Int, _ N: Int, _ K: Int, _ w: UnsafeMutablePointer<S>, _ sw: Int,
                                             _ s: UnsafeMutablePointer<S>, _ ss: Int, _ y: UnsafeMutablePointer<S>) {
        let half = K / 2
        for b in 0..<B {
            let wb = w + b * sw, sb = s + b * ss, yb = y + b * N
            for n in 0..<N {
                var acc: S = 0
                for j in 0..<K {
                    var src = (n - (j - half)) % N
                    if src < 0 { src += N }
                    acc += wb[src] * sb[j]
                }
                yb[n] = acc
            }
        }
    }

    static func shiftBackward<S: GraphScalar>(_ B: Int, _ N: Int, _ K: Int, _ w: UnsafeMutablePointer<S>, _ sw: Int,
                                              _ s: UnsafeMutablePointer<S>, _ ss: Int, _ dy: UnsafeMutablePointer<S>,
                                              _ dw: UnsafeMutablePointer<S>?, _ ds: UnsafeMutablePointer<S>?) {
        let half = K / 2
        for b in 0..<B {
            let wb = w + b * sw, sb = s + b * ss, dyb = dy + b * N
            for n in 0..<N {
                for j in 0..<K {
                    var src = (n - (j - half)) % N
                    if src < 0 { src += N }
                    if let dw { dw[b * sw + src] += dyb[n] * sb[j] }
                    if let ds { ds[b * ss + j] += dyb[n] * wb[src] }
                }
            }
        }
    }

    /// `y_n = w_n^γ / (Σ_m w_m^γ + ε)`, with `0^γ = 0`.
    static func sharpenForward<S: GraphScalar>(_ B: Int, _ N: Int, _ eps: S, _ w: UnsafeMutablePointer<S>, _ sw: Int,
                                               _ gamma: UnsafeMutablePointer<S>, _ sg: Int, _ y: UnsafeMutablePointer<S>) {
        for b in 0..<B {
            let wb = w + b * sw, g = gamma[b * sg], yb = y + b * N
            var z: S = 0
            for n in 0..<N { yb[n] = wb[n] > 0 ? S.pow(wb[n], g) : 0; z += yb[n] }
            let inv = 1 / (z + eps)
            for n in 0..<N { yb[n] *= inv }
        }
    }

    /// With `p_n = w_n^γ` and `Z = Σ p + ε` (so `y = p / Z`): `dp_n = (dy_n - Σ_m dy_m y_m) / Z`,
    /// `dw_n += dp_n γ p_n / w_n`, `dγ += Σ_n dp_n p_n log w_n`, over entries with `w_n > 0`.
    static func sharpenBackward<S: GraphScalar>(_ B: Int, _ N: Int, _ eps: S, _ w: UnsafeMutablePointer<S>, _ sw: Int,
                                                _ gamma: UnsafeMutablePointer<S>, _ sg: Int, _ y: UnsafeMutablePointer<S>,
                                                _ dy: UnsafeMutablePointer<S>, _ dw: UnsafeMutablePointer<S>?,
                                                _ dgamma: UnsafeMutablePointer<S>?) {
        for b in 0..<B {
            let wb = w + b * sw, g = gamma[b * sg], yb = y + b * N, dyb = dy + b * N
            var z: S = 0, dot: S = 0
            for n in 0..<N where wb[n] > 0 { z += S.pow(wb[n], g) }
            z += eps
            for n in 0..<N { dot += dyb[n] * yb[n] }
            var dg: S = 0
            for n in 0..<N where wb[n] > 0 {
                let p = S.pow(wb[n], g)
                let dp = (dyb[n] - dot) / z
                if let dw { dw[b * sw + n] += dp * g * p / wb[n] }
                dg += dp * p * S.log(wb[n])
            }
            if let dgamma { dgamma[b * sg] += dg }
        }
    }
}
