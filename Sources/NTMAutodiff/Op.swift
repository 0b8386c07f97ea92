// The operations a step program is made of. Each is a tensor op over a whole batch; its forward
// and backward kernels sit side by side in the Kernels+*.swift files.

/// Element-wise functions of one value.
public enum UnaryFunction: String, Sendable, CaseIterable {
    case sigmoid, tanh, softplus, oneplus, relu, exp, log, negate, square, sqrt, abs, reciprocal
}

/// Element-wise functions of two values (with broadcasting, see ``StepGraph``).
public enum BinaryFunction: String, Sendable, CaseIterable {
    case add, subtract, multiply, divide
}

/// One recorded operation: its kind, the nodes it reads and the nodes it writes.
struct Op {
    enum Kind {
        case unary(UnaryFunction)
        /// `y = scale · x + shift`.
        case affine(scale: Double, shift: Double)
        /// `y = min(max(x, lo), hi)`; gradient passes where `lo ≤ x ≤ hi`.
        case clip(lo: Double, hi: Double)
        case binary(BinaryFunction)
        /// `y = x Wᵀ (+ b)` over the last axis of `x`.
        case linear(hasBias: Bool)
        /// `y[n] = Σ_m A[n, m] x[m]`.
        case matvec
        /// `y[m] = Σ_n w[n] A[n, m]` (a weighted read).
        case vecmat
        /// `y[n, m] = a[n] b[m]`.
        case outer
        /// Sum over the last axis.
        case sumLast
        /// Softmax over the last axis.
        case softmaxLast
        /// `y[n] = k · A[n] / (‖k‖ ‖A[n]‖ + ε)`.
        case cosine(epsilon: Double)
        /// `y[n] = Σ_j w[(n - j) mod N] s[j + S]`.
        case circularShift
        /// `y[n] = w[n]^γ / (Σ_m w[m]^γ + ε)`.
        case sharpen(epsilon: Double)
        /// `y = g a + (1 - g) b`.
        case interpolate
        /// `M' = M ∘ (1 - w eᵀ) + w aᵀ`.
        case eraseAddWrite
        /// `M' = M + w aᵀ`.
        case additiveWrite
        /// Concatenation along the last axis.
        case concatLast
        /// `y = x[..., start ..< start + count]`.
        case sliceLast(start: Int, count: Int)
        /// Same scalars, new item shape.
        case reshape
        /// `[N, M]` → `[M, N]`.
        case transpose
        /// One item → the same item for each of `B` sequences.
        case broadcastBatch
        /// Cumulative product over the last axis (`exclusive`: `y[0] = 1`, `y[i] = Π_{j<i} x[j]`).
        case cumprodLast(exclusive: Bool)
        /// Sorted values over the last axis and the indices they came from (outputs: values, indices).
        case sortLast(descending: Bool)
        /// The `k` largest (or smallest) values over the last axis, and their indices.
        case topK(k: Int, largest: Bool)
        /// `y[..., i] = x[..., idx[..., i]]`.
        case gatherLast
        /// `y[..., idx[..., i]] += v[..., i]` into zeros of length `size`.
        case scatterLast(size: Int)
        /// `y[..., n] = #{i : idx[..., i] = n}` (no gradient).
        case oneHot(size: Int)
        /// Identity forward, zero gradient backward.
        case stopGradient
    }

    var kind: Kind
    var inputs: [Int]
    var outputs: [Int]

    /// A short name for messages and for the fault-injection hook of the gradient-check tests.
    var name: String {
        switch kind {
        case .unary(let f): return f.rawValue
        case .binary(let f): return f.rawValue
        case .affine: return "affine"
        case .clip: return "clip"
        case .linear: return "linear"
        case .matvec: return "matvec"
        case .vecmat: return "vecmat"
        case .outer: return "outer"
        case .sumLast: return "sum"
        case .softmaxLast: return "softmax"
        case .cosine: return "cosine"
        case .circularShift: return "circularShift"
        case .sharpen: return "sharpen"
        case .interpolate: return "interpolate"
        case .eraseAddWrite: return "eraseAddWrite"
        case .additiveWrite: return "additiveWrite"
        case .concatLast: return "concat"
        case .sliceLast: return "slice"
        case .reshape: return "reshape"
        case .transpose: return "transpose"
        case .broadcastBatch: return "broadcastBatch"
        case .cumprodLast: return "cumprod"
        case .sortLast: return "sort"
        case .topK: return "topK"
        case .gatherLast: return "gather"
        case .scatterLast: return "scatter"
        case .oneHot: return "oneHot"
        case .stopGradient: return "stopGradient"
        }
    }

    /// Whether gradients flow through the op at all.
    var isDifferentiable: Bool {
        switch kind {
        case .oneHot, .stopGradient: return false
        default: return true
        }
    }
}
