// A recorded program (one step, or the initial state) frozen for execution, and the recurrent
// model definition a user writes: declare parameters, build the initial state, write one step.
import NTMCore

/// A frozen step graph: its nodes, its ops in execution order, and which nodes are the inputs,
/// the carried state and the outputs.
struct Program {
    var nodes: [StepGraph.Node]
    var ops: [Op]
    var recorded: [(name: String, node: Int)]
    var input: Int?
    var stateIn: [Int]
    var output: Int?
    var stateOut: [Int]
    /// Whether each node needs a gradient: it depends on a trainable parameter, the state or a
    /// differentiable input through differentiable ops.
    var needsGrad: [Bool]

    init(graph: StepGraph, input: Int?, stateIn: [Int], output: Int?, stateOut: [Int], inputNeedsGrad: Bool) {
        nodes = graph.nodes
        ops = graph.ops
        recorded = graph.recorded
        self.input = input
        self.stateIn = stateIn
        self.output = output
        self.stateOut = stateOut
        var needs = nodes.map { node -> Bool in
            if node.isIndex { return false }
            switch node.source {
            case .parameter(let name): return !graph.frozen.contains(name)
            case .state: return true
            case .input: return inputNeedsGrad
            case .constant, .op: return false
            }
        }
        for op in ops where op.isDifferentiable && op.inputs.contains(where: { needs[$0] }) {
            for o in op.outputs where !nodes[o].isIndex { needs[o] = true }
        }
        needsGrad = needs
    }
}

/// A recurrent model written forward-only: the kit records ``initialState(_:)`` and ``step(_:input:state:)``
/// once and derives the backward pass through time.
///
/// Inputs are `[X]` per step and outputs (logits) `[Y]`; state is any set of named batched values.
/// Names of parameters are the checkpoint's tensor names (spec style: `controller.weight_ih_l0`).
public protocol RecurrentDefinition {
    var inputWidth: Int { get }
    var outputWidth: Int { get }
    /// Every parameter, in checkpoint order.
    var parameterSpecs: [ParameterSpec] { get }
    /// The state before the first step, built from parameters and constants (unbatched values are
    /// repeated over the batch).
    func initialState(_ g: StepGraph) -> StateVars
    /// One step: the logits `[Y]` of this step and the next state (same names and shapes).
    func step(_ g: StepGraph, input: Var, state: StateVars) -> (output: Var, state: StateVars)
    /// Draws the first values of the parameters (by default each spec's initialiser, in order).
    func initialize(_ parameters: [Parameter], rng: inout RandomSource)
}

extension RecurrentDefinition {
    public func initialize(_ parameters: [Parameter], rng: inout RandomSource) {
        for (spec, p) in zip(parameterSpecs, parameters) {
            spec.initializer.fill(UnsafeMutableBufferPointer(start: p.value.base, count: p.count), shape: spec.shape, rng: &rng)
        }
    }

    /// Kit `Parameter`s for every spec, zero-valued, in checkpoint order.
    public func makeParameters() -> [Parameter] {
        parameterSpecs.map { Parameter(name: $0.name, shape: $0.shape, trainable: $0.trainable) }
    }
}

/// The initial-state program and the step program of a ``RecurrentDefinition``, recorded once.
public struct RecurrentProgram {
    let initial: Program
    let step: Program
    public let stateNames: [String]
    public let inputWidth: Int
    public let outputWidth: Int
    public let parameterSpecs: [ParameterSpec]
    /// Names of the values recorded with ``StepGraph/record(_:_:)``, in order.
    public var recordedNames: [String] { step.recorded.map(\.name) }
    /// Number of ops per step (after recording).
    public var stepOpCount: Int { step.ops.count }

    /// Scalars the executor keeps per time step for `batch` sequences: every value of the step program
    /// (parameters and constants excluded), which the backward pass reads back. For memory estimates.
    public func floatsPerStep(batch: Int) -> Int {
        step.nodes.reduce(0) { n, node in
            switch node.source {
            case .parameter, .constant: return n
            default: return n + node.count * (node.batched ? batch : 1)
            }
        }
    }

    /// Records `definition`. `inputGradients` also derives gradients for the step inputs (used to check
    /// a memory alone with respect to what its controller feeds it).
    public init(_ definition: some RecurrentDefinition, inputGradients: Bool = false) {
        let specs = definition.parameterSpecs
        var seen = Set<String>()
        for s in specs { precondition(seen.insert(s.name).inserted, "parameter '\(s.name)' is declared twice") }
        parameterSpecs = specs
        inputWidth = definition.inputWidth
        outputWidth = definition.outputWidth

        let ig = StepGraph(parameters: specs)
        var s0 = definition.initialState(ig)
        for (i, name) in s0.names.enumerated() where !s0.values[i].batched {
            s0[name] = s0.values[i].broadcastToBatch()
        }
        stateNames = s0.names
        initial = Program(graph: ig, input: nil, stateIn: [], output: nil, stateOut: s0.values.map(\.id), inputNeedsGrad: false)

        let sg = StepGraph(parameters: specs)
        let x = sg.addNode([definition.inputWidth], batched: true, source: .input("x"))
        var stateIn = StateVars()
        for (name, v) in zip(s0.names, s0.values) {
            stateIn[name] = sg.addNode(v.shape, batched: true, source: .state(name))
        }
        var (y, s1) = definition.step(sg, input: x, state: stateIn)
        precondition(y.shape == [definition.outputWidth], "step output has shape \(y.shape), expected [\(definition.outputWidth)]")
        y = y.broadcastToBatch()
        precondition(s1.names == s0.names, "step returns state \(s1.names), the initial state has \(s0.names)")
        for (i, name) in s1.names.enumerated() {
            precondition(s1.values[i].shape == s0.values[i].shape,
                         "state '\(name)' has shape \(s1.values[i].shape) after a step, \(s0.values[i].shape) before")
            if !s1.values[i].batched { s1[name] = s1.values[i].broadcastToBatch() }
        }
        step = Program(graph: sg, input: x.id, stateIn: stateIn.values.map(\.id), output: y.id,
                       stateOut: s1.values.map(\.id), inputNeedsGrad: inputGradients)
    }
}
