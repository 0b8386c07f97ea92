// A symbolic value of a step program: what a user's forward code passes around while the step is
// recorded. It holds no numbers; the engine gives it numbers at every step of every sequence.

/// A value in a step program being recorded by a ``StepGraph``.
///
/// `shape` is the shape of one item, without the batch axis: a batched value holds `B` items
/// (`[B] + shape`, batch-major and contiguous), an unbatched one (a parameter, a constant, anything
/// computed from those alone) holds one item shared by every sequence. Operations between batched and
/// unbatched values broadcast the unbatched one over the batch, and their gradients sum over it.
public struct Var: Hashable, @unchecked Sendable {
    public let id: Int
    public let shape: [Int]
    public let batched: Bool
    /// The graph the value belongs to; operators and free functions record into it.
    public unowned let graph: StepGraph

    init(id: Int, shape: [Int], batched: Bool, graph: StepGraph) {
        self.id = id
        self.shape = shape
        self.batched = batched
        self.graph = graph
    }

    /// Number of scalars of one item.
    public var count: Int { shape.reduce(1, *) }
    /// Length of the last axis (1 for a scalar item).
    public var last: Int { shape.last ?? 1 }

    public static func == (a: Var, b: Var) -> Bool { a.id == b.id && a.graph === b.graph }
    public func hash(into h: inout Hasher) { h.combine(id) }
}

/// Named values carried from one step to the next (memory, weightings, controller state...), in a
/// fixed order. Names matter: traces and memory figures find recorded values by name, and error
/// messages name the state that does not match.
public struct StateVars {
    public private(set) var names: [String] = []
    public private(set) var values: [Var] = []

    public init() {}

    public init(_ pairs: [(String, Var)]) {
        for (n, v) in pairs { self[n] = v }
    }

    public subscript(name: String) -> Var {
        get {
            guard let i = names.firstIndex(of: name) else {
                preconditionFailure("no state named '\(name)' (have: \(names.joined(separator: ", ")))")
            }
            return values[i]
        }
        set {
            if let i = names.firstIndex(of: name) { values[i] = newValue } else {
                names.append(name)
                values.append(newValue)
            }
        }
    }

    public func contains(_ name: String) -> Bool { names.contains(name) }
}
