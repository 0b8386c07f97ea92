// Structural kernels: reductions, concatenation, slicing, transposes, cumulative products and the
// index choices (sort, top-k, gather, scatter, one-hot). Backward passes add into input gradients.

extension Kernels {
    static func sumForward<S: GraphScalar>(_ R: Int, _ L: Int, _ x: UnsafeMutablePointer<S>, _ y: UnsafeMutablePointer<S>) {
        for r in 0..<R {
            var s: S = 0
            for i in 0..<L { s += x[r * L + i] }
            y[r] = s
        }
    }

    /// Concatenates along the last axis; each part is `(rows per item, length, batch stride)`.
    static func concatForward<S: GraphScalar>(_ B: Int, _ parts: [(rows: Int, len: Int, stride: Int)],
                                              _ x: [UnsafeMutablePointer<S>], _ L: Int, _ y: UnsafeMutablePointer<S>) {
        let rows = parts[0].rows
        for b in 0..<B {
            for r in 0..<rows {
                var o = (b * rows + r) * L
                for (p, part) in parts.enumerated() {
                    (y + o).update(from: x[p] + b * part.stride + r * part.len, count: part.len)
                    o += part.len
                }
            }
        }
    }

    static func concatBackward<S: GraphScalar>(_ B: Int, _ parts: [(rows: Int, len: Int, stride: Int)], _ L: Int,
                                               _ dy: UnsafeMutablePointer<S>, _ dx: [UnsafeMutablePointer<S>?]) {
        let rows = parts[0].rows
        for b in 0..<B {
            for r in 0..<rows {
                var o = (b * rows + r) * L
                for (p, part) in parts.enumerated() {
                    if let d = dx[p] {
                        let dp = d + b * part.stride + r * part.len
                        for i in 0..<part.len { dp[i] += dy[o + i] }
                    }
                    o += part.len
                }
            }
        }
    }

    static func sliceForward<S: GraphScalar>(_ R: Int, _ L: Int, _ start: Int, _ count: Int, _ x: UnsafeMutablePointer<S>,
                                             _ y: UnsafeMutablePointer<S>) {
        for r in 0..<R { (y + r * count).update(from: x + r * L + start, count: count) }
    }

    static func transposeForward<S: GraphScalar>(_ B: Int, _ N: Int, _ M: Int, _ x: UnsafeMutablePointer<S>, _ y: UnsafeMutablePointer<S>) {
        for b in 0..<B { for n in 0..<N { for m in 0..<M { y[b * N * M + m * N + n] = x[b * N * M + n * M + m] } } }
    }

    static func transposeBackward<S: GraphScalar>(_ B: Int, _ N: Int, _ M: Int, _ dy: UnsafeMutablePointer<S>, _ dx: UnsafeMutablePointer<S>) {
        for b in 0..<B { for n in 0..<N { for m in 0..<M { dx[b * N * M + n * M + m] += dy[b * N * M + m * N + n] } } }
    }

    /// `y_i = Π_{j ≤ i} x_j` (or `j < i` when `exclusive`).
    static func cumprodForward<S: GraphScalar>(_ R: Int, _ L: Int, _ exclusive: Bool, _ x: UnsafeMutablePointer<S>,
                                               _ y: UnsafeMutablePointer<S>) {
        for r in 0..<R {
            var p: S = 1
            for i in 0..<L {
                if exclusive { y[r * L + i] = p; p *= x[r * L + i] } else { p *= x[r * L + i]; y[r * L + i] = p }
            }
        }
    }

    /// `dx_k += Σ_{i ≥ k} dy_i Π_{j ≤ i, j ≠ k} x_j` (`i > k`, `j < i` when exclusive), computed
    /// without dividing by `x_k`, so zeros are handled exactly. `O(L²)` per row.
    static func cumprodBackward<S: GraphScalar>(_ R: Int, _ L: Int, _ exclusive: Bool, _ x: UnsafeMutablePointer<S>,
                                                _ dy: UnsafeMutablePointer<S>, _ dx: UnsafeMutablePointer<S>) {
        for r in 0..<R {
            let xr = x + r * L, dyr = dy + r * L
            for k in 0..<L {
                var prefix: S = 1
                for j in 0..<k { prefix *= xr[j] }
                // Running product of x_j for k < j, times dy at each i.
                var acc: S = 0, run: S = prefix
                for i in k..<L {
                    if exclusive {
                        if i > k { acc += dyr[i] * run; run *= xr[i] }
                    } else {
                        if i > k { run *= xr[i] }
                        acc += dyr[i] * run
                    }
                }
                dx[r * L + k] += acc
            }
        }
    }

    /// Stable sort of each row (ascending unless told otherwise), keeping the first `k` values and
    /// their source indices (stored as scalars, exact below 2^24).
    static func sortForward<S: GraphScalar>(_ R: Int, _ L: Int, _ k: Int, _ ascending: Bool, _ x: UnsafeMutablePointer<S>,
                                            _ y: UnsafeMutablePointer<S>, _ idx: UnsafeMutablePointer<S>, _ runner: ProgramRunner<S>) {
        let order = runner.scratchBuffer
        for r in 0..<R {
            let xr = x + r * L
            for i in 0..<L { order[i] = S(i) }
            // Insertion sort: stable, allocation-free, and rows are short (memory rows).
            for i in 1..<max(L, 1) {
                let v = order[i], xv = xr[v.index]
                var j = i - 1
                while j >= 0 && (ascending ? xr[order[j].index] > xv : xr[order[j].index] < xv) {
                    order[j + 1] = order[j]
                    j -= 1
                }
                order[j + 1] = v
            }
            for i in 0..<k {
                y[r * k + i] = xr[order[i].index]
                idx[r * k + i] = order[i]
                runner.decide(order[i].index)
            }
        }
    }

    static func gatherForward<S: GraphScalar>(_ B: Int, _ rows: Int, _ xl: Int, _ il: Int, _ x: UnsafeMutablePointer<S>, _ sx: Int,
                                              _ idx: UnsafeMutablePointer<S>, _ si: Int, _ y: UnsafeMutablePointer<S>) {
        for b in 0..<B {
            for r in 0..<rows {
                for i in 0..<il {
                    let j = idx[b * si + r * il + i].index
                    precondition(j >= 0 && j < xl, "gather: index \(j) outside 0..<\(xl)")
                    y[(b * rows + r) * il + i] = x[b * sx + r * xl + j]
                }
            }
        }
    }

    static func gatherBackward<S: GraphScalar>(_ B: Int, _ rows: Int, _ xl: Int, _ il: Int, _ sx: Int,
                                               _ idx: UnsafeMutablePointer<S>, _ si: Int, _ dy: UnsafeMutablePointer<S>,
                                               _ dx: UnsafeMutablePointer<S>) {
        for b in 0..<B {
            for r in 0..<rows {
                for i in 0..<il { dx[b * sx + r * xl + idx[b * si + r * il + i].index] += dy[(b * rows + r) * il + i] }
            }
        }
    }

    static func scatterForward<S: GraphScalar>(_ B: Int, _ rows: Int, _ k: Int, _ n: Int, _ v: UnsafeMutablePointer<S>, _ sv: Int,
                                               _ idx: UnsafeMutablePointer<S>, _ si: Int, _ y: UnsafeMutablePointer<S>) {
        for b in 0..<B {
            for r in 0..<rows {
                let yr = y + (b * rows + r) * n
                for i in 0..<n { yr[i] = 0 }
                for i in 0..<k {
                    let j = idx[b * si + r * k + i].index
                    precondition(j >= 0 && j < n, "scatter: index \(j) outside 0..<\(n)")
                    yr[j] += v[b * sv + r * k + i]
                }
            }
        }
    }

    static func scatterBackward<S: GraphScalar>(_ B: Int, _ rows: Int, _ k: Int, _ n: Int, _ sv: Int,
                                                _ idx: UnsafeMutablePointer<S>, _ si: Int, _ dy: UnsafeMutablePointer<S>,
                                                _ dv: UnsafeMutablePointer<S>) {
        for b in 0..<B {
            for r in 0..<rows {
                for i in 0..<k { dv[b * sv + r * k + i] += dy[(b * rows + r) * n + idx[b * si + r * k + i].index] }
            }
        }
    }

    static func oneHotForward<S: GraphScalar>(_ R: Int, _ k: Int, _ n: Int, _ idx: UnsafeMutablePointer<S>, _ y: UnsafeMutablePointer<S>) {
        for r in 0..<R {
            for i in 0..<n { y[r * n + i] = 0 }
            for i in 0..<k {
                let j = idx[r * k + i].index
                precondition(j >= 0 && j < n, "oneHot: index \(j) outside 0..<\(n)")
                y[r * n + j] += 1
            }
        }
    }
}
