// A memory written forward-only, and the two ways the kit runs one: alone (driven by whatever a
// controller would emit, for gradient checks) and behind a controller (LSTM or feedforward) with an
// output layer (the NTM's shape, spec § NTM steps 1 and 6).
import NTMCore

/// An external memory written as ops: given the controller's output `h_t` it addresses, reads and
/// writes, and returns the read vectors `r_t` (`[readSize]`), which feed the output layer at `t`
/// and the controller at `t + 1`. It is a value (`Sendable`): the registry builds models from it on any thread.
public protocol MemoryDefinition: Sendable {
    /// Width of the controller output `h` the memory reads.
    var controllerSize: Int { get }
    /// Width of the read vectors it returns (all heads together).
    var readSize: Int { get }
    /// Its parameters, in checkpoint order, named as in checkpoints.
    var parameterSpecs: [ParameterSpec] { get }
    /// `r_0` and the state before the first step.
    func initialState(_ g: StepGraph) -> (reads: Var, state: StateVars)
    /// One step: `h_t` `[controllerSize]` → `r_t` and the next state.
    func step(_ g: StepGraph, controllerOutput h: Var, state: StateVars) -> (reads: Var, state: StateVars)
    /// The parameters' first values (by default each spec's initialiser, in order).
    func initialize(_ parameters: [Parameter], rng: inout RandomSource)
}

extension MemoryDefinition {
    public func initialize(_ parameters: [Parameter], rng: inout RandomSource) {
        for (spec, p) in zip(parameterSpecs, parameters) {
            spec.initializer.fill(UnsafeMutableBufferPointer(start: p.value.base, count: p.count), shape: spec.shape, rng: &rng)
        }
    }
}

/// A memory alone, as a recurrent model: the inputs are the controller outputs `h_t`, the outputs
/// the reads `r_t`. Gradient checks of a memory over several steps run on this.
public struct MemoryProbe<Memory: MemoryDefinition>: RecurrentDefinition {
    public let memory: Memory
    public init(_ memory: Memory) { self.memory = memory }

    public var inputWidth: Int { memory.controllerSize }
    public var outputWidth: Int { memory.readSize }
    public var parameterSpecs: [ParameterSpec] { memory.parameterSpecs }

    public func initialState(_ g: StepGraph) -> StateVars { memory.initialState(g).state }

    public func step(_ g: StepGraph, input: Var, state: StateVars) -> (output: Var, state: StateVars) {
        let (r, s) = memory.step(g, controllerOutput: input, state: state)
        return (r, s)
    }

    public func initialize(_ parameters: [Parameter], rng: inout RandomSource) { memory.initialize(parameters, rng: &rng) }
}

/// A controller, a memory and an output layer (spec § NTM steps 1 and 6):
///
/// ```
/// u_t = concat(x_t, r_{t-1});  h_t = Controller(u_t);  r_t = Memory(h_t)
/// y_t = clip(W_y concat(h_t, r_t) + b_y, -C, C)
/// ```
///
/// The controller is an LSTM stack by default (``ControllerKind/lstm``: `controller.*` with PyTorch
/// `nn.LSTM` names, learned `h0`, `c0` `[L, H]`; state `controller.h.{l}`, `controller.c.{l}`), or a
/// stack of tanh layers (``ControllerKind/feedforward``: `h^l = tanh(W_l h^{l-1} + b_l)`, `h^0 = u_t`,
/// `h_t = h^L`; `controller.layers.{l}.weight` `[H, in]`, `controller.layers.{l}.bias` `[H]`; no state).
/// Parameters: the controller's, the memory's, then `output.weight` `[Y, H + R]` and `output.bias`.
/// Any ``MemoryDefinition`` gets a trainable model this way.
public struct ControlledMemory<Memory: MemoryDefinition>: RecurrentDefinition {
    public let memory: Memory
    public let inputWidth: Int
    public let outputWidth: Int
    public let layers: Int
    public let clipValue: Double
    /// The controller's kind; `lstm` unless given.
    public let controller: ControllerKind

    public init(memory: Memory, inputWidth: Int, outputWidth: Int, layers: Int = 1, clipValue: Double = 20,
                controller: ControllerKind = .lstm) {
        self.memory = memory
        self.inputWidth = inputWidth
        self.outputWidth = outputWidth
        self.layers = layers
        self.clipValue = clipValue
        self.controller = controller
    }

    var hidden: Int { memory.controllerSize }

    /// The controller's parameter declarations, first in ``parameterSpecs``.
    var controllerSpecs: [ParameterSpec] {
        let input = inputWidth + memory.readSize
        switch controller {
        case .lstm: return LSTMLayers.specs(prefix: "controller", inputSize: input, hiddenSize: hidden, layers: layers)
        case .feedforward: return FeedforwardLayers.specs(prefix: "controller", inputSize: input, hiddenSize: hidden, layers: layers)
        }
    }

    public var parameterSpecs: [ParameterSpec] {
        controllerSpecs
            + memory.parameterSpecs
            + [ParameterSpec("output.weight", shape: [outputWidth, hidden + memory.readSize], initializer: .glorotUniform),
               ParameterSpec("output.bias", shape: [outputWidth])]
    }

    public func initialState(_ g: StepGraph) -> StateVars {
        // The feedforward controller has no state of its own.
        var s = controller == .lstm ? LSTMLayers.initialState(g, prefix: "controller", hiddenSize: hidden, layers: layers) : StateVars()
        let (r0, m) = memory.initialState(g)
        s["reads"] = r0
        for (n, v) in zip(m.names, m.values) { s[n] = v }
        return s
    }

    public func step(_ g: StepGraph, input x: Var, state: StateVars) -> (output: Var, state: StateVars) {
        let u = g.concat([x, state["reads"]])
        var h: Var, next: StateVars
        switch controller {
        case .lstm:
            (h, next) = LSTMLayers.step(g, prefix: "controller", input: u, state: state, hiddenSize: hidden, layers: layers)
        case .feedforward:
            (h, next) = (FeedforwardLayers.step(g, prefix: "controller", input: u, layers: layers), StateVars())
        }
        var memoryState = StateVars()
        for n in state.names where !next.contains(n) && n != "reads" { memoryState[n] = state[n] }
        let (r, m) = memory.step(g, controllerOutput: h, state: memoryState)
        next["reads"] = r
        for (n, v) in zip(m.names, m.values) { next[n] = v }
        h = g.linear(g.concat([h, r]), prefix: "output").clipped(-clipValue, clipValue)
        return (h, next)
    }

    /// Initialises the controller (an LSTM as ``LSTMStack`` does; feedforward layers Glorot-uniform with
    /// zero biases), then the memory, then the output layer, each from `rng` in that order.
    public func initialize(_ parameters: [Parameter], rng: inout RandomSource) {
        let nc = controllerSpecs.count, nm = memory.parameterSpecs.count
        let specs = parameterSpecs
        for i in 0..<nc { specs[i].initializer.fill(buffer(parameters[i]), shape: specs[i].shape, rng: &rng) }
        memory.initialize(Array(parameters[nc..<(nc + nm)]), rng: &rng)
        for i in (nc + nm)..<specs.count { specs[i].initializer.fill(buffer(parameters[i]), shape: specs[i].shape, rng: &rng) }
    }

    private func buffer(_ p: Parameter) -> UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: p.value.base, count: p.count)
    }
}
