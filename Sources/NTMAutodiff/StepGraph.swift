// The recorder of a step program: a user's forward code calls ops on Vars, and the graph writes
// them down once, in execution order. The engine then replays that list for t = 0…T-1 and the
// reversed list for t = T-1…0: no graph is built per step, and the order (hence every bit) is fixed.

/// Records the operations of one step (or of the initial state) of a recurrent model.
///
/// Write the forward step with ``Var`` methods and operators and the graph's ops; do not branch on
/// values (there are none while recording: as in JAX's `scan`, a step is traced once). Index choices
/// (``sort(_:descending:)``, ``topK(_:k:largest:)``) are ops with zero gradient through the choice.
///
/// **Broadcasting.** Element-wise ops between items of different shapes follow NumPy: shapes are
/// aligned at their last axis, and a length-1 axis (or a missing leading one) repeats. An unbatched
/// value (parameter, constant) repeats over the batch. Gradients of a repeated operand are summed.
public final class StepGraph {
    enum Source {
        case input(String)
        case state(String)
        case parameter(String)
        case constant([Float])
        case op
    }

    struct Node {
        var shape: [Int]
        var batched: Bool
        var source: Source
        /// Index outputs (sort, top-k) and constants carry no gradient.
        var isIndex = false
        var count: Int { shape.reduce(1, *) }
        var last: Int { shape.last ?? 1 }
    }

    private(set) var nodes: [Node] = []
    var ops: [Op] = []
    private(set) var recorded: [(name: String, node: Int)] = []
    let parameterShapes: [String: [Int]]
    /// Parameters an optimiser never updates (the NTM's constant memory) get no gradient.
    let frozen: Set<String>
    private var parameterNodes: [String: Int] = [:]

    init(parameters: [ParameterSpec]) {
        var shapes: [String: [Int]] = [:]
        for p in parameters { shapes[p.name] = p.shape }
        parameterShapes = shapes
        frozen = Set(parameters.filter { !$0.trainable }.map(\.name))
    }

    func addNode(_ shape: [Int], batched: Bool, source: Source, isIndex: Bool = false) -> Var {
        precondition(shape.allSatisfy { $0 > 0 }, "every axis must be positive, got shape \(shape)")
        nodes.append(Node(shape: shape, batched: batched, source: source, isIndex: isIndex))
        return Var(id: nodes.count - 1, shape: shape, batched: batched, graph: self)
    }

    func checkOwned(_ vs: [Var], _ what: String) {
        for v in vs { precondition(v.graph === self, "\(what): a value from another step graph was used") }
    }

    /// Records an op and returns its outputs.
    @discardableResult
    func record(_ kind: Op.Kind, _ inputs: [Var], outputs: [(shape: [Int], isIndex: Bool)]) -> [Var] {
        let op = Op(kind: kind, inputs: inputs.map(\.id), outputs: [])
        checkOwned(inputs, op.name)
        let batched = inputs.contains { $0.batched }
        let outs = outputs.map { addNode($0.shape, batched: batched, source: .op, isIndex: $0.isIndex) }
        ops.append(Op(kind: kind, inputs: inputs.map(\.id), outputs: outs.map(\.id)))
        return outs
    }

    func record1(_ kind: Op.Kind, _ inputs: [Var], shape: [Int]) -> Var {
        record(kind, inputs, outputs: [(shape, false)])[0]
    }

    // MARK: - Leaves

    /// The parameter declared under `name` (see ``ParameterSpec``): one item shared by the batch.
    public func parameter(_ name: String) -> Var {
        if let id = parameterNodes[name] { return Var(id: id, shape: nodes[id].shape, batched: false, graph: self) }
        guard let shape = parameterShapes[name] else {
            preconditionFailure("parameter '\(name)' was not declared (declared: \(parameterShapes.keys.sorted().joined(separator: ", ")))")
        }
        let v = addNode(shape, batched: false, source: .parameter(name))
        parameterNodes[name] = v.id
        return v
    }

    /// A constant item of `shape`, row-major (no gradient).
    public func constant(_ values: [Float], shape: [Int]) -> Var {
        precondition(values.count == shape.reduce(1, *), "constant of \(values.count) values for shape \(shape)")
        return addNode(shape, batched: false, source: .constant(values), isIndex: true)
    }

    /// A constant item of `shape` with every entry `value`.
    public func constant(_ value: Float, shape: [Int] = [1]) -> Var {
        constant([Float](repeating: value, count: shape.reduce(1, *)), shape: shape)
    }

    /// Keeps `value` at every step under `name`, for traces and memory figures (for example
    /// `read_weights.0`, `[T, B, N]` in a trace).
    public func record(_ name: String, _ value: Var) {
        checkOwned([value], "record")
        precondition(!recorded.contains { $0.name == name }, "'\(name)' is recorded twice")
        recorded.append((name, value.id))
    }

    // MARK: - Shapes

    /// NumPy broadcasting of two item shapes; nil when they do not broadcast.
    static func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int]? {
        let rank = max(a.count, b.count)
        let pa = [Int](repeating: 1, count: rank - a.count) + a, pb = [Int](repeating: 1, count: rank - b.count) + b
        var out: [Int] = []
        for (x, y) in zip(pa, pb) {
            if x == y || y == 1 { out.append(x) } else if x == 1 { out.append(y) } else { return nil }
        }
        return out
    }

    /// How many rows of the last axis a value holds per item.
    static func rows(_ shape: [Int]) -> Int { shape.dropLast().reduce(1, *) }
}
