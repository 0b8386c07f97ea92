// Element-wise maps and arithmetic on step-program values, PyTorch-style: `x.sigmoid()`, `a * b + c`.

extension Var {
    func unary(_ f: UnaryFunction) -> Var { graph.record1(.unary(f), [self], shape: shape) }

    /// `σ(x) = 1 / (1 + e^-x)`.
    public func sigmoid() -> Var { unary(.sigmoid) }
    public func tanh() -> Var { unary(.tanh) }
    /// `softplus(x) = log(1 + e^x)`.
    public func softplus() -> Var { unary(.softplus) }
    /// `oneplus(x) = 1 + softplus(x)`, the NTM's sharpening exponent and the DNC's strengths.
    public func oneplus() -> Var { unary(.oneplus) }
    /// `max(x, 0)`; gradient 0 at `x = 0` (a kink the gradient check reports).
    public func relu() -> Var { unary(.relu) }
    public func exp() -> Var { unary(.exp) }
    public func log() -> Var { unary(.log) }
    public func square() -> Var { unary(.square) }
    public func sqrt() -> Var { unary(.sqrt) }
    /// `|x|`; gradient `sign(x)`, 0 at 0.
    public func abs() -> Var { unary(.abs) }
    public func reciprocal() -> Var { unary(.reciprocal) }

    /// `min(max(x, lo), hi)`. The gradient passes where `lo ≤ x ≤ hi` (as the spec's clip of head
    /// parameters and logits).
    public func clipped(_ lo: Double, _ hi: Double) -> Var {
        precondition(lo <= hi, "clip bounds \(lo) > \(hi)")
        return graph.record1(.clip(lo: lo, hi: hi), [self], shape: shape)
    }

    /// The same value with no gradient flowing back through it.
    public func stopGradient() -> Var { graph.record1(.stopGradient, [self], shape: shape) }

    func affine(_ scale: Double, _ shift: Double) -> Var {
        graph.record1(.affine(scale: scale, shift: shift), [self], shape: shape)
    }

    static func binary(_ f: BinaryFunction, _ a: Var, _ b: Var) -> Var {
        guard let shape = StepGraph.broadcastShape(a.shape, b.shape) else {
            preconditionFailure("\(f.rawValue): shapes \(a.shape) and \(b.shape) do not broadcast")
        }
        return a.graph.record1(.binary(f), [a, b], shape: shape)
    }

    public static func + (a: Var, b: Var) -> Var { binary(.add, a, b) }
    public static func - (a: Var, b: Var) -> Var { binary(.subtract, a, b) }
    public static func * (a: Var, b: Var) -> Var { binary(.multiply, a, b) }
    public static func / (a: Var, b: Var) -> Var { binary(.divide, a, b) }
    public static prefix func - (a: Var) -> Var { a.unary(.negate) }

    public static func + (a: Var, c: Double) -> Var { a.affine(1, c) }
    public static func + (c: Double, a: Var) -> Var { a.affine(1, c) }
    public static func - (a: Var, c: Double) -> Var { a.affine(1, -c) }
    public static func - (c: Double, a: Var) -> Var { a.affine(-1, c) }
    public static func * (a: Var, c: Double) -> Var { a.affine(c, 0) }
    public static func * (c: Double, a: Var) -> Var { a.affine(c, 0) }
    public static func / (a: Var, c: Double) -> Var { a.affine(1 / c, 0) }
}
