// A recurrent baseline: any RecurrentCell stack followed by a linear read-out at every step
// (models.md § "Baseline sequence models").
import NTMCore
import NTMLayers

/// `y_t = W_y h_top,t + b_y` on top of a recurrent cell (an ``LSTMStack``, ``GRUStack`` or ``RNNStack``).
public final class RecurrentBaseline<Cell: RecurrentCell>: SequenceModel {
    public let kind: String
    public let cell: Cell
    public let output: Linear
    public let configJSON: JSONValue
    public var inputWidth: Int { cell.inputSize }
    public let outputWidth: Int
    /// Threads for the cell's weight gradients (see ``SequenceModel/parallelism``).
    public var parallelism: Parallelism = .serial
    public var parameters: [Parameter] { cell.parameters + output.parameters }

    private var steps = 0, batch = 0
    private let hiddenGradient = Workspace()

    public init(kind: String, cell: Cell, outputWidth: Int, configJSON: JSONValue) {
        self.kind = kind
        self.cell = cell
        self.outputWidth = outputWidth
        self.configJSON = configJSON
        output = Linear(inputSize: cell.outputSize, outputSize: outputWidth, prefix: "output")
    }

    public func forward(inputs: UnsafePointer<Float>, steps: Int, batch: Int, logits: UnsafeMutablePointer<Float>) {
        self.steps = steps
        self.batch = batch
        cell.prepare(steps: steps, batch: batch)
        hiddenGradient.reserve(steps * batch * cell.outputSize)
        let X = inputWidth
        for t in 0..<steps { _ = cell.forward(step: t, input: inputs + t * batch * X) }
        // The read-out of every step in one product.
        output.forward(rows: steps * batch, input: cell.outputs, output: logits)
    }

    public func backward(logitGradients: UnsafePointer<Float>) {
        let H = cell.outputSize, rows = steps * batch
        let dh = hiddenGradient.base
        dh.update(repeating: 0, count: rows * H)
        output.backwardInput(rows: rows, outputGradient: logitGradients, inputGradient: dh)
        output.accumulateWeightGradients(rows: rows, input: cell.outputs, outputGradient: logitGradients)
        cell.beginBackward()
        for t in stride(from: steps - 1, through: 0, by: -1) {
            cell.backward(step: t, outputGradient: dh + t * batch * H, inputGradient: nil)
        }
        cell.finishBackward(parallelism: parallelism)
    }
}
