// Dynamic allocation of the differentiable neural computer (Graves et al. 2016, Methods, "Dynamic
// memory allocation"): the allocation weighting that writes to the least-used rows first.
import NTMAutodiff

/// The DNC's allocation weighting.
public enum DNCAllocation {
    /// Usage is moved to `ε + (1 - ε) u` before sorting, so that no product of usages is exactly zero
    /// (DeepMind's reference implementation does the same, with the same ε).
    public static let usageEpsilon = 1e-6

    /// Allocation `a_t`, from the usage sorted ascending, `φ_t` its order (`u[φ_1]` the least used):
    /// ```
    /// a_t[φ_j] = (1 - u_t[φ_j]) Π_{i<j} u_t[φ_i]
    /// ```
    /// Exact ties in the sort go to the lower row index first (the sort is stable). The order `φ` is a
    /// choice with no gradient, as in the paper; gradients flow through the sorted usage values. Where
    /// two usages are within ε of each other the order can flip under a gradient check's perturbation:
    /// a kink, which the check reports and skips.
    public static func weighting(_ g: StepGraph, usage: Var) -> Var {
        precondition(usage.shape.count == 1, "allocation: usage must be a vector, got \(usage.shape)")
        let u = usage * (1 - usageEpsilon) + usageEpsilon
        let (sorted, order) = g.sort(u)
        let allocatedInOrder = (1.0 - sorted) * sorted.cumprod(exclusive: true)
        return g.scatter(allocatedInOrder, order, size: usage.last)
    }
}
