// A model of one's own, as a researcher would write it in their package: a plain RNN with a linear
// read-out and an extra key, `slots`, registered under a name the kit does not know, so that the
// registry tests can drive it through every command exactly as a user's binary would.
import Foundation
import NTMKit

/// A plain (Elman) RNN with a read-out (the kit's ``RecurrentBaseline`` of an ``RNNStack``), which also
/// records `slots.0`: at each step a softmax over its first `slots` hidden units, `[T, B, slots]`. The
/// recording does not change the output; it stands in for a memory weighting, so that reports draw a
/// memory figure for it as they do for the NTM's heads.
final class SlotRNN: SequenceModel {
    static let name = "slot-rnn"
    static let kind = ModelKind(name: name)

    let inner: RecurrentBaseline<RNNStack>
    let slots: Int
    private var weights: [Float] = []
    private var steps = 0, batch = 0

    var kind: String { inner.kind }
    var configJSON: JSONValue { inner.configJSON }
    var inputWidth: Int { inner.inputWidth }
    var outputWidth: Int { inner.outputWidth }
    var parameters: [Parameter] { inner.parameters }
    var parallelism: Parallelism {
        get { inner.parallelism }
        set { inner.parallelism = newValue }
    }

    init(config: ModelConfig, rng: inout RandomSource) {
        let hidden = config.int("hiddenSize")
        let cell = RNNStack(inputSize: config.inputWidth, hiddenSize: hidden, layers: 1, prefix: "cell")
        cell.initialize(rng: &rng)
        inner = RecurrentBaseline(kind: Self.name, cell: cell, outputWidth: config.outputWidth, configJSON: config.json)
        Initializer.pyTorchUniform(inner.output.weight, fanIn: hidden, rng: &rng)
        Initializer.pyTorchUniform(inner.output.bias, fanIn: hidden, rng: &rng)
        slots = config.int("slots")
    }

    func forward(inputs: UnsafePointer<Float>, steps: Int, batch: Int, logits: UnsafeMutablePointer<Float>) {
        self.steps = steps
        self.batch = batch
        inner.forward(inputs: inputs, steps: steps, batch: batch, logits: logits)
        let H = inner.cell.outputSize, h = inner.cell.outputs
        weights = [Float](repeating: 0, count: steps * batch * slots)
        for row in 0..<(steps * batch) {
            let x = (0..<slots).map { 4 * h[row * H + $0] }
            let top = x.max()!
            let e = x.map { Float(exp(Double($0 - top))) }
            let sum = e.reduce(0, +)
            for n in 0..<slots { weights[row * slots + n] = e[n] / sum }
        }
    }

    func backward(logitGradients: UnsafePointer<Float>) { inner.backward(logitGradients: logitGradients) }

    func recordedTensors() -> [(name: String, tensor: Tensor)] {
        [("slots.0", Tensor(shape: [steps, batch, slots], values: weights))]
    }

    /// The registry entry: `hiddenSize` (default 8) and `slots` (default 4, at most `hiddenSize`).
    static let entry = ModelEntry(
        name: name, keys: ["hiddenSize", "slots"],
        defaults: .object([
            .init(key: "sequences", value: .number(40)), .init(key: "batch", value: .number(2)),
            .init(key: "optimizer", value: .object([.init(key: "name", value: .string("adam")),
                                                    .init(key: "learningRate", value: .number(1e-2))])),
        ]),
        decode: { section, _, _ throws(NTMError) in
            let hidden = try section.int("hiddenSize", in: 1...256, default: 8)
            let slots = try section.int("slots", in: 1...256, default: 4)
            guard slots <= hidden else {
                throw .usage("\(section.path): 'slots' is \(slots), more than 'hiddenSize' \(hidden); give at most hiddenSize slots")
            }
            return .object([.init(key: "hiddenSize", value: .number(Double(hidden))),
                            .init(key: "slots", value: .number(Double(slots)))])
        },
        make: { config, rng in SlotRNN(config: config, rng: &rng) })

    /// Registers the entry once per test process, whichever test comes first.
    static let registered: Void = {
        do throws(NTMError) { try ModelRegistry.register(entry) } catch { fatalError(error.message) }
    }()
}
