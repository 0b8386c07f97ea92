// Finite-difference gradient checks of the layers (LSTM, GRU and RNN stacks over a short unroll,
// the linear layer) and of the bit-task loss, plus constructed values of the loss and its metrics.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NTMCore
import NTMLayers
import Testing
import _NTMTestSupport

private let tolerance = GradCheck.tolerance

// MARK: - Recurrent stacks

/// Which stack a parameterized test builds.
enum CellKind: String, Sendable, CaseIterable, CustomStringConvertible {
    case lstm, gru, rnn
    var description: String { rawValue }
}

private func makeCell(_ kind: CellKind, input: Int, hidden: Int, layers: Int) -> any RecurrentCell {
    switch kind {
    case .lstm: return LSTMStack(inputSize: input, hiddenSize: hidden, layers: layers, prefix: "lstm")
    case .gru: return GRUStack(inputSize: input, hiddenSize: hidden, layers: layers, prefix: "gru")
    case .rnn: return RNNStack(inputSize: input, hiddenSize: hidden, layers: layers, prefix: "rnn")
    }
}

/// A short unroll of a cell with loss L = Σ_t Σ h_t ∘ proj_t, its analytic gradients with respect to
/// every parameter and to the input sequence, and the same loss recomputed by forward only.
private final class Unroll {
    let cell: any RecurrentCell
    let T: Int, B: Int
    let inputs: TestBuffer
    let proj: [[Float]]

    init(cell: any RecurrentCell, T: Int, B: Int, rng: inout RandomSource) {
        self.cell = cell
        self.T = T
        self.B = B
        // Every parameter, initial states included, random and non-zero (the default h0 = c0 = 0
        // would hide a wrong initial-state gradient behind a zero multiplier in the weight gradients).
        for p in cell.parameters {
            for i in 0..<p.count { p.value.base[i] = rng.uniform(-0.7, 0.7) }
        }
        inputs = TestBuffer(TestData.uniform(T * B * cell.inputSize, rng: &rng))
        proj = (0..<T).map { _ in TestData.uniform(B * cell.outputSize, rng: &rng) }
    }

    func loss() -> Double {
        cell.prepare(steps: T, batch: B)
        var total = 0.0
        for t in 0..<T {
            let h = cell.forward(step: t, input: inputs.p + t * B * cell.inputSize)
            total += TestData.projection(h, proj[t])
        }
        return total
    }

    /// Runs forward and backward; returns dL/dinputs (`[T, B, X]`) and leaves parameter gradients in `grad`.
    func gradients() -> [Float] {
        cell.parameters.zeroGradients()
        _ = loss()
        let X = cell.inputSize
        let dx = TestBuffer(zeros: T * B * X)
        cell.beginBackward()
        for t in stride(from: T - 1, through: 0, by: -1) {
            cell.backward(step: t, outputGradient: proj[t], inputGradient: dx.p + t * B * X)
        }
        cell.finishBackward()
        return dx.array
    }
}

@Suite("Layer gradients")
struct LayerGradientTests {
    @Test(arguments: CellKind.allCases, [1, 2])
    func recurrentStack(kind: CellKind, layers: Int) {
        var rng = RandomSource(seed: UInt64(layers * 17 + CellKind.allCases.firstIndex(of: kind)!))
        let cell = makeCell(kind, input: 3, hidden: 4, layers: layers)
        let unroll = Unroll(cell: cell, T: 4, B: 2, rng: &rng)
        let dx = unroll.gradients()
        var tensors = cell.parameters.map { p in
            (name: p.name, values: p.value.base, count: p.count, analytic: p.grad.array)
        }
        tensors.append((name: "inputs", values: unroll.inputs.p, count: unroll.inputs.count, analytic: dx))
        let report = gradientCheck(tensors: tensors, epsilon: 1e-2, maxEntriesPerTensor: 100) { unroll.loss() }
        #expect(report.passes(tolerance: tolerance), "\(report)")
        // Every tensor, the initial states included, gets a real gradient.
        for t in tensors { #expect(GradCheck.maxAbs(t.analytic) > 1e-3, "\(t.name) has no gradient") }
        #expect(report.entries.count == cell.parameters.count + 1)
    }

    /// The same check through the public `gradientCheck(parameters:)` entry point.
    @Test(arguments: CellKind.allCases)
    func recurrentStackThroughParameterCheck(kind: CellKind) {
        var rng = RandomSource(seed: 123)
        let cell = makeCell(kind, input: 2, hidden: 3, layers: 2)
        let unroll = Unroll(cell: cell, T: 3, B: 3, rng: &rng)
        let report = gradientCheck(parameters: cell.parameters, epsilon: 1e-2,
                                   computeGradients: { _ = unroll.gradients() }, loss: { unroll.loss() })
        #expect(report.passes(tolerance: tolerance), "\(report)")
    }

    /// A batch and hidden size wider than the SIMD width, so that the blocked kernels' main paths run.
    @Test(arguments: CellKind.allCases)
    func recurrentStackWiderThanTheKernels(kind: CellKind) {
        var rng = RandomSource(seed: 99)
        let cell = makeCell(kind, input: 9, hidden: 10, layers: 2)
        let unroll = Unroll(cell: cell, T: 3, B: 5, rng: &rng)
        let report = gradientCheck(parameters: cell.parameters, epsilon: 1e-2, maxEntriesPerTensor: 40,
                                   computeGradients: { _ = unroll.gradients() }, loss: { unroll.loss() })
        #expect(report.passes(tolerance: tolerance), "\(report)")
    }

    /// finishBackward adds to the gradients (accumulating over calls), never overwrites them.
    @Test(arguments: CellKind.allCases)
    func recurrentGradientsAccumulate(kind: CellKind) {
        var rng = RandomSource(seed: 5)
        let cell = makeCell(kind, input: 2, hidden: 3, layers: 2)
        let unroll = Unroll(cell: cell, T: 3, B: 2, rng: &rng)
        _ = unroll.gradients()
        let once = cell.parameters.map(\.grad.array)
        // A second backward without zeroing.
        _ = unroll.loss()
        cell.beginBackward()
        for t in stride(from: 2, through: 0, by: -1) {
            cell.backward(step: t, outputGradient: unroll.proj[t], inputGradient: nil)
        }
        cell.finishBackward()
        for (p, g) in zip(cell.parameters, once) {
            for i in 0..<p.count { #expect(abs(p.grad.base[i] - 2 * g[i]) <= 1e-5 * max(1, abs(g[i])), "\(p.name)") }
        }
    }

    /// Constructed value: a one-layer LSTM with all weights zero has z = b, so
    /// c' = σ(b_f) c + σ(b_i) tanh(b_g), h' = σ(b_o) tanh(c').
    @Test func lstmHandValue() {
        let cell = LSTMStack(inputSize: 1, hiddenSize: 1, layers: 1, prefix: "lstm")
        let bi: [Float] = [0.5, -1, 2, 0.3]  // [i, f, g, o]
        cell.biasIH[0].value.copy(from: bi)
        cell.biasHH[0].value.copy(from: [0.1, 0.1, 0.1, 0.1])
        cell.c0.value.copy(from: [0.8])
        cell.h0.value.copy(from: [-0.4])
        cell.prepare(steps: 1, batch: 1)
        let x: [Float] = [3]
        let h = cell.forward(step: 0, input: x)
        func s(_ v: Double) -> Double { 1 / (1 + exp(-v)) }
        let c = s(-0.9) * 0.8 + s(0.6) * tanh(2.1)
        let expected = s(0.4) * tanh(c)
        #expect(abs(Double(h[0]) - expected) < 1e-6, "\(h[0]) vs \(expected)")
    }

    /// Constructed value: a one-layer GRU with W_ih = 0 has r = σ(W_hr h + b), z = …,
    /// n = tanh(b_in + r (W_hn h + b_hn)), h' = (1 - z) n + z h.
    @Test func gruHandValue() {
        let cell = GRUStack(inputSize: 1, hiddenSize: 1, layers: 1, prefix: "gru")
        cell.weightHH[0].value.copy(from: [0.5, -0.5, 2])  // [r, z, n]
        cell.biasIH[0].value.copy(from: [0.1, 0.2, 0.3])
        cell.biasHH[0].value.copy(from: [0.0, 0.0, -1])
        cell.h0.value.copy(from: [0.6])
        cell.prepare(steps: 1, batch: 1)
        let x: [Float] = [7]
        let h = cell.forward(step: 0, input: x)
        func s(_ v: Double) -> Double { 1 / (1 + exp(-v)) }
        let r = s(0.5 * 0.6 + 0.1), z = s(-0.5 * 0.6 + 0.2)
        let n = tanh(0.3 + r * (2 * 0.6 - 1))
        let expected = (1 - z) * n + z * 0.6
        #expect(abs(Double(h[0]) - expected) < 1e-6, "\(h[0]) vs \(expected)")
    }

    /// Parameter names and shapes follow nn.LSTM / nn.GRU (models.md checkpoint table).
    @Test func recurrentParameterNames() {
        let lstm = LSTMStack(inputSize: 3, hiddenSize: 5, layers: 2, prefix: "lstm")
        #expect(lstm.parameters.map(\.name) == [
            "lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0",
            "lstm.weight_ih_l1", "lstm.weight_hh_l1", "lstm.bias_ih_l1", "lstm.bias_hh_l1", "lstm.h0", "lstm.c0",
        ])
        #expect(lstm.parameters.map(\.shape) == [[20, 3], [20, 5], [20], [20], [20, 5], [20, 5], [20], [20], [2, 5], [2, 5]])
        let gru = GRUStack(inputSize: 3, hiddenSize: 5, layers: 2, prefix: "gru")
        #expect(gru.parameters.map(\.name) == [
            "gru.weight_ih_l0", "gru.weight_hh_l0", "gru.bias_ih_l0", "gru.bias_hh_l0",
            "gru.weight_ih_l1", "gru.weight_hh_l1", "gru.bias_ih_l1", "gru.bias_hh_l1", "gru.h0",
        ])
        #expect(gru.parameters.map(\.shape) == [[15, 3], [15, 5], [15], [15], [15, 5], [15, 5], [15], [15], [2, 5]])
    }

    // MARK: - Linear

    @Test(arguments: [(1, 1, 1), (3, 5, 4), (2, 9, 3)])
    func linear(rows: Int, inSize: Int, outSize: Int) {
        var rng = RandomSource(seed: UInt64(rows * 100 + inSize * 10 + outSize))
        let layer = Linear(inputSize: inSize, outputSize: outSize, prefix: "lin")
        for p in layer.parameters { for i in 0..<p.count { p.value.base[i] = rng.uniform(-1, 1) } }
        let x = TestBuffer(TestData.uniform(rows * inSize, rng: &rng))
        let proj = TestData.uniform(rows * outSize, rng: &rng)
        func loss() -> Double {
            let y = TestBuffer(zeros: rows * outSize)
            layer.forward(rows: rows, input: x.p, output: y.p)
            return TestData.projection(y.p, proj)
        }
        layer.parameters.zeroGradients()
        let dx = TestBuffer(zeros: rows * inSize)
        layer.backwardInput(rows: rows, outputGradient: proj, inputGradient: dx.p)
        layer.accumulateWeightGradients(rows: rows, input: x.p, outputGradient: proj)
        let report = gradientCheck(
            tensors: [(name: "input", values: x.p, count: x.count, analytic: dx.array),
                      (name: "weight", values: layer.weight.value.base, count: layer.weight.count,
                       analytic: layer.weight.grad.array),
                      (name: "bias", values: layer.bias.value.base, count: layer.bias.count,
                       analytic: layer.bias.grad.array)],
            epsilon: 1e-2, loss: loss)
        #expect(report.passes(tolerance: tolerance), "\(report)")
        // Both backward calls accumulate.
        let dx1 = dx.array, dW1 = layer.weight.grad.array
        layer.backwardInput(rows: rows, outputGradient: proj, inputGradient: dx.p)
        layer.accumulateWeightGradients(rows: rows, input: x.p, outputGradient: proj)
        for i in 0..<dx.count { #expect(abs(dx.p[i] - 2 * dx1[i]) <= 1e-5) }
        for i in 0..<dW1.count { #expect(abs(layer.weight.grad.base[i] - 2 * dW1[i]) <= 1e-5) }
    }

    @Test func linearHandValue() {
        let layer = Linear(inputSize: 2, outputSize: 3, prefix: "output")
        #expect(layer.weight.name == "output.weight" && layer.weight.shape == [3, 2])
        #expect(layer.bias.name == "output.bias" && layer.bias.shape == [3])
        layer.weight.value.copy(from: [1, 2, 3, 4, 5, 6])
        layer.bias.value.copy(from: [0.5, -0.5, 1])
        let x: [Float] = [1, -1, 2, 0.5]
        let y = TestBuffer([Float](repeating: 99, count: 6))
        layer.forward(rows: 2, input: x, output: y.p)
        // Row (1, -1): (-1, -1, -1) + b; row (2, 0.5): (3, 8, 13) + b.
        #expect(y.array == [-0.5, -1.5, 0, 3.5, 7.5, 14])
    }

    // MARK: - Bit loss

    private static func evaluate(_ logits: [Float], _ targets: [Float], _ mask: [Float], T: Int, B: Int, Y: Int,
                                 gradient: UnsafeMutablePointer<Float>? = nil) -> BitLossResult {
        BitLoss.evaluate(logits: logits, targets: targets, mask: mask, steps: T, batch: B, width: Y, gradient: gradient)
    }

    @Test func bitLossHandValue() {
        // One sequence, one step, logits (2, -1, 0) against targets (1, 0, 1):
        // BCE = log(1 + e^-2) + log(1 + e^-1) + log 2.
        let r = Self.evaluate([2, -1, 0], [1, 0, 1], [1], T: 1, B: 1, Y: 3)
        let expected = log(1 + exp(-2.0)) + log(1 + exp(-1.0)) + log(2.0)
        #expect(abs(r.loss - expected) < 1e-6, "\(r.loss) vs \(expected)")
        #expect(abs(r.costBits - expected / log(2.0)) < 1e-6)
        // σ(0) = 0.5 is not > 0.5, so the third bit (target 1) is an error; the others are right.
        #expect(r.bitErrors == 1)
    }

    @Test func bitLossAveragesOverBatchAndSkipsMaskedSteps() {
        // T = 2, B = 2, Y = 1. Step 0 masked out (its logits would be huge errors); step 1 counts.
        let logits: [Float] = [-50, 50, 1, -2]
        let targets: [Float] = [1, 0, 1, 1]
        let g = TestBuffer([Float](repeating: 7, count: 4))
        let r = Self.evaluate(logits, targets, [0, 1], T: 2, B: 2, Y: 1, gradient: g.p)
        let expected = (log(1 + exp(-1.0)) + log(1 + exp(2.0))) / 2
        #expect(abs(r.loss - expected) < 1e-6)
        // Step 1: sequence 0 right (σ(1) > 0.5), sequence 1 wrong; averaged over 2 sequences.
        #expect(r.bitErrors == 0.5)
        #expect(g.p[0] == 0 && g.p[1] == 0, "masked step must get zero gradient")
        #expect(abs(g.p[2] - (sigmoid(1) - 1) / 2) < 1e-6)
        #expect(abs(g.p[3] - (sigmoid(-2) - 1) / 2) < 1e-6)
    }

    @Test func bitLossIsStableForLargeLogits() {
        let r = Self.evaluate([30, -30, 30], [0, 1, 1], [1], T: 1, B: 1, Y: 3)
        #expect(r.loss.isFinite)
        #expect(abs(r.loss - 60) < 1e-3)
        #expect(r.bitErrors == 2)
    }

    @Test(arguments: [1, 3])
    func bitLossGradient(B: Int) {
        let T = 4, Y = 3
        var rng = RandomSource(seed: UInt64(40 + B))
        let logits = TestBuffer(TestData.uniform(T * B * Y, -3, 3, rng: &rng))
        let targets = (0..<(T * B * Y)).map { _ in Float(rng.bit() ? 1 : 0) }
        let mask: [Float] = [0, 1, 0, 1]
        let g = TestBuffer(zeros: T * B * Y)
        _ = BitLoss.evaluate(logits: logits.p, targets: targets, mask: mask, steps: T, batch: B, width: Y, gradient: g.p)
        let report = gradientCheck(
            tensors: [(name: "logits", values: logits.p, count: logits.count, analytic: g.array)],
            epsilon: 1e-2, maxEntriesPerTensor: 100
        ) {
            BitLoss.evaluate(logits: logits.p, targets: targets, mask: mask, steps: T, batch: B, width: Y, gradient: nil).loss
        }
        #expect(report.passes(tolerance: tolerance), "\(report)")
        // Masked steps: zero gradient, and the loss does not depend on their logits.
        let stepSize = B * Y
        for t in [0, 2] {
            for i in 0..<stepSize { #expect(g.p[t * stepSize + i] == 0) }
        }
        let before = BitLoss.evaluate(logits: logits.p, targets: targets, mask: mask, steps: T, batch: B, width: Y,
                                      gradient: nil)
        for i in 0..<stepSize { logits.p[2 * stepSize + i] += 5 }
        let after = BitLoss.evaluate(logits: logits.p, targets: targets, mask: mask, steps: T, batch: B, width: Y,
                                     gradient: nil)
        #expect(before.loss == after.loss)
        #expect(before.bitErrors == after.bitErrors)
    }
}
