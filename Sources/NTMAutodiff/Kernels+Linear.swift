// Products: linear layers (on the kit's blocked Float32 kernels when the scalar is Float), matrix-
// vector products, weighted reads and outer products. Backward passes add into input gradients.
import NTMCore

extension Kernels {
    @inline(__always)
    static func asFloat<S>(_ p: UnsafeMutablePointer<S>) -> UnsafeMutablePointer<Float> {
        UnsafeMutableRawPointer(p).assumingMemoryBound(to: Float.self)
    }

    /// `y[r] = W x[r] + b`: `x` `[R, in]`, `W` `[out, in]`, `y` `[R, out]`. In Float the product runs on the
    /// kit's kernels and reads `Wᵀ` from `transposed`, which the runner keeps current.
    static func linearForward<S: GraphScalar>(_ R: Int, _ nIn: Int, _ nOut: Int, _ x: UnsafeMutablePointer<S>,
                                              _ w: UnsafeMutablePointer<S>, _ bias: UnsafeMutablePointer<S>?,
                                              _ y: UnsafeMutablePointer<S>, transposed: TransposedMatrix?) {
        if S.self == Float.self, let transposed {
            gemmNT(R, nOut, nIn, asFloat(x), nIn, transposed: transposed.base, nOut, asFloat(y), nOut, accumulate: false)
            if let bias { for r in 0..<R { for o in 0..<nOut { y[r * nOut + o] += bias[o] } } }
            return
        }
        for r in 0..<R {
            let xr = x + r * nIn
            for o in 0..<nOut {
                let wo = w + o * nIn
                var s: S = bias?[o] ?? 0
                for i in 0..<nIn { s += wo[i] * xr[i] }
                y[r * nOut + o] = s
            }
        }
    }

    /// `dx += dy W`, `dW += dyᵀ x`, `db += Σ_r dy[r]`.
    static func linearBackward<S: GraphScalar>(_ R: Int, _ nIn: Int, _ nOut: Int, _ x: UnsafeMutablePointer<S>,
                                               _ w: UnsafeMutablePointer<S>, _ dy: UnsafeMutablePointer<S>,
                                               _ dx: UnsafeMutablePointer<S>?, _ dw: UnsafeMutablePointer<S>?,
                                               _ db: UnsafeMutablePointer<S>?) {
        if S.self == Float.self {
            if let dx { gemmAccumulate(R, nIn, nOut, asFloat(dy), rowStrideA: nOut, colStrideA: 1, asFloat(w), nIn, asFloat(dx), nIn) }
            if let dw { gemmAccumulate(nOut, nIn, R, asFloat(dy), rowStrideA: 1, colStrideA: nOut, asFloat(x), nIn, asFloat(dw), nIn) }
        } else {
            if let dx {
                for r in 0..<R {
                    for o in 0..<nOut {
                        let g = dy[r * nOut + o], wo = w + o * nIn, dxr = dx + r * nIn
                        for i in 0..<nIn { dxr[i] += g * wo[i] }
                    }
                }
            }
            if let dw {
                for r in 0..<R {
                    let xr = x + r * nIn
                    for o in 0..<nOut {
                        let g = dy[r * nOut + o], dwo = dw + o * nIn
                        for i in 0..<nIn { dwo[i] += g * xr[i] }
                    }
                }
            }
        }
        if let db { for r in 0..<R { for o in 0..<nOut { db[o] += dy[r * nOut + o] } } }
    }

    /// `y[n] = Σ_m A[n, m] x[m]` per batch item.
    static func matvecForward<S: GraphScalar>(_ B: Int, _ N: Int, _ M: Int, _ a: UnsafeMutablePointer<S>, _ sa: Int,
                                              _ x: UnsafeMutablePointer<S>, _ sx: Int, _ y: UnsafeMutablePointer<S>) {
        for b in 0..<B {
            let ab = a + b * sa, xb = x + b * sx
            for n in 0..<N {
                var s: S = 0
                for m in 0..<M { s += ab[n * M + m] * xb[m] }
                y[b * N + n] = s
            }
        }
    }

    static func matvecBackward<S: GraphScalar>(_ B: Int, _ N: Int, _ M: Int, _ a: UnsafeMutablePointer<S>, _ sa: Int,
                                               _ x: UnsafeMutablePointer<S>, _ sx: Int, _ dy: UnsafeMutablePointer<S>,
                                               _ da: UnsafeMutablePointer<S>?, _ dx: UnsafeMutablePointer<S>?) {
        for b in 0..<B {
            let ab = a + b * sa, xb = x + b * sx, dyb = dy + b * N
            if let da { let d = da + b * sa; for n in 0..<N { for m in 0..<M { d[n * M + m] += dyb[n] * xb[m] } } }
            if let dx { let d = dx + b * sx; for n in 0..<N { for m in 0..<M { d[m] += dyb[n] * ab[n * M + m] } } }
        }
    }

    /// `r[m] = Σ_n w[n] A[n, m]` per batch item.
    static func vecmatForward<S: GraphScalar>(_ B: Int, _ N: Int, _ M: Int, _ w: UnsafeMutablePointer<S>, _ sw: Int,
                                              _ a: UnsafeMutablePointer<S>, _ sa: Int, _ y: UnsafeMutablePointer<S>) {
        for b in 0..<B {
            let wb = w + b * sw, ab = a + b * sa, yb = y + b * M
            for m in 0..<M { yb[m] = 0 }
            for n in 0..<N {
                let wn = wb[n], row = ab + n * M
                for m in 0..<M { yb[m] += wn * row[m] }
            }
        }
    }

    static func vecmatBackward<S: GraphScalar>(_ B: Int, _ N: Int, _ M: Int, _ w: UnsafeMutablePointer<S>, _ sw: Int,
                                               _ a: UnsafeMutablePointer<S>, _ sa: Int, _ dy: UnsafeMutablePointer<S>,
                                               _ dw: UnsafeMutablePointer<S>?, _ da: UnsafeMutablePointer<S>?) {
        for b in 0..<B {
            let wb = w + b * sw, ab = a + b * sa, dyb = dy + b * M
            for n in 0..<N {
                let row = ab + n * M
                if let dw {
                    var s: S = 0
                    for m in 0..<M { s += row[m] * dyb[m] }
                    dw[b * sw + n] += s
                }
                if let da { let d = da + b * sa + n * M, wn = wb[n]; for m in 0..<M { d[m] += wn * dyb[m] } }
            }
        }
    }

    /// `y[n, m] = a[n] c[m]` per batch item.
    static func outerForward<S: GraphScalar>(_ B: Int, _ N: Int, _ M: Int, _ a: UnsafeMutablePointer<S>, _ sa: Int,
                                             _ c: UnsafeMutablePointer<S>, _ sc: Int, _ y: UnsafeMutablePointer<S>) {
        for b in 0..<B {
            let ab = a + b * sa, cb = c + b * sc, yb = y + b * N * M
            for n in 0..<N { for m in 0..<M { yb[n * M + m] = ab[n] * cb[m] } }
        }
    }

    static func outerBackward<S: GraphScalar>(_ B: Int, _ N: Int, _ M: Int, _ a: UnsafeMutablePointer<S>, _ sa: Int,
                                              _ c: UnsafeMutablePointer<S>, _ sc: Int, _ dy: UnsafeMutablePointer<S>,
                                              _ da: UnsafeMutablePointer<S>?, _ dc: UnsafeMutablePointer<S>?) {
        for b in 0..<B {
            let ab = a + b * sa, cb = c + b * sc, dyb = dy + b * N * M
            for n in 0..<N {
                var s: S = 0
                for m in 0..<M {
                    s += dyb[n * M + m] * cb[m]
                    if let dc { dc[b * sc + m] += dyb[n * M + m] * ab[n] }
                }
                if let da { da[b * sa + n] += s }
            }
        }
    }
}
