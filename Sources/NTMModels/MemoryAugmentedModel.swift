// A controller cell coupled to a memory: the NTM when the cell is an LSTM stack and the memory
// is NTMMemoryAccess; any other MemoryAccess makes another memory-augmented network.
import NTMCore
import NTMLayers
import NTMMemory

/// A memory-augmented sequence model (models.md § NTM, steps 1 and 6):
///
/// ```
/// u_t = concat(x_t, r_{t-1})                       controller input
/// h_t = Controller(u_t)                            top layer's output
/// r_t = Memory(h_t)                                addressing, reads, writes
/// y_t = clip(W_y concat(h_t, r_t) + b_y, -C, C)
/// ```
public final class MemoryAugmentedModel<Controller: RecurrentCell, Access: MemoryAccess>: SequenceModel {
    public let kind: String
    public let controller: Controller
    public let memory: Access
    public let output: Linear
    public let clipValue: Float
    public let configJSON: JSONValue
    public let inputWidth: Int
    public let outputWidth: Int
    /// Threads for the controller's weight gradients (see ``SequenceModel/parallelism``).
    public var parallelism: Parallelism = .serial

    public var parameters: [Parameter] { controller.parameters + memory.parameters + output.parameters }

    private var steps = 0, batch = 0
    // Controller inputs [B, X + R], output-layer inputs [T, B, H + R], and backward scratch (the
    // controller's input gradients [T, B, X + R], zeroed once per backward).
    private let controllerInput = Workspace(), outputInput = Workspace(), outputInputGradient = Workspace()
    private let maskedLogitGradient = Workspace()
    private let hiddenGradient = Workspace(), readGradient = Workspace(), controllerInputGradient = Workspace()

    public init(kind: String, controller: Controller, memory: Access, inputWidth: Int, outputWidth: Int,
                clipValue: Float, configJSON: JSONValue) {
        precondition(controller.inputSize == inputWidth + memory.readSize,
                     "controller input \(controller.inputSize) != input \(inputWidth) + reads \(memory.readSize)")
        precondition(controller.outputSize == memory.controllerSize,
                     "controller output \(controller.outputSize) != memory's controller size \(memory.controllerSize)")
        self.kind = kind
        self.controller = controller
        self.memory = memory
        self.inputWidth = inputWidth
        self.outputWidth = outputWidth
        self.clipValue = clipValue
        self.configJSON = configJSON
        output = Linear(inputSize: controller.outputSize + memory.readSize, outputSize: outputWidth, prefix: "output")
    }

    public func forward(inputs: UnsafePointer<Float>, steps: Int, batch: Int, logits: UnsafeMutablePointer<Float>) {
        self.steps = steps
        self.batch = batch
        let X = inputWidth, R = memory.readSize, H = controller.outputSize, O = H + R, B = batch
        controller.prepare(steps: steps, batch: batch)
        memory.prepare(steps: steps, batch: batch)
        controllerInput.reserve(B * (X + R))
        outputInput.reserve(steps * B * O)
        outputInputGradient.reserve(steps * B * O)
        maskedLogitGradient.reserve(steps * B * outputWidth)
        hiddenGradient.reserve(B * H)
        readGradient.reserve(B * R)
        controllerInputGradient.reserve(steps * B * (X + R))
        var reads = memory.initialReads()
        let u = controllerInput.base
        for t in 0..<steps {
            for b in 0..<B {
                (u + b * (X + R)).update(from: inputs + (t * B + b) * X, count: X)
                (u + b * (X + R) + X).update(from: reads + b * R, count: R)
            }
            let h = controller.forward(step: t, input: u)
            reads = memory.forward(step: t, controllerOutput: h)
            let o = outputInput.base + t * B * O
            for b in 0..<B {
                (o + b * O).update(from: h + b * H, count: H)
                (o + b * O + H).update(from: reads + b * R, count: R)
            }
        }
        output.forward(rows: steps * B, input: outputInput.base, output: logits)
        let C = clipValue
        for i in 0..<(steps * B * outputWidth) { logits[i] = min(max(logits[i], -C), C) }
    }

    public func backward(logitGradients: UnsafePointer<Float>) {
        let X = inputWidth, R = memory.readSize, H = controller.outputSize, O = H + R, B = batch
        let rows = steps * B, Y = outputWidth, C = clipValue
        // The clip passes gradient only where the logit was inside [-C, C]; the forward's clipped
        // logits equal ±C exactly there, so recompute the raw logits' position from the cache.
        let dy = maskedLogitGradient.base
        output.forward(rows: rows, input: outputInput.base, output: dy)
        for i in 0..<(rows * Y) { dy[i] = (dy[i] < -C || dy[i] > C) ? 0 : logitGradients[i] }
        let dO = outputInputGradient.base
        dO.update(repeating: 0, count: rows * O)
        output.backwardInput(rows: rows, outputGradient: dy, inputGradient: dO)
        output.accumulateWeightGradients(rows: rows, input: outputInput.base, outputGradient: dy)

        controller.beginBackward()
        memory.beginBackward()
        let dh = hiddenGradient.base, dr = readGradient.base, du = controllerInputGradient.base
        // dr carries dL/dr_t from the controller input of step t+1 (zero after the last step).
        dr.update(repeating: 0, count: B * R)
        du.update(repeating: 0, count: steps * B * (X + R))
        for t in stride(from: steps - 1, through: 0, by: -1) {
            let dOt = dO + t * B * O
            for b in 0..<B {
                (dh + b * H).update(from: dOt + b * O, count: H)
                for k in 0..<R { dr[b * R + k] += dOt[b * O + H + k] }
            }
            memory.backward(step: t, readGradient: dr, controllerOutputGradient: dh)
            let dut = du + t * B * (X + R)
            controller.backward(step: t, outputGradient: dh, inputGradient: dut)
            for b in 0..<B { (dr + b * R).update(from: dut + b * (X + R) + X, count: R) }
        }
        controller.finishBackward(parallelism: parallelism)
        memory.finishBackward(controllerOutputs: controller.outputs, initialReadGradient: dr)
    }

    public func recordedTensors() -> [(name: String, tensor: Tensor)] { memory.recordedWeightings() }
}
