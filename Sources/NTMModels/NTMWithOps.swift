// The NTM's memory written forward-only with the kit's ops: the spec's equations line by line
// (models.md § NTM steps 2-5 and its initial state). The backward pass is derived; the fused
// NTMMemoryAccess must agree with it, and so must the golden traces.
import NTMCore
import NTMAutodiff
import NTMLayers
import NTMMemory

/// The NTM memory of `models.md` as a ``MemoryDefinition``: same parameters, names and first values
/// as ``NTMMemoryAccess``, so checkpoints load into either.
public struct NTMOpsMemory: MemoryDefinition {
    public let config: NTMMemoryConfig

    public init(config: NTMMemoryConfig) { self.config = config }

    public var controllerSize: Int { config.controllerSize }
    public var readSize: Int { config.readHeads * config.memoryWidth }
    var N: Int { config.memoryRows }
    var M: Int { config.memoryWidth }
    var shifts: Int { 2 * config.shiftRange + 1 }

    public var parameterSpecs: [ParameterSpec] {
        let H = config.controllerSize, P = M + shifts + 3
        var specs: [ParameterSpec] = []
        for i in 0..<config.readHeads {
            specs += [ParameterSpec("read_heads.\(i).weight", shape: [P, H]), ParameterSpec("read_heads.\(i).bias", shape: [P]),
                      ParameterSpec("read_heads.\(i).r0", shape: [M]), ParameterSpec("read_heads.\(i).w0", shape: [N])]
        }
        for j in 0..<config.writeHeads {
            specs += [ParameterSpec("write_heads.\(j).weight", shape: [P + 2 * M, H]),
                      ParameterSpec("write_heads.\(j).bias", shape: [P + 2 * M]), ParameterSpec("write_heads.\(j).w0", shape: [N])]
        }
        return specs + [ParameterSpec("memory.m0", shape: [N, M], trainable: config.memoryInit == .learned)]
    }

    var headNames: [String] {
        (0..<config.readHeads).map { "read_heads.\($0)" } + (0..<config.writeHeads).map { "write_heads.\($0)" }
    }
    func weightingName(_ h: Int) -> String {
        h < config.readHeads ? "read_weights.\(h)" : "write_weights.\(h - config.readHeads)"
    }

    public func initialState(_ g: StepGraph) -> (reads: Var, state: StateVars) {
        var s = StateVars()
        let m0 = g.parameter("memory.m0")
        s["memory"] = config.memoryInit == .learned ? m0.tanh() : m0          // tanh(μ), or the stored memory
        for (h, name) in headNames.enumerated() { s[weightingName(h)] = g.parameter(name + ".w0").softmax() }   // w0 = softmax(ω)
        let reads = g.concat((0..<config.readHeads).map { g.parameter("read_heads.\($0).r0").tanh() })         // r0 = tanh(ρ)
        return (reads, s)
    }

    public func step(_ g: StepGraph, controllerOutput h: Var, state: StateVars) -> (reads: Var, state: StateVars) {
        let C = Double(config.clipValue), memory = state["memory"]
        var next = StateVars()
        var reads: [Var] = [], writes: [(w: Var, e: Var, a: Var)] = []
        for (j, name) in headNames.enumerated() {
            let p = g.linear(h, prefix: name).clipped(-C, C)                  // p = clip(W h + b, -C, C)
            let k = p.slice(0, M).tanh()
            let beta = p.slice(M, 1).softplus()
            let gate = p.slice(M + 1, 1).sigmoid()
            let s = p.slice(M + 2, shifts).softmax()
            let gamma = p.slice(M + 2 + shifts, 1).oneplus()
            let wc = g.contentWeighting(k, memory, strength: beta)             // softmax(β K(k, Mem))
            let wg = g.interpolate(gate, wc, state[weightingName(j)])          // g wc + (1 - g) w_{t-1}
            let w = g.sharpen(g.circularShift(wg, s), gamma)                   // ws^γ / (Σ ws^γ + 1e-16)
            next[weightingName(j)] = w
            g.record(weightingName(j), w)
            if j < config.readHeads {
                reads.append(g.weightedRead(w, memory))                       // reads see Mem_{t-1}
            } else {
                let P = M + shifts + 3
                writes.append((w, p.slice(P, M).sigmoid(), p.slice(P + M, M).tanh()))
            }
        }
        var written = memory
        for (w, e, a) in writes { written = g.eraseAddWrite(written, weighting: w, erase: e, add: a) }
        next["memory"] = written
        // Keep the state's order: memory first, then the weightings.
        var ordered = StateVars()
        for n in state.names { ordered[n] = next[n] }
        return (g.concat(reads), ordered)
    }

    /// The same draws, in the same order, as ``NTMMemoryAccess/initialize(rng:)``: every head's
    /// Glorot weights (zero bias), then the `ρ`, then the `ω`, then the memory.
    public func initialize(_ parameters: [Parameter], rng: inout RandomSource) {
        func p(_ name: String) -> Parameter { parameters.named(name)! }
        for name in headNames {
            let w = p(name + ".weight")
            Initializer.glorotUniform(w, fanIn: w.shape[1], fanOut: w.shape[0], rng: &rng)
            p(name + ".bias").value.zero()
        }
        for i in 0..<config.readHeads { Initializer.normal(p("read_heads.\(i).r0"), std: 0.1, rng: &rng) }
        for name in headNames { Initializer.normal(p(name + ".w0"), std: 0.1, rng: &rng) }
        if config.weightingInit == .firstRow {
            for name in headNames {
                p(name + ".w0").value.fill(0)
                p(name + ".w0").value.base[0] = WeightingInit.firstRowLogit
            }
        }
        let m0 = p("memory.m0")
        switch config.memoryInit {
        case .constant: m0.value.fill(MemoryInit.constantValue)
        case .learned: Initializer.normal(m0, std: 0.5, rng: &rng)
        case .random:
            Initializer.normal(m0, std: 0.5, rng: &rng)
            for i in 0..<m0.count { m0.value.base[i] = KitMath.tanh(m0.value.base[i]) }
        }
    }
}
