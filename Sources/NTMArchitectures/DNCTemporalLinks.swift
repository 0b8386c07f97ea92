// Temporal memory linkage of the differentiable neural computer (Graves et al. 2016, Methods,
// "Temporal memory linkage"): which row was written after which, so reads can follow the order of
// writing forwards or backwards.
import NTMAutodiff

/// The DNC's link matrix, precedence weighting and directional read weightings.
public enum DNCTemporalLinks {
    /// `1 - I`, `[N, N]`: the link matrix keeps a zero diagonal (a row never follows itself).
    public static func offDiagonal(_ g: StepGraph, rows n: Int) -> Var {
        var values = [Float](repeating: 1, count: n * n)
        for i in 0..<n { values[i * n + i] = 0 }
        return g.constant(values, shape: [n, n])
    }

    /// `L_t[i, j] = (1 - w^w_t[i] - w^w_t[j]) L_{t-1}[i, j] + w^w_t[i] p_{t-1}[j]`, then `L_t[i, i] = 0`:
    /// `L_t[i, j]` is how much row `i` was written right after row `j`.
    public static func link(_ g: StepGraph, previous l: Var, writeWeighting w: Var, previousPrecedence p: Var,
                            offDiagonal mask: Var) -> Var {
        let n = w.last
        precondition(l.shape == [n, n] && p.shape == [n] && mask.shape == [n, n], "link: L \(l.shape), w \(w.shape), p \(p.shape)")
        let keep = 1.0 - w.reshaped([n, 1]) - w.reshaped([1, n])
        return (keep * l + g.outer(w, p)) * mask
    }

    /// Precedence `p_t = (1 - Σ_i w^w_t[i]) p_{t-1} + w^w_t`: where the last write went.
    public static func precedence(previous p: Var, writeWeighting w: Var) -> Var {
        (1.0 - w.sum()) * p + w
    }

    /// Forward weighting `f_t = L_t w^r_{t-1}` (`f[i] = Σ_j L[i, j] w[j]`): the rows written after
    /// those read last.
    public static func forward(_ g: StepGraph, link l: Var, previousReadWeighting w: Var) -> Var {
        g.matvec(l, w)
    }

    /// Backward weighting `b_t = L_tᵀ w^r_{t-1}` (`b[j] = Σ_i w[i] L[i, j]`): the rows written before
    /// those read last.
    public static func backward(_ g: StepGraph, link l: Var, previousReadWeighting w: Var) -> Var {
        g.weightedRead(w, l)
    }
}
