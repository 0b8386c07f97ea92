// Memory usage of the differentiable neural computer (Graves et al. 2016, Methods, "Dynamic memory
// allocation"): how much each row is in use, raised by writes and lowered by free gates after reads.
import NTMAutodiff

/// The DNC's usage vector and the retention that frees rows.
public enum DNCUsage {
    /// Retention `ψ_t = Π_i (1 - f^i_t w^{r,i}_{t-1})`: how much of each row survives the free gates
    /// `f^i_t` (`[1]` each, in `[0, 1]`) of the read heads, applied to where each head read at `t - 1`.
    public static func retention(freeGates: [Var], previousReadWeightings: [Var]) -> Var {
        precondition(!freeGates.isEmpty && freeGates.count == previousReadWeightings.count,
                     "retention: \(freeGates.count) free gates for \(previousReadWeightings.count) read weightings")
        var psi = 1.0 - freeGates[0] * previousReadWeightings[0]
        for i in 1..<freeGates.count { psi = psi * (1.0 - freeGates[i] * previousReadWeightings[i]) }
        return psi
    }

    /// Usage `u_t = (u_{t-1} + w^w_{t-1} - u_{t-1} ∘ w^w_{t-1}) ∘ ψ_t`.
    ///
    /// Convention (the paper leaves it open): the gradient flows into everything here, the previous
    /// write weighting `w^w_{t-1}` included. DeepMind's reference implementation stops it at
    /// `w^w_{t-1}`; the kit keeps the true gradient, which its finite-difference checks can verify.
    public static func usage(previous u: Var, previousWriteWeighting w: Var, retention psi: Var) -> Var {
        (u + w - u * w) * psi
    }
}
