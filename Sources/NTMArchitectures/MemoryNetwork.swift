// An end-to-end memory network (Sukhbaatar et al. 2015, arXiv 1503.08895) adapted to sequences:
// every input step is written to the next memory slot, and every step reads by content over
// several hops. Written forward-only with the kit's public ops; the kit derives the backward pass.
import NTMCore
import NTMAutodiff

/// A memory network over the steps seen so far, with `N` slots of embeddings of size `d` and `K` hops.
///
/// At step `t`, with `s_t` the one-hot slot of this step (slot `t mod N`: the memory is a ring, and
/// after `N` steps the oldest slot is overwritten):
/// ```
/// m_t = A x_t + T_A[s_t]       input (key) embedding, with the temporal encoding of its slot
/// c_t = C x_t + T_C[s_t]       output (value) embedding
/// written to slot s_t of the keys and values (the slot's old contents are replaced)
/// u^1 = B x_t + T_B[s_t] + R u^K_{t-1}                       the query
/// p^k = softmax_n(m_n · u^k + 10⁴ (filled_n - 1))            attention over the slots written so far
/// o^k = Σ_n p^k_n c_n,   u^{k+1} = H u^k + o^k               k = 1 … K (layer-wise tying: one A, C, H)
/// y_t = clip(W_y u^{K+1} + b_y, -C, C)
/// ```
/// Departures from the paper, for sequences rather than stories and questions: every step is both
/// a memory item and a query (the step is written before it is read, so it can see itself); the query
/// has a temporal encoding of its own (`T_B`), so a step can ask for the slot `j` steps back; and it
/// carries the last hop's state `u^K` from the previous step through `R` (zero at `t = 0`), so an
/// answer can depend on what the previous step found. Inputs are bit vectors, so the embeddings are
/// linear maps (no bias: an all-zero input embeds to its slot's temporal encoding alone).
public struct MemoryNetwork: RecurrentDefinition {
    public var inputWidth: Int
    public var outputWidth: Int
    /// `N`, the number of slots.
    public var slots: Int
    /// `d`, the embedding size.
    public var embeddingSize: Int
    /// `K`, the number of hops.
    public var hops: Int
    /// `C`, the clip of the output logits (the NTM's `clipValue`).
    public var clipValue: Double

    /// The mask weight that keeps unwritten slots out of the attention: `e^{-10⁴}` is zero in any precision.
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

    /// Embeddings and temporal encodings `N(0, 0.1²)` as in the paper; `H`, `R` and the output layer
    /// Glorot-uniform, the output bias zero.
    public var parameterSpecs: [ParameterSpec] {
        let d = embeddingSize, X = inputWidth
        return [
            ParameterSpec("memory.input.weight", shape: [d, X], initializer: .normal(std: 0.1)),
            ParameterSpec("memory.input.temporal", shape: [slots, d], initializer: .normal(std: 0.1)),
            ParameterSpec("memory.output.weight", shape: [d, X], initializer: .normal(std: 0.1)),
            ParameterSpec("memory.output.temporal", shape: [slots, d], initializer: .normal(std: 0.1)),
            ParameterSpec("query.weight", shape: [d, X], initializer: .normal(std: 0.1)),
            ParameterSpec("query.temporal", shape: [slots, d], initializer: .normal(std: 0.1)),
            ParameterSpec("query.recurrent.weight", shape: [d, d], initializer: .glorotUniform),
            ParameterSpec("hop.weight", shape: [d, d], initializer: .glorotUniform),
            ParameterSpec("output.weight", shape: [outputWidth, d], initializer: .glorotUniform),
            ParameterSpec("output.bias", shape: [outputWidth]),
        ]
    }

    public func initialState(_ g: StepGraph) -> StateVars {
        var first = [Float](repeating: 0, count: slots)
        first[0] = 1
        return StateVars([
            ("keys", g.constant(0, shape: [slots, embeddingSize])),
            ("values", g.constant(0, shape: [slots, embeddingSize])),
            ("filled", g.constant(0, shape: [slots])),
            ("slot", g.constant(first, shape: [slots])),
            ("answer", g.constant(0, shape: [embeddingSize])),
        ])
    }

    public func step(_ g: StepGraph, input x: Var, state: StateVars) -> (output: Var, state: StateVars) {
        let slot = state["slot"], replace = g.constant(1, shape: [embeddingSize])
        func embed(_ prefix: String) -> Var {
            g.linear(x, weight: g.parameter(prefix + ".weight")) + g.weightedRead(slot, g.parameter(prefix + ".temporal"))
        }
        let keys = g.eraseAddWrite(state["keys"], weighting: slot, erase: replace, add: embed("memory.input"))
        let values = g.eraseAddWrite(state["values"], weighting: slot, erase: replace, add: embed("memory.output"))
        let filled = state["filled"] * (1.0 - slot) + slot
        let mask = (filled - 1.0) * Self.emptySlotPenalty
        var u = embed("query") + g.linear(state["answer"], weight: g.parameter("query.recurrent.weight"))
        let hop = g.parameter("hop.weight")
        for k in 0..<hops {
            let attention = (g.matvec(keys, u) + mask).softmax()
            g.record("read_weights.\(k)", attention)
            u = g.linear(u, weight: hop) + g.weightedRead(attention, values)
        }
        g.record("write_weights.0", slot)
        let y = g.linear(u, prefix: "output").clipped(-clipValue, clipValue)
        let nextSlot = g.circularShift(slot, g.constant([0, 0, 1], shape: [3]))
        return (y, StateVars([("keys", keys), ("values", values), ("filled", filled), ("slot", nextSlot), ("answer", u)]))
    }
}
