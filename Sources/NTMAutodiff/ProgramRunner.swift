// Replays one recorded program over many steps: forward for t = 0…T-1 with every step's values
// kept, backward for one step at a time with a single reused gradient slot. Nothing is allocated
// per step; buffers grow only when a longer sequence or a larger batch comes.
import NTMCore

/// Where a parameter's values and gradients live for a runner of scalar `S`.
struct ParameterSlot<S: GraphScalar> {
    var value: UnsafeMutablePointer<S>
    var grad: UnsafeMutablePointer<S>
}

/// A fault to plant in one op's backward, so tests can prove the gradient check catches a wrong
/// backward: after that op's backward, the gradients of its (non-parameter) inputs are multiplied by `scale`.
public struct BackwardFault: Sendable {
    public var op: String
    public var scale: Double
    public init(op: String, scale: Double) { self.op = op; self.scale = scale }
}

final class ProgramRunner<S: GraphScalar> {
    let program: Program
    private(set) var batch = 0
    private var slots = 0
    private var offsets: [Int]
    private var stepSize = 0
    private var values: UnsafeMutablePointer<S>
    private var grads: UnsafeMutablePointer<S>
    private let constants: UnsafeMutablePointer<S>
    private var constantOffsets: [Int]
    private var params: [ParameterSlot<S>?]
    /// Scratch of the ops that need some (the order a sort builds, the fused cosine's row norms), sized for the largest.
    private var scratch: UnsafeMutablePointer<S>
    /// When set, ops that make a discrete choice (relu, clip, abs, sort, top-k) fold it into this hash.
    var decisions: UInt64?
    var fault: BackwardFault?
    /// Each binary op's broadcasting geometry for the current batch size (nil for other ops), computed
    /// once in `prepare` rather than at every step.
    private(set) var geometries: [Kernels.Broadcast?] = []
    /// `Wᵀ` per linear op, by op index (nil for other ops; used by Float programs, see
    /// ``transposedWeight(of:_:_:)``).
    private let transposes: [TransposedMatrix?]

    init(program: Program, parameters: [String: ParameterSlot<S>]) {
        self.program = program
        offsets = [Int](repeating: -1, count: program.nodes.count)
        constantOffsets = [Int](repeating: -1, count: program.nodes.count)
        params = [ParameterSlot<S>?](repeating: nil, count: program.nodes.count)
        transposes = program.ops.map { op in
            if case .linear = op.kind, S.self == Float.self { return TransposedMatrix() }
            return nil
        }
        var constantCount = 0
        for (i, node) in program.nodes.enumerated() {
            switch node.source {
            case .parameter(let name):
                guard let slot = parameters[name] else { preconditionFailure("parameter '\(name)' has no storage") }
                params[i] = slot
            case .constant(let v):
                constantOffsets[i] = constantCount
                constantCount += v.count
            default: break
            }
        }
        constants = .allocate(capacity: max(constantCount, 1))
        for (i, node) in program.nodes.enumerated() {
            if case .constant(let v) = node.source {
                for (j, x) in v.enumerated() { constants[constantOffsets[i] + j] = S(x) }
            }
        }
        values = .allocate(capacity: 1)
        grads = .allocate(capacity: 1)
        scratch = .allocate(capacity: 1)
    }

    deinit {
        values.deallocate()
        grads.deallocate()
        constants.deallocate()
        scratch.deallocate()
    }

    /// Sizes the buffers for `steps` slots of `batch` sequences.
    func prepare(steps: Int, batch: Int) {
        if batch != self.batch {
            self.batch = batch
            var size = 0
            var scratchNeed = 0
            for (i, node) in program.nodes.enumerated() {
                switch node.source {
                case .parameter, .constant: offsets[i] = -1
                default:
                    offsets[i] = size
                    size += node.count * (node.batched ? batch : 1)
                }
            }
            for op in program.ops { scratchNeed = max(scratchNeed, scratchSize(op)) }
            stepSize = size
            grads.deallocate()
            grads = .allocate(capacity: max(size, 1))
            scratch.deallocate()
            scratch = .allocate(capacity: max(scratchNeed, 1))
            slots = 0
            geometries = program.ops.map { op in
                if case .binary = op.kind { return broadcast(op) }
                return nil
            }
        }
        if steps > slots {
            values.deallocate()
            values = .allocate(capacity: max(steps * stepSize, 1))
            values.initialize(repeating: 0, count: max(steps * stepSize, 1))
            slots = steps
        }
    }

    private func scratchSize(_ op: Op) -> Int {
        let n = program.nodes
        switch op.kind {
        case .sortLast, .topK: return n[op.inputs[0]].last   // the order being sorted
        case .cosine: return n[op.inputs[1]].shape[0]        // the row norms of the fused kernel
        default: return 0
        }
    }

    // MARK: - Pointers

    func itemCount(_ node: Int) -> Int { program.nodes[node].count }
    func isBatched(_ node: Int) -> Bool { program.nodes[node].batched }
    func size(_ node: Int) -> Int { program.nodes[node].count * (program.nodes[node].batched ? batch : 1) }

    func value(_ node: Int, _ t: Int) -> UnsafeMutablePointer<S> {
        if let p = params[node] { return p.value }
        if constantOffsets[node] >= 0 { return constants + constantOffsets[node] }
        return values + t * stepSize + offsets[node]
    }

    /// The gradient of `node` at the step being run backward, or nil when it needs none.
    func grad(_ node: Int) -> UnsafeMutablePointer<S>? {
        guard program.needsGrad[node] else { return nil }
        if let p = params[node] { return p.grad }
        return grads + offsets[node]
    }

    /// Clears the gradient slot before a step's backward.
    func zeroGradients() { grads.update(repeating: 0, count: stepSize) }

    // MARK: - Running

    func forward(step t: Int) {
        for (i, op) in program.ops.enumerated() { runForward(op, i, t) }
    }

    func backward(step t: Int) {
        for (i, op) in program.ops.enumerated().reversed() where op.isDifferentiable {
            guard op.outputs.contains(where: { program.needsGrad[$0] }) else { continue }
            runBackward(op, i, t)
            if let fault, fault.op == op.name {
                for i in op.inputs { if let g = grad(i), params[i] == nil { for j in 0..<size(i) { g[j] *= S(fault.scale) } } }
            }
        }
    }

    /// Folds a discrete choice into the decision hash (FNV-1a over the choice's bits).
    @inline(__always)
    func decide(_ bit: Int) {
        guard var h = decisions else { return }
        h = (h ^ UInt64(truncatingIfNeeded: bit)) &* 0x100_0000_01b3
        decisions = h
    }

    var scratchBuffer: UnsafeMutablePointer<S> { scratch }

    /// `Wᵀ` of linear op number `index` (Float programs), copied at step 0 when `W` is a parameter or a
    /// constant (fixed through a sequence) and at every step when the step computes it.
    func transposedWeight(of op: Op, _ index: Int, _ t: Int) -> TransposedMatrix {
        let node = op.inputs[1]
        let fixed = params[node] != nil || constantOffsets[node] >= 0
        let matrix = transposes[index]!
        if fixed && t > 0 { return matrix }
        let shape = program.nodes[node].shape
        matrix.update(from: Kernels.asFloat(value(node, t)), rows: shape[0], cols: shape[1])
        return matrix
    }
}
