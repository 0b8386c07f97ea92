// The differentiable neural computer's memory (Graves et al. 2016, "Hybrid computing using a neural
// network with dynamic external memory", Methods), written forward-only with the kit's public ops;
// the kit derives its backward pass. The controller and output layer are the kit's
// (`ControlledMemory`), as in the paper: controller input `[x_t, r_{t-1}]`, output `W [h_t, r_t]`.
import NTMCore
import NTMAutodiff

/// A DNC memory of `N` rows of width `W` with `R` read heads and one write head.
///
/// Each step the controller output `h_t` gives the interface vector
/// `ξ_t = clip(W_ξ h_t + b_ξ, -C, C)`, split in this order:
///
/// | part | size | map |
/// | --- | --- | --- |
/// | read keys `k^{r,i}` | `R W` | none |
/// | read strengths `β^{r,i}` | `R` | oneplus |
/// | write key `k^w` | `W` | none |
/// | write strength `β^w` | `1` | oneplus |
/// | erase vector `e` | `W` | sigmoid |
/// | write vector `v` | `W` | none |
/// | free gates `f^i` | `R` | sigmoid |
/// | allocation gate `g^a` | `1` | sigmoid |
/// | write gate `g^w` | `1` | sigmoid |
/// | read modes `π^i` | `3 R` | softmax over each head's 3 |
///
/// Then, with `C(M, k, β) = softmax(β K(k, M))` the kit's content weighting (cosine `K`, ε 1e-8):
/// ```
/// ψ_t   = Π_i (1 - f^i w^{r,i}_{t-1})                         retention       (DNCUsage)
/// u_t   = (u_{t-1} + w^w_{t-1} - u_{t-1} ∘ w^w_{t-1}) ∘ ψ_t   usage           (DNCUsage)
/// a_t   = allocation from the sorted usage                    (DNCAllocation)
/// c^w_t = C(M_{t-1}, k^w, β^w)
/// w^w_t = g^w (g^a a_t + (1 - g^a) c^w_t)                     write weighting
/// M_t   = M_{t-1} ∘ (1 - w^w_t eᵀ) + w^w_t vᵀ                  erase, then add
/// L_t, p_t                                                   links, precedence (DNCTemporalLinks)
/// f^i_t = L_t w^{r,i}_{t-1},  b^i_t = L_tᵀ w^{r,i}_{t-1},  c^i_t = C(M_t, k^{r,i}, β^{r,i})
/// w^{r,i}_t = π^i[0] b^i_t + π^i[1] c^i_t + π^i[2] f^i_t      read modes: backward, content, forward
/// r^i_t = M_tᵀ w^{r,i}_t
/// ```
/// Reads see the memory after this step's write, as in the paper. The state starts at zero (memory,
/// usage, links, precedence, every weighting, the first reads `r_0`), as in DeepMind's implementation;
/// nothing about the start is learned. The clip of `ξ` is the kit's addition.
public struct DNCMemory: MemoryDefinition {
    public var controllerSize: Int
    public var rows: Int
    public var width: Int
    public var readHeads: Int
    /// `C`, the clip of the interface vector: the kit's addition (the paper has none), as its NTM clips
    /// its head parameters.
    public var clipValue: Double

    public init(controllerSize: Int, rows: Int = 64, width: Int = 20, readHeads: Int = 2, clipValue: Double = 20) {
        precondition(rows >= 2 && width >= 1 && readHeads >= 1 && controllerSize >= 1, "DNCMemory: bad sizes")
        self.controllerSize = controllerSize
        self.rows = rows
        self.width = width
        self.readHeads = readHeads
        self.clipValue = clipValue
    }

    public var readSize: Int { readHeads * width }

    /// Width of the interface vector: `W (R + 3) + 5 R + 3`.
    public var interfaceSize: Int { width * (readHeads + 3) + 5 * readHeads + 3 }

    public var parameterSpecs: [ParameterSpec] {
        [ParameterSpec("interface.weight", shape: [interfaceSize, controllerSize], initializer: .glorotUniform),
         ParameterSpec("interface.bias", shape: [interfaceSize])]
    }

    /// Names of the state, for traces and memory figures: `memory` `[N, W]`, `usage` `[N]`, `link`
    /// `[N, N]`, `precedence` `[N]`, `write_weights.0` and `read_weights.i` `[N]`.
    func readName(_ i: Int) -> String { "read_weights.\(i)" }

    public func initialState(_ g: StepGraph) -> (reads: Var, state: StateVars) {
        var s = StateVars()
        s["memory"] = g.constant(0, shape: [rows, width])
        s["usage"] = g.constant(0, shape: [rows])
        s["link"] = g.constant(0, shape: [rows, rows])
        s["precedence"] = g.constant(0, shape: [rows])
        s["write_weights.0"] = g.constant(0, shape: [rows])
        for i in 0..<readHeads { s[readName(i)] = g.constant(0, shape: [rows]) }
        return (g.constant(0, shape: [readSize]), s)
    }

    public func step(_ g: StepGraph, controllerOutput h: Var, state: StateVars) -> (reads: Var, state: StateVars) {
        let R = readHeads, W = width
        let xi = g.linear(h, prefix: "interface").clipped(-clipValue, clipValue)
        var at = 0
        func take(_ n: Int) -> Var { defer { at += n }; return xi.slice(at, n) }
        let readKeys = (0..<R).map { _ in take(W) }
        let readStrengths = (0..<R).map { _ in take(1).oneplus() }
        let writeKey = take(W), writeStrength = take(1).oneplus()
        let erase = take(W).sigmoid(), writeVector = take(W)
        let freeGates = (0..<R).map { _ in take(1).sigmoid() }
        let allocationGate = take(1).sigmoid(), writeGate = take(1).sigmoid()
        let readModes = (0..<R).map { _ in take(3).softmax() }
        precondition(at == interfaceSize)

        let previousReads = (0..<R).map { state[readName($0)] }
        let memory = state["memory"]

        // Allocation from usage, then the write.
        let retention = DNCUsage.retention(freeGates: freeGates, previousReadWeightings: previousReads)
        let usage = DNCUsage.usage(previous: state["usage"], previousWriteWeighting: state["write_weights.0"], retention: retention)
        let allocation = DNCAllocation.weighting(g, usage: usage)
        let writeContent = g.contentWeighting(writeKey, memory, strength: writeStrength)
        let write = g.interpolate(allocationGate, allocation, writeContent) * writeGate
        let written = g.eraseAddWrite(memory, weighting: write, erase: erase, add: writeVector)

        // Links, then the reads from the written memory.
        let link = DNCTemporalLinks.link(g, previous: state["link"], writeWeighting: write,
                                         previousPrecedence: state["precedence"],
                                         offDiagonal: DNCTemporalLinks.offDiagonal(g, rows: rows))
        let precedence = DNCTemporalLinks.precedence(previous: state["precedence"], writeWeighting: write)
        var next = StateVars()
        next["memory"] = written
        next["usage"] = usage
        next["link"] = link
        next["precedence"] = precedence
        next["write_weights.0"] = write
        g.record("write_weights.0", write)
        g.record("allocation", allocation)
        g.record("usage", usage)
        var reads: [Var] = []
        for i in 0..<R {
            let backward = DNCTemporalLinks.backward(g, link: link, previousReadWeighting: previousReads[i])
            let forward = DNCTemporalLinks.forward(g, link: link, previousReadWeighting: previousReads[i])
            let content = g.contentWeighting(readKeys[i], written, strength: readStrengths[i])
            let pi = readModes[i]
            let w = pi.slice(0, 1) * backward + pi.slice(1, 1) * content + pi.slice(2, 1) * forward
            next[readName(i)] = w
            g.record(readName(i), w)
            g.record("read_modes.\(i)", pi)
            reads.append(g.weightedRead(w, written))
        }
        return (g.concat(reads), next)
    }
}
