// Index choices: sort, top-k, gather, scatter and one-hot masks. The choice itself has no gradient;
// gradients flow only through the values gathered or scattered with the indices. A choice that
// flips between x - ε and x + ε is a kink, which the gradient check detects and reports.

extension StepGraph {
    /// Sorts the last axis; returns the sorted values and, for each, the index it came from.
    /// Ties keep their original order, so the result is deterministic.
    public func sort(_ x: Var, descending: Bool = false) -> (values: Var, indices: Var) {
        let outs = record(.sortLast(descending: descending), [x], outputs: [(x.shape, false), (x.shape, true)])
        return (outs[0], outs[1])
    }

    /// The `k` largest (or smallest) entries of the last axis, in order, and their indices.
    public func topK(_ x: Var, k: Int, largest: Bool = true) -> (values: Var, indices: Var) {
        precondition(k >= 1 && k <= x.last, "topK: k = \(k) of a last axis of \(x.last)")
        let shape = Array(x.shape.dropLast()) + [k]
        let outs = record(.topK(k: k, largest: largest), [x], outputs: [(shape, false), (shape, true)])
        return (outs[0], outs[1])
    }

    /// `y[..., i] = x[..., idx[..., i]]` over the last axis.
    public func gather(_ x: Var, _ indices: Var) -> Var {
        precondition(Array(x.shape.dropLast()) == Array(indices.shape.dropLast()), "gather: x \(x.shape), indices \(indices.shape)")
        return record1(.gatherLast, [x, indices], shape: Array(x.shape.dropLast()) + [indices.last])
    }

    /// `y` of last axis `size`, zero except `y[..., idx[..., i]] += v[..., i]`.
    public func scatter(_ values: Var, _ indices: Var, size: Int) -> Var {
        precondition(values.shape == indices.shape, "scatter: values \(values.shape), indices \(indices.shape)")
        return record1(.scatterLast(size: size), [values, indices], shape: Array(values.shape.dropLast()) + [size])
    }

    /// A mask of last axis `size` with 1 at every index in `indices` (no gradient).
    public func oneHot(_ indices: Var, size: Int) -> Var {
        let out = record(.oneHot(size: size), [indices], outputs: [(Array(indices.shape.dropLast()) + [size], true)])
        return out[0]
    }

    /// 1 at the `k` smallest entries of `x`'s last axis, 0 elsewhere: a least-used selection
    /// (Santoro et al. 2016). No gradient flows through it.
    public func smallestMask(_ x: Var, k: Int) -> Var {
        oneHot(topK(x.stopGradient(), k: k, largest: false).indices, size: x.last)
    }
}
