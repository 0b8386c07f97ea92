// Linear layers, matrix-vector products and the memory operations of NTM-style models: content
// addressing, location addressing, weighted reads and writes. Shapes use the spec's letters.

extension StepGraph {
    /// `y = x Wᵀ + b` over the last axis of `x` (`[..., in]` → `[..., out]`); `weight` is `[out, in]`,
    /// `bias` `[out]`, both unbatched (parameters), as in PyTorch's `nn.Linear`.
    public func linear(_ x: Var, weight: Var, bias: Var? = nil) -> Var {
        precondition(!weight.batched && weight.shape.count == 2, "linear: weight must be an unbatched [out, in] matrix")
        precondition(weight.shape[1] == x.last, "linear: input \(x.shape) against weight \(weight.shape)")
        if let bias { precondition(!bias.batched && bias.shape == [weight.shape[0]], "linear: bias \(bias.shape) for weight \(weight.shape)") }
        return record1(.linear(hasBias: bias != nil), bias.map { [x, weight, $0] } ?? [x, weight],
                       shape: Array(x.shape.dropLast()) + [weight.shape[0]])
    }

    /// `y = x Wᵀ + b` with the parameters `prefix.weight` and `prefix.bias`.
    public func linear(_ x: Var, prefix: String) -> Var {
        linear(x, weight: parameter(prefix + ".weight"), bias: parameter(prefix + ".bias"))
    }

    /// `y[n] = Σ_m A[n, m] x[m]`: `[N, M]`, `[M]` → `[N]` (a memory network's match scores).
    public func matvec(_ a: Var, _ x: Var) -> Var {
        precondition(a.shape.count == 2 && x.shape == [a.shape[1]], "matvec: \(a.shape) · \(x.shape)")
        return record1(.matvec, [a, x], shape: [a.shape[0]])
    }

    /// `r[m] = Σ_n w[n] A[n, m]`: `[N]`, `[N, M]` → `[M]`. The spec's read `r = Σ_n w_n Mem[n]`.
    public func weightedRead(_ w: Var, _ memory: Var) -> Var {
        precondition(memory.shape.count == 2 && w.shape == [memory.shape[0]], "weightedRead: \(w.shape) over \(memory.shape)")
        return record1(.vecmat, [w, memory], shape: [memory.shape[1]])
    }

    /// `y[n, m] = a[n] b[m]`: `[N]`, `[M]` → `[N, M]`.
    public func outer(_ a: Var, _ b: Var) -> Var {
        precondition(a.shape.count == 1 && b.shape.count == 1, "outer: \(a.shape) and \(b.shape) must be vectors")
        return record1(.outer, [a, b], shape: [a.shape[0], b.shape[0]])
    }

    /// Cosine similarity of a key with every memory row (spec § NTM step 3):
    /// `K_n = (k · Mem[n]) / (‖k‖ ‖Mem[n]‖ + ε)`, `[M]`, `[N, M]` → `[N]`.
    public func cosineSimilarity(_ key: Var, _ memory: Var, epsilon: Double = 1e-8) -> Var {
        precondition(memory.shape.count == 2 && key.shape == [memory.shape[1]], "cosineSimilarity: key \(key.shape), memory \(memory.shape)")
        return record1(.cosine(epsilon: epsilon), [key, memory], shape: [memory.shape[0]])
    }

    /// Content addressing: `softmax_n(β K(k, Mem)_n)`, with `beta` `[1]`.
    public func contentWeighting(_ key: Var, _ memory: Var, strength beta: Var) -> Var {
        (cosineSimilarity(key, memory) * beta).softmax()
    }

    /// Interpolation `g a + (1 - g) b`, with `g` `[1]` (the NTM's `wg = g wc + (1 - g) w_{t-1}`).
    public func interpolate(_ g: Var, _ a: Var, _ b: Var) -> Var {
        precondition(g.shape == [1] && a.shape == b.shape && a.shape.count == 1, "interpolate: g \(g.shape), \(a.shape), \(b.shape)")
        return record1(.interpolate, [g, a, b], shape: a.shape)
    }

    /// Circular convolution with shift weights `s` (`[2S+1]`, entry 0 is shift `-S`):
    /// `ws_n = Σ_{j=-S..S} w_{(n - j) mod N} s_j`. A shift of `+1` moves the focus from row `n` to `n+1`.
    public func circularShift(_ w: Var, _ s: Var) -> Var {
        precondition(w.shape.count == 1 && s.shape.count == 1 && s.shape[0] % 2 == 1, "circularShift: w \(w.shape), s \(s.shape) (odd length)")
        return record1(.circularShift, [w, s], shape: w.shape)
    }

    /// Sharpening `w_n = ws_n^γ / (Σ_m ws_m^γ + ε)` with `γ` `[1]`; entries with `ws_n = 0`
    /// contribute zero gradient to `γ` (spec § NTM step 3).
    public func sharpen(_ w: Var, _ gamma: Var, epsilon: Double = 1e-16) -> Var {
        precondition(w.shape.count == 1 && gamma.shape == [1], "sharpen: w \(w.shape), gamma \(gamma.shape)")
        return record1(.sharpen(epsilon: epsilon), [w, gamma], shape: w.shape)
    }

    /// Erase then add: `Mem' = Mem ∘ (1 - w eᵀ) + w aᵀ` (spec § NTM step 5), `[N, M]`, `[N]`, `[M]`, `[M]`.
    public func eraseAddWrite(_ memory: Var, weighting w: Var, erase e: Var, add a: Var) -> Var {
        let N = memory.shape.first ?? 0, M = memory.last
        precondition(memory.shape.count == 2 && w.shape == [N] && e.shape == [M] && a.shape == [M],
                     "eraseAddWrite: memory \(memory.shape), w \(w.shape), e \(e.shape), a \(a.shape)")
        return record1(.eraseAddWrite, [memory, w, e, a], shape: memory.shape)
    }

    /// Additive write `Mem' = Mem + w aᵀ` (as in Santoro et al.'s least-recently-used access).
    public func additiveWrite(_ memory: Var, weighting w: Var, add a: Var) -> Var {
        let N = memory.shape.first ?? 0, M = memory.last
        precondition(memory.shape.count == 2 && w.shape == [N] && a.shape == [M],
                     "additiveWrite: memory \(memory.shape), w \(w.shape), a \(a.shape)")
        return record1(.additiveWrite, [memory, w, a], shape: memory.shape)
    }

    /// Zeroes the rows of `memory` where `mask` (`[N]`) is 1 and keeps the others where it is 0:
    /// `Mem'[n] = Mem[n] (1 - mask_n)`.
    public func zeroRows(_ memory: Var, mask: Var) -> Var {
        precondition(memory.shape.count == 2 && mask.shape == [memory.shape[0]], "zeroRows: memory \(memory.shape), mask \(mask.shape)")
        return memory * (1.0 - mask).reshaped([memory.shape[0], 1])
    }
}
