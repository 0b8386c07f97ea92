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

    /// Backward through one write: given `dL/dMem'` (`outputGradient`, `[N, M]`), adds into (see
    /// ``GradientConvention``)
    ///
    /// ```
    /// dL/dMem[n,m] += dMem'[n,m] (1 - w_n e_m)
    /// dL/dw_n      += Σ_m dMem'[n,m] (a_m - Mem[n,m] e_m)
    /// dL/de_m      += -Σ_n dMem'[n,m] Mem[n,m] w_n
    /// dL/da_m      += Σ_n dMem'[n,m] w_n
    /// ```
    /// where `Mem` is the memory before this write. `memoryGradient` must not be `outputGradient`'s storage.
    public static func backward(
        outputGradient dOut: UnsafePointer<Float>, memory: UnsafePointer<Float>,
        weighting w: UnsafePointer<Float>, erase e: UnsafePointer<Float>, add a: UnsafePointer<Float>,
        rows N: Int, width M: Int, memoryGradient dMem: UnsafeMutablePointer<Float>,
        weightingGradient dw: UnsafeMutablePointer<Float>, eraseGradient de: UnsafeMutablePointer<Float>,
        addGradient da: UnsafeMutablePointer<Float>
    ) {
        let m8 = M & ~7
        for n in 0..<N {
            let wn = w[n], row = memory + n * M, gRow = dOut + n * M, dRow = dMem + n * M
            let w8 = SIMD8<Float>(repeating: wn)
            var acc = SIMD8<Float>()
            var m = 0
            while m < m8 {
                let g = load8(gRow + m), r = load8(row + m), ev = load8(e + m)
                acc += g * (load8(a + m) - r * ev)
                store8(load8(de + m) - g * r * w8, de + m)
                store8(load8(da + m) + g * w8, da + m)
                store8(load8(dRow + m) + g * (1 - w8 * ev), dRow + m)
                m += 8
            }
            if m + 4 <= M {
                let w4 = SIMD4<Float>(repeating: wn)
                let g = load4(gRow + m), r = load4(row + m), ev = load4(e + m)
                acc.lowHalf += g * (load4(a + m) - r * ev)
                store4(load4(de + m) - g * r * w4, de + m)
                store4(load4(da + m) + g * w4, da + m)
                store4(load4(dRow + m) + g * (1 - w4 * ev), dRow + m)
                m += 4
            }
            var dwn = acc.sum()
            while m < M {
                let g = gRow[m]
                dwn += g * (a[m] - row[m] * e[m])
                de[m] -= g * row[m] * wn
                da[m] += g * wn
                dRow[m] += g * (1 - wn * e[m])
                m += 1
            }
            dw[n] += dwn
        }
    }
}
