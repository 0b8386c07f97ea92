// Least-recently-used access (Santoro et al. 2016, "One-shot learning with memory-augmented neural
// networks", § 2.2), written forward-only with the kit's ops. The kit derives its backward pass.
import NTMKit

/// A memory that writes either where it last read or to the least-used row, and reads by content.
///
/// At step `t`, from the controller output `h`, one head emits a key `k = tanh(W_k h)`, a strength
/// `β = oneplus(·)` and a gate `α`:
/// ```
/// w^w_t  = σ(α) w^r_{t-1} + (1 - σ(α)) w^lu_{t-1}          write weighting
/// M_t    = M_{t-1} ∘ (1 - w^lu_{t-1}) + w^w_t kᵀ            the least-used row is cleared, then an additive write
/// w^r_t  = softmax(β K(k, M_t))                             content read weighting
/// r_t    = Σ_n w^r_t(n) M_t(n)
/// w^u_t  = γ w^u_{t-1} + w^r_t + w^w_t                      usage, decaying by γ
/// w^lu_t = 1 at the smallest entry of w^u_t, else 0         (no gradient through the choice)
/// ```
/// (The paper clears the least-used row and uses plain cosine similarity; the strength `β` is ours.)
public struct LRUAMemory: MemoryDefinition {
    public var controllerSize: Int
    public var rows: Int
    public var width: Int
    /// Usage decay `γ`.
    public var decay: Double

    public init(controllerSize: Int, rows: Int = 128, width: Int = 20, decay: Double = 0.95) {
        self.controllerSize = controllerSize
        self.rows = rows
        self.width = width
        self.decay = decay
    }

    public var readSize: Int { width }

    public var parameterSpecs: [ParameterSpec] {
        [ParameterSpec("head.weight", shape: [width + 2, controllerSize], initializer: .glorotUniform),
         ParameterSpec("head.bias", shape: [width + 2]),
         ParameterSpec("head.r0", shape: [width], initializer: .normal(std: 0.1)),
         ParameterSpec("head.w0", shape: [rows], initializer: .normal(std: 0.1)),
         ParameterSpec("memory.m0", shape: [rows, width], trainable: false, initializer: .constant(1e-6))]
    }

    public func initialState(_ g: StepGraph) -> (reads: Var, state: StateVars) {
        let usage = g.constant(0, shape: [rows])
        let state = StateVars([
            ("memory", g.parameter("memory.m0")),
            ("read_weights.0", g.parameter("head.w0").softmax()),
            ("usage", usage),
            ("least_used", g.smallestMask(usage, k: 1)),
        ])
        return (g.parameter("head.r0").tanh(), state)
    }

    public func step(_ g: StepGraph, controllerOutput h: Var, state: StateVars) -> (reads: Var, state: StateVars) {
        let p = g.linear(h, prefix: "head").clipped(-20, 20)
        let key = p.slice(0, width).tanh(), beta = p.slice(width, 1).oneplus(), alpha = p.slice(width + 1, 1).sigmoid()
        let leastUsed = state["least_used"]
        let write = g.interpolate(alpha, state["read_weights.0"], leastUsed)
        let memory = g.additiveWrite(g.zeroRows(state["memory"], mask: leastUsed), weighting: write, add: key)
        let read = g.contentWeighting(key, memory, strength: beta)
        let usage = state["usage"] * decay + read + write
        g.record("read_weights.0", read)
        g.record("write_weights.0", write)
        return (g.weightedRead(read, memory), StateVars([
            ("memory", memory), ("read_weights.0", read), ("usage", usage), ("least_used", g.smallestMask(usage, k: 1)),
        ]))
    }
}
