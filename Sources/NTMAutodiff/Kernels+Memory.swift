// Writes to a memory matrix (spec § NTM step 5 and additive writes). Backward passes add into input gradients.

extension Kernels {
    /// `M' = M ∘ (1 - w eᵀ) + w aᵀ` per batch item; inputs `[M, w, e, a]` with their batch strides.
    static func eraseAddForward<S: GraphScalar>(_ B: Int, _ N: Int, _ M: Int, _ x: [UnsafeMutablePointer<S>], _ s: [Int],
                                                _ y: UnsafeMutablePointer<S>) {
        for b in 0..<B {
            let mem = x[0] + b * s[0], w = x[1] + b * s[1], e = x[2] + b * s[2], a = x[3] + b * s[3]
            let yb = y + b * N * M
            for n in 0..<N {
                let wn = w[n]
                for m in 0..<M { yb[n * M + m] = mem[n * M + m] * (1 - wn * e[m]) + wn * a[m] }
            }
        }
    }

    /// `dM += dM' ∘ (1 - w eᵀ)`, `dw_n += Σ_m dM'_nm (a_m - M_nm e_m)`, `de_m -= Σ_n dM'_nm M_nm w_n`,
    /// `da_m += Σ_n dM'_nm w_n`.
    static func eraseAddBackward<S: GraphScalar>(_ B: Int, _ N: Int, _ M: Int, _ x: [UnsafeMutablePointer<S>], _ s: [Int],
                                                 _ dy: UnsafeMutablePointer<S>, _ dx: [UnsafeMutablePointer<S>?]) {
        for b in 0..<B {
            let mem = x[0] + b * s[0], w = x[1] + b * s[1], e = x[2] + b * s[2], a = x[3] + b * s[3]
            let dyb = dy + b * N * M
            for n in 0..<N {
                let wn = w[n]
                var dwn: S = 0
                for m in 0..<M {
                    let g = dyb[n * M + m], old = mem[n * M + m]
                    if let dm = dx[0] { dm[b * s[0] + n * M + m] += g * (1 - wn * e[m]) }
                    dwn += g * (a[m] - old * e[m])
                    if let de = dx[2] { de[b * s[2] + m] -= g * old * wn }
                    if let da = dx[3] { da[b * s[3] + m] += g * wn }
                }
                if let dw = dx[1] { dw[b * s[1] + n] += dwn }
            }
        }
    }

    /// `M' = M + w aᵀ`; inputs `[M, w, a]`.
    static func additiveWriteForward<S: GraphScalar>(_ B: Int, _ N: Int, _ M: Int, _ x: [UnsafeMutablePointer<S>], _ s: [Int],
                                                     _ y: UnsafeMutablePointer<S>) {
        for b in 0..<B {
            let mem = x[0] + b * s[0], w = x[1] + b * s[1], a = x[2] + b * s[2], yb = y + b * N * M
            for n in 0..<N { for m in 0..<M { yb[n * M + m] = mem[n * M + m] + w[n] * a[m] } }
        }
    }

    static func additiveWriteBackward<S: GraphScalar>(_ B: Int, _ N: Int, _ M: Int, _ x: [UnsafeMutablePointer<S>], _ s: [Int],
                                                      _ dy: UnsafeMutablePointer<S>, _ dx: [UnsafeMutablePointer<S>?]) {
        for b in 0..<B {
            let w = x[1] + b * s[1], a = x[2] + b * s[2], dyb = dy + b * N * M
            for n in 0..<N {
                var dwn: S = 0
                for m in 0..<M {
                    let g = dyb[n * M + m]
                    if let dm = dx[0] { dm[b * s[0] + n * M + m] += g }
                    dwn += g * a[m]
                    if let da = dx[2] { da[b * s[2] + m] += g * w[n] }
                }
                if let dw = dx[1] { dw[b * s[1] + n] += dwn }
            }
        }
    }
}
