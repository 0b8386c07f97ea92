// An end-to-end memory network (Sukhbaatar et al. 2015, arXiv 1503.08895) adapted to sequences:
// the memory holds the last N steps, indexed by age, and every step reads it by content over
// several hops. Written forward-only with the kit's public ops; the kit derives the backward pass.
import NTMCore
import NTMAutodiff

/// A memory network over the last `N` steps, with embeddings of size `d` and `K` hops.
///
/// The memory is a queue of the last `N` steps, newest first: row `n` holds the step `n` steps back
/// (`n = 0` is this step), and the temporal encodings are indexed by that age, as the paper indexes
/// sentences "in reverse order, reflecting their relative distance from the question":
/// ```
/// keys_n   = A x_{t-n} + T_A[n],   values_n = C x_{t-n} + T_C[n]     n = 0 … N-1, rows not yet filled masked
/// u^1      = B x_t + R u^{K+1}_{t-1}                                 the query (u_{-1} = 0)
/// p^k      = softmax_n(keys_n · u^k + 10⁴ (filled_n - 1))            attention over the steps seen so far
/// u^{k+1}  = H u^k + Σ_n p^k_n values_n                              k = 1 … K (layer-wise tying: one A, C, H)
/// y_t      = clip(W_y u^{K+1} + b_y, -C, C)
/// ```
/// Departures from the paper, for sequences rather than stories and questions: every step is both
/// a memory item and a query (the step enters the memory before it is read, so it can see itself, at
/// age 0); the query carries the last hop's state from the previous step through `R`, so an answer can
/// depend on what the previous step found; the embeddings are linear maps of bit vectors (no bias).
/// Steps older than `N` leave the memory.
public struct MemoryNetwork: RecurrentDefinition {
    public var inputWidth: Int
    public var outputWidth: Int
    /// `N`, the number of steps the memory holds.
    public var slots: Int
    /// `d`, the embedding size.
    public var embeddingSize: Int
    /// `K`, the number of hops.
    public var hops: Int
    /// `C`, the clip of the output logits (the NTM's `clipValue`).
    public var clipValue: Double

    /// Added to the score of a row not yet filled (whose key is its temporal encoding alone): its weight
    /// is `e^{-10⁴}` relative to a filled row scoring 0, which is zero in float32 and float64. Row 0 (this
    /// step) is always filled, so the softmax never divides by nothing.
    public static let emptySlotPenalty = 1e4

    public init(inputWidth: Int, outputWidth: Int, slots: Int = 128, embeddingSize: Int = 64, hops: Int = 3, clipValue: Double = 20) {
        precondition(slots >= 2 && embeddingSize >= 1 && hops >= 1, "MemoryNetwork: bad sizes")
        self.inputWidth = inputWidth
        self.outputWidth = outputWidth
        self.slots = slots
        self.embeddingSize = embeddingSize
        self.hops = hops
        self.clipValue = clipValue
    }

    /// The embeddings `A`, `B`, `C` and temporal encodings `T_A`, `T_C`: `N(0, 0.1²)`, as in the paper.
    /// `H`, `R` and the output layer: Glorot uniform (the kit's choice for layers that feed on), the output
    /// bias zero.
    public var parameterSpecs: [ParameterSpec] {
        let d = embeddingSize, X = inputWidth
        return [
            ParameterSpec("memory.input.weight", shape: [d, X], initializer: .normal(std: 0.1)),
            ParameterSpec("memory.input.temporal", shape: [slots, d], initializer: .normal(std: 0.1)),
            ParameterSpec("memory.output.weight", shape: [d, X], initializer: .normal(std: 0.1)),
            ParameterSpec("memory.output.temporal", shape: [slots, d], initializer: .normal(std: 0.1)),
            ParameterSpec("query.weight", shape: [d, X], initializer: .normal(std: 0.1)),
            ParameterSpec("query.recurrent.weight", shape: [d, d], initializer: .glorotUniform),
            ParameterSpec("hop.weight", shape: [d, d], initializer: .glorotUniform),
            ParameterSpec("output.weight", shape: [outputWidth, d], initializer: .glorotUniform),
            ParameterSpec("output.bias", shape: [outputWidth]),
        ]
    }

    public func initialState(_ g: StepGraph) -> StateVars {
        StateVars([
            ("inputs", g.constant(0, shape: [slots, embeddingSize])),
            ("outputs", g.constant(0, shape: [slots, embeddingSize])),
            ("filled", g.constant(0, shape: [slots])),
            ("answer", g.constant(0, shape: [embeddingSize])),
        ])
    }

    /// `[m; queue[0 ..< N-1]]`: `row` enters at the front of an `[N, d]` queue and the oldest row leaves.
    func pushed(_ g: StepGraph, _ queue: Var, _ row: Var) -> Var {
        let n = queue.shape[0], d = queue.last
        return g.concat([row, queue.reshaped([n * d]).slice(0, (n - 1) * d)]).reshaped([n, d])
    }

    public func step(_ g: StepGraph, input x: Var, state: StateVars) -> (output: Var, state: StateVars) {
        func embed(_ name: String) -> Var { g.linear(x, weight: g.parameter(name)) }
        let inputs = pushed(g, state["inputs"], embed("memory.input.weight"))
        let outputs = pushed(g, state["outputs"], embed("memory.output.weight"))
        let filled = g.concat([g.constant(1, shape: [1]), state["filled"].slice(0, slots - 1)])
        let keys = inputs + g.parameter("memory.input.temporal")
        let values = outputs + g.parameter("memory.output.temporal")
        let mask = (filled - 1.0) * Self.emptySlotPenalty
        var u = embed("query.weight") + g.linear(state["answer"], weight: g.parameter("query.recurrent.weight"))
        let hop = g.parameter("hop.weight")
        for k in 0..<hops {
            let attention = (g.matvec(keys, u) + mask).softmax()
            g.record("read_weights.\(k)", attention)
            u = g.linear(u, weight: hop) + g.weightedRead(attention, values)
        }
        let y = g.linear(u, prefix: "output").clipped(-clipValue, clipValue)
        return (y, StateVars([("inputs", inputs), ("outputs", outputs), ("filled", filled), ("answer", u)]))
    }
}
