// Backpropagation through time for a recorded RecurrentProgram, in any GraphScalar: run the
// initial-state program once, the step program for t = 0…T-1, then the reversed step program
// for t = T-1…0 with the state gradient carried back, and finally the initial-state program's
// backward. Parameter gradients accumulate across steps (and across calls, until zeroed).

final class RecurrentEngine<S: GraphScalar> {
    let program: RecurrentProgram
    let initial: ProgramRunner<S>
    let step: ProgramRunner<S>
    private(set) var steps = 0
    private(set) var batch = 0
    /// dL/d(state) carried between backward steps, one block per state entry.
    private var carry: [UnsafeMutablePointer<S>] = []
    private var carryCapacity: [Int] = []

    init(program: RecurrentProgram, parameters: [String: ParameterSlot<S>]) {
        self.program = program
        initial = ProgramRunner(program: program.initial, parameters: parameters)
        step = ProgramRunner(program: program.step, parameters: parameters)
        carry = program.stateNames.map { _ in UnsafeMutablePointer<S>.allocate(capacity: 1) }
        carryCapacity = program.stateNames.map { _ in 1 }
    }

    deinit { for c in carry { c.deallocate() } }

    func prepare(steps: Int, batch: Int) {
        self.steps = steps
        self.batch = batch
        initial.prepare(steps: 1, batch: batch)
        step.prepare(steps: max(steps, 1), batch: batch)
        for (i, node) in program.step.stateIn.enumerated() {
            let n = step.size(node)
            if n > carryCapacity[i] {
                carry[i].deallocate()
                carry[i] = .allocate(capacity: n)
                carryCapacity[i] = n
            }
        }
    }

    /// `inputs` `[T, B, X]` → `outputs` `[T, B, Y]`, keeping every step's values for `backward`.
    func forward(inputs: UnsafePointer<S>, outputs: UnsafeMutablePointer<S>, steps: Int, batch: Int) {
        prepare(steps: steps, batch: batch)
        let X = program.inputWidth, Y = program.outputWidth, B = batch
        initial.forward(step: 0)
        guard let inNode = program.step.input, let outNode = program.step.output else { return }
        for t in 0..<steps {
            step.value(inNode, t).update(from: inputs + t * B * X, count: B * X)
            for (i, node) in program.step.stateIn.enumerated() {
                let src = t == 0 ? initial.value(program.initial.stateOut[i], 0) : step.value(program.step.stateOut[i], t - 1)
                step.value(node, t).update(from: src, count: step.size(node))
            }
            step.forward(step: t)
            (outputs + t * B * Y).update(from: step.value(outNode, t), count: B * Y)
        }
    }

    /// Adds the gradients of every parameter for `dL/doutputs` (`[T, B, Y]`) of the last forward pass.
    /// When the program was recorded with input gradients, `inputGradients` (`[T, B, X]`) receives
    /// `dL/dinputs` (added into).
    func backward(outputGradients: UnsafePointer<S>, inputGradients: UnsafeMutablePointer<S>? = nil) {
        let Y = program.outputWidth, X = program.inputWidth, B = batch
        guard let outNode = program.step.output, let inNode = program.step.input else { return }
        for (i, node) in program.step.stateIn.enumerated() { carry[i].update(repeating: 0, count: step.size(node)) }
        for t in stride(from: steps - 1, through: 0, by: -1) {
            step.zeroGradients()
            if let g = step.grad(outNode) {
                let src = outputGradients + t * B * Y
                for j in 0..<(B * Y) { g[j] += src[j] }
            }
            for (i, node) in program.step.stateOut.enumerated() {
                if let g = step.grad(node) { for j in 0..<step.size(node) { g[j] += carry[i][j] } }
            }
            step.backward(step: t)
            for (i, node) in program.step.stateIn.enumerated() {
                let n = step.size(node)
                if let g = step.grad(node) { carry[i].update(from: g, count: n) } else { carry[i].update(repeating: 0, count: n) }
            }
            if let inputGradients, let g = step.grad(inNode) {
                let dst = inputGradients + t * B * X
                for j in 0..<(B * X) { dst[j] += g[j] }
            }
        }
        initial.zeroGradients()
        for (i, node) in program.initial.stateOut.enumerated() {
            if let g = initial.grad(node) { for j in 0..<initial.size(node) { g[j] += carry[i][j] } }
        }
        initial.backward(step: 0)
    }

    /// A recorded value at every step of the last forward pass, `[T, B, ...]`.
    func recorded(_ name: String) -> (shape: [Int], values: [S])? {
        guard let node = program.step.recorded.first(where: { $0.name == name })?.node else { return nil }
        let n = step.size(node)
        var out = [S](repeating: 0, count: steps * n)
        for t in 0..<steps { for j in 0..<n { out[t * n + j] = step.value(node, t)[j] } }
        let item = program.step.nodes[node]
        return ([steps] + (item.batched ? [batch] : [1]) + item.shape, out)
    }

    /// Turns on (or off) the hash of every discrete choice made in forward passes.
    var decisions: UInt64? {
        get { step.decisions.map { $0 ^ (initial.decisions ?? 0) } }
        set { step.decisions = newValue; initial.decisions = newValue }
    }

    var fault: BackwardFault? {
        get { step.fault }
        set { step.fault = newValue; initial.fault = newValue }
    }
}
