// Every public backward of NTMLayers adds into its gradients and leaves its output gradient and
// inputs alone (NTMCore's GradientConvention), checked on pre-filled buffers.
import NTMCore
import NTMLayers
import Testing
import _NTMTestSupport

enum LayerBackward: String, CaseIterable, Sendable, CustomStringConvertible {
    case linearInput, linearWeights, lstm, gru, rnn, bitLoss
    var description: String { rawValue }
}

@Suite("Gradient convention: NTMLayers")
struct LayerGradientConventionTests {
    /// Pre-filled gradients come back as prefill + gradient; output gradients and inputs are unchanged.
    @Test(arguments: LayerBackward.allCases)
    func addsIntoGradients(_ op: LayerBackward) {
        var rng = RandomSource(seed: 99)
        let gradients: [CheckedBuffer], readOnly: [CheckedBuffer], backward: () -> Void
        var keep: [TestBuffer] = []
        switch op {
        case .linearInput, .linearWeights:
            let rows = 5, layer = Linear(inputSize: 6, outputSize: 4, prefix: "linear")
            for p in layer.parameters { Initializer.normal(p, std: 0.5, rng: &rng) }
            let x = TestBuffer(TestData.uniform(rows * 6, rng: &rng)), dy = TestBuffer(TestData.uniform(rows * 4, rng: &rng))
            let dx = TestBuffer(zeros: rows * 6)
            keep = [x, dy, dx]
            readOnly = [.init("dy", dy), .init("x", x)] + layer.parameters.map { .init(valueOf: $0) }
            if op == .linearInput {
                gradients = [.init("x", dx)]
                backward = { layer.backwardInput(rows: rows, outputGradient: dy.p, inputGradient: dx.p) }
            } else {
                gradients = layer.parameters.map { .init(gradientOf: $0) }
                backward = { layer.accumulateWeightGradients(rows: rows, input: x.p, outputGradient: dy.p) }
            }
        case .lstm, .gru, .rnn:
            let T = 3, B = 2, X = 3, H = 4
            let cell: any RecurrentCell = switch op {
            case .lstm: LSTMStack(inputSize: X, hiddenSize: H, layers: 2, prefix: "lstm")
            case .gru: GRUStack(inputSize: X, hiddenSize: H, layers: 2, prefix: "gru")
            default: RNNStack(inputSize: X, hiddenSize: H, layers: 2, prefix: "rnn")
            }
            for p in cell.parameters { Initializer.normal(p, std: 0.5, rng: &rng) }
            let x = TestBuffer(TestData.uniform(T * B * X, rng: &rng)), dh = TestBuffer(TestData.uniform(T * B * H, rng: &rng))
            cell.prepare(steps: T, batch: B)
            for t in 0..<T { _ = cell.forward(step: t, input: x.p + t * B * X) }
            let dx = TestBuffer(zeros: T * B * X)
            keep = [x, dh, dx]
            gradients = [.init("inputs", dx)] + cell.parameters.map { .init(gradientOf: $0) }
            readOnly = [.init("dh", dh), .init("inputs", x), .init("outputs", UnsafeMutablePointer(mutating: cell.outputs),
                                                                   count: T * B * H)]
                + cell.parameters.map { .init(valueOf: $0) }
            backward = {
                cell.beginBackward()
                for t in stride(from: T - 1, through: 0, by: -1) {
                    cell.backward(step: t, outputGradient: dh.p + t * B * H, inputGradient: dx.p + t * B * X)
                }
                cell.finishBackward()
            }
        case .bitLoss:
            let T = 3, B = 2, Y = 4
            let y = TestBuffer(TestData.uniform(T * B * Y, -3, 3, rng: &rng))
            let targets = TestBuffer((0..<(T * B * Y)).map { _ in Float(rng.bit() ? 1 : 0) }), mask = TestBuffer([1, 0, 1])
            let dy = TestBuffer(zeros: T * B * Y)
            keep = [y, targets, mask, dy]
            gradients = [.init("logits", dy)]
            readOnly = [.init("logits", y), .init("targets", targets), .init("mask", mask)]
            backward = {
                BitLoss.backward(logits: y.p, targets: targets.p, mask: mask.p, steps: T, batch: B, width: Y,
                                 logitGradient: dy.p)
            }
        }
        let violations = GradientConventionCheck.violations(gradients: gradients, readOnly: readOnly, backward: backward)
        #expect(violations.isEmpty, "\(violations.joined(separator: "\n"))")
        withExtendedLifetime(keep) {}
    }

    /// `evaluate(…, gradient:)` writes: it equals zeroing the buffer and running `backward`, bit for bit.
    @Test func bitLossEvaluateWritesWhatBackwardAdds() {
        var rng = RandomSource(seed: 5)
        let T = 3, B = 2, Y = 4
        let y = TestData.uniform(T * B * Y, -3, 3, rng: &rng)
        let targets = (0..<(T * B * Y)).map { _ in Float(rng.bit() ? 1 : 0) }, mask: [Float] = [1, 0, 1]
        let written = TestBuffer([Float](repeating: 9, count: T * B * Y)), added = TestBuffer(zeros: T * B * Y)
        _ = BitLoss.evaluate(logits: y, targets: targets, mask: mask, steps: T, batch: B, width: Y, gradient: written.p)
        BitLoss.backward(logits: y, targets: targets, mask: mask, steps: T, batch: B, width: Y, logitGradient: added.p)
        #expect(written.array.map(\.bitPattern) == added.array.map(\.bitPattern))
    }
}
