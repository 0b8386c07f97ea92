// Reductions, reshapes, slicing and concatenation of step-program values.

extension Var {
    /// Sum over the last axis: `[..., L]` → `[...]` (`[1]` for a vector).
    public func sum() -> Var {
        graph.record1(.sumLast, [self], shape: shape.count > 1 ? Array(shape.dropLast()) : [1])
    }

    /// Mean over the last axis.
    public func mean() -> Var { sum() * (1 / Double(last)) }

    /// Softmax over the last axis: `y_i = e^{x_i} / Σ_j e^{x_j}` (shifted by the maximum for range).
    public func softmax() -> Var { graph.record1(.softmaxLast, [self], shape: shape) }

    /// Cumulative product over the last axis; `exclusive` starts at 1 (`y_i = Π_{j<i} x_j`, the DNC's
    /// allocation weighting uses it).
    public func cumprod(exclusive: Bool = false) -> Var {
        graph.record1(.cumprodLast(exclusive: exclusive), [self], shape: shape)
    }

    /// `x[..., start ..< start + count]` over the last axis.
    public func slice(_ start: Int, _ count: Int) -> Var {
        precondition(start >= 0 && count > 0 && start + count <= last,
                     "slice \(start)..<\(start + count) of a last axis of \(last)")
        return graph.record1(.sliceLast(start: start, count: count), [self], shape: Array(shape.dropLast()) + [count])
    }

    /// The same scalars as an item of `newShape`.
    public func reshaped(_ newShape: [Int]) -> Var {
        precondition(newShape.reduce(1, *) == count, "reshape of \(shape) to \(newShape)")
        return graph.record1(.reshape, [self], shape: newShape)
    }

    /// `[N, M]` → `[M, N]`.
    public func transposed() -> Var {
        precondition(shape.count == 2, "transpose needs a matrix item, got \(shape)")
        return graph.record1(.transpose, [self], shape: [shape[1], shape[0]])
    }

    /// One copy of this item for every sequence of the batch (state must be batched).
    public func broadcastToBatch() -> Var {
        if batched { return self }
        let out = graph.addNode(shape, batched: true, source: .op)
        graph.appendOp(Op(kind: .broadcastBatch, inputs: [id], outputs: [out.id]))
        return out
    }
}

extension StepGraph {
    func appendOp(_ op: Op) { ops.append(op) }

    /// Concatenation along the last axis; every other axis must agree.
    public func concat(_ values: [Var]) -> Var {
        precondition(!values.isEmpty, "concat of nothing")
        let lead = Array(values[0].shape.dropLast())
        for v in values {
            precondition(Array(v.shape.dropLast()) == lead, "concat: shapes \(values.map(\.shape)) differ before the last axis")
        }
        if values.count == 1 { return values[0] }
        return record1(.concatLast, values, shape: lead + [values.reduce(0) { $0 + $1.last }])
    }
}
