// Writing to memory: erase then add, one write head (models.md § NTM, step 5).
import NTMCore

/// `Mem' = Mem ∘ (1 - w eᵀ) + w aᵀ`, with weighting `w` `[N]`, erase `e ∈ (0,1)^M`, add `a ∈ (-1,1)^M`.
public enum EraseAddWrite {
    /// Writes `Mem'` into `output` (`[N, M]`); `output` may be the same storage as `memory`.
    public static func forward(
        output: UnsafeMutablePointer<Float>, memory: UnsafePointer<Float>, weighting w: UnsafePointer<Float>,
        erase e: UnsafePointer<Float>, add a: UnsafePointer<Float>, rows N: Int, width M: Int
    ) {
        for n in 0..<N {
            let wn = w[n], row = memory + n * M, out = output + n * M
            for m in 0..<M { out[m] = row[m] * (1 - wn * e[m]) + wn * a[m] }
        }
    }

    /// Backward through one write. On entry `memoryGradient` holds `dL/dMem'`; on return it holds
    /// `dL/dMem = dL/dMem' ∘ (1 - w eᵀ)`. Adds
    ///
    /// ```
    /// dL/dw_n += Σ_m dMem'[n,m] (a_m - Mem[n,m] e_m)
    /// dL/de_m += -Σ_n dMem'[n,m] Mem[n,m] w_n
    /// dL/da_m += Σ_n dMem'[n,m] w_n
    /// ```
    /// where `Mem` is the memory before this write.
    public static func backward(
        memoryGradient dMem: UnsafeMutablePointer<Float>, memory: UnsafePointer<Float>,
        weighting w: UnsafePointer<Float>, erase e: UnsafePointer<Float>, add a: UnsafePointer<Float>,
        rows N: Int, width M: Int,
        weightingGradient dw: UnsafeMutablePointer<Float>, eraseGradient de: UnsafeMutablePointer<Float>,
        addGradient da: UnsafeMutablePointer<Float>
    ) {
        if M >= 20 && M < 24 {
            backward20(memoryGradient: dMem, memory: memory, weighting: w, erase: e, add: a, rows: N, width: M,
                       weightingGradient: dw, eraseGradient: de, addGradient: da)
        } else {
            backwardAnyWidth(memoryGradient: dMem, memory: memory, weighting: w, erase: e, add: a, rows: N, width: M,
                             weightingGradient: dw, eraseGradient: de, addGradient: da)
        }
    }

    /// The backward pass for any width.
    static func backwardAnyWidth(
        memoryGradient dMem: UnsafeMutablePointer<Float>, memory: UnsafePointer<Float>,
        weighting w: UnsafePointer<Float>, erase e: UnsafePointer<Float>, add a: UnsafePointer<Float>,
        rows N: Int, width M: Int,
        weightingGradient dw: UnsafeMutablePointer<Float>, eraseGradient de: UnsafeMutablePointer<Float>,
        addGradient da: UnsafeMutablePointer<Float>
    ) {
        let m8 = M & ~7
        for n in 0..<N {
            let wn = w[n], row = memory + n * M, dRow = dMem + n * M
            let w8 = SIMD8<Float>(repeating: wn)
            var acc = SIMD8<Float>()
            var m = 0
            while m < m8 {
                let g = load8(dRow + m), r = load8(row + m), ev = load8(e + m)
                acc += g * (load8(a + m) - r * ev)
                store8(load8(de + m) - g * r * w8, de + m)
                store8(load8(da + m) + g * w8, da + m)
                store8(g * (1 - w8 * ev), dRow + m)
                m += 8
            }
            if m + 4 <= M {
                let w4 = SIMD4<Float>(repeating: wn)
                let g = load4(dRow + m), r = load4(row + m), ev = load4(e + m)
                acc.lowHalf += g * (load4(a + m) - r * ev)
                store4(load4(de + m) - g * r * w4, de + m)
                store4(load4(da + m) + g * w4, da + m)
                store4(g * (1 - w4 * ev), dRow + m)
                m += 4
            }
            dw[n] += scalarColumns(m..<M, acc.sum(), wn, row: row, erase: e, add: a, rowGradient: dRow,
                                   eraseGradient: de, addGradient: da)
        }
    }

    /// The columns past the vector blocks, one at a time; returns `dL/dw_n`, the vector blocks' part
    /// (`partial`) plus theirs.
    @inline(__always) static func scalarColumns(
        _ columns: Range<Int>, _ partial: Float, _ wn: Float, row: UnsafePointer<Float>,
        erase e: UnsafePointer<Float>, add a: UnsafePointer<Float>, rowGradient dRow: UnsafeMutablePointer<Float>,
        eraseGradient de: UnsafeMutablePointer<Float>, addGradient da: UnsafeMutablePointer<Float>
    ) -> Float {
        var dwn = partial
        for m in columns {
            let g = dRow[m]
            dwn += g * (a[m] - row[m] * e[m])
            de[m] -= g * row[m] * wn
            da[m] += g * wn
            dRow[m] = g * (1 - wn * e[m])
        }
        return dwn
    }
    /// ``backward(memoryGradient:memory:weighting:erase:add:rows:width:weightingGradient:eraseGradient:addGradient:)``
    /// for widths 20–23 (the paper's 20): the same arithmetic in the same order, with the first 20 columns
    /// of `dL/de` and `dL/da` held in registers across all rows instead of going through memory at every
    /// row, which made each row wait for the last one's stores.
    static func backward20(
        memoryGradient dMem: UnsafeMutablePointer<Float>, memory: UnsafePointer<Float>,
        weighting w: UnsafePointer<Float>, erase e: UnsafePointer<Float>, add a: UnsafePointer<Float>,
        rows N: Int, width M: Int,
        weightingGradient dw: UnsafeMutablePointer<Float>, eraseGradient de: UnsafeMutablePointer<Float>,
        addGradient da: UnsafeMutablePointer<Float>
    ) {
        let e0 = load8(e), e1 = load8(e + 8), e2 = load4(e + 16)
        let a0 = load8(a), a1 = load8(a + 8), a2 = load4(a + 16)
        var de0 = load8(de), de1 = load8(de + 8), de2 = load4(de + 16)
        var da0 = load8(da), da1 = load8(da + 8), da2 = load4(da + 16)
        for n in 0..<N {
            let wn = w[n], row = memory + n * M, dRow = dMem + n * M
            let w8 = SIMD8<Float>(repeating: wn), w4 = SIMD4<Float>(repeating: wn)
            let g0 = load8(dRow), g1 = load8(dRow + 8), g2 = load4(dRow + 16)
            let r0 = load8(row), r1 = load8(row + 8), r2 = load4(row + 16)
            var acc = SIMD8<Float>()
            acc += g0 * (a0 - r0 * e0)
            de0 = de0 - g0 * r0 * w8
            da0 = da0 + g0 * w8
            store8(g0 * (1 - w8 * e0), dRow)
            acc += g1 * (a1 - r1 * e1)
            de1 = de1 - g1 * r1 * w8
            da1 = da1 + g1 * w8
            store8(g1 * (1 - w8 * e1), dRow + 8)
            acc.lowHalf += g2 * (a2 - r2 * e2)
            de2 = de2 - g2 * r2 * w4
            da2 = da2 + g2 * w4
            store4(g2 * (1 - w4 * e2), dRow + 16)
            dw[n] += scalarColumns(20..<M, acc.sum(), wn, row: row, erase: e, add: a, rowGradient: dRow,
                                   eraseGradient: de, addGradient: da)
        }
        store8(de0, de); store8(de1, de + 8); store4(de2, de + 16)
        store8(da0, da); store8(da1, da + 8); store4(da2, da + 16)
    }
}
