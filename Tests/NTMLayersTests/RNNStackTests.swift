// The Elman RNN stack: finite-difference gradient checks over a short unroll (1 and 2 layers, every
// parameter including h0, and the inputs), accumulation, names and shapes, and hand-computed steps.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NTMCore
import NTMLayers
import Testing
import _NTMTestSupport

/// A short unroll of an RNN stack with loss L = Σ_t Σ h_t ∘ proj_t, its analytic gradients with respect
/// to every parameter and to the input sequence, and the same loss recomputed by forward only.
private final class RNNUnroll {
    let cell: RNNStack
    let T: Int, B: Int
    let inputs: TestBuffer
    let proj: [[Float]]

    init(cell: RNNStack, T: Int, B: Int, rng: inout RandomSource) {
        self.cell = cell
        self.T = T
        self.B = B
        // Every parameter, h0 included, random and non-zero (h0 = 0 would hide a wrong initial-state
        // gradient behind a zero multiplier in the recurrent weight gradient).
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

@Suite("RNN stack")
struct RNNStackTests {
    @Test(arguments: [1, 2])
    func gradientsMatchFiniteDifferences(layers: Int) {
        var rng = RandomSource(seed: UInt64(layers * 31 + 7))
        let cell = RNNStack(inputSize: 3, hiddenSize: 4, layers: layers, prefix: "rnn")
        let unroll = RNNUnroll(cell: cell, T: 5, B: 2, rng: &rng)
        let dx = unroll.gradients()
        var tensors = cell.parameters.map { p in
            (name: p.name, values: p.value.base, count: p.count, analytic: p.grad.array)
        }
        tensors.append((name: "inputs", values: unroll.inputs.p, count: unroll.inputs.count, analytic: dx))
        let report = gradientCheck(tensors: tensors, epsilon: 1e-2, maxEntriesPerTensor: 100) { unroll.loss() }
        #expect(report.passes(tolerance: GradCheck.tolerance), "\(report)")
        for t in tensors { #expect(GradCheck.maxAbs(t.analytic) > 1e-3, "\(t.name) has no gradient") }
        #expect(report.entries.count == cell.parameters.count + 1)
    }

    /// The same check through the public `gradientCheck(parameters:)` entry point, with a wider batch
    /// and hidden size than the SIMD width so the blocked kernels' main paths run.
    @Test func gradientsThroughParameterCheck() {
        var rng = RandomSource(seed: 99)
        let cell = RNNStack(inputSize: 9, hiddenSize: 10, layers: 2, prefix: "rnn")
        let unroll = RNNUnroll(cell: cell, T: 3, B: 5, rng: &rng)
        let report = gradientCheck(parameters: cell.parameters, epsilon: 1e-2, maxEntriesPerTensor: 40,
                                   computeGradients: { _ = unroll.gradients() }, loss: { unroll.loss() })
        #expect(report.passes(tolerance: GradCheck.tolerance), "\(report)")
    }

    /// finishBackward adds to the gradients (accumulating over calls), never overwrites them.
    @Test func gradientsAccumulate() {
        var rng = RandomSource(seed: 5)
        let cell = RNNStack(inputSize: 2, hiddenSize: 3, layers: 2, prefix: "rnn")
        let unroll = RNNUnroll(cell: cell, T: 3, B: 2, rng: &rng)
        _ = unroll.gradients()
        let once = cell.parameters.map(\.grad.array)
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

    /// Constructed values: one layer, H = 2, X = 2, batch 2, two steps:
    /// h_1 = tanh(W_ih x_0 + b_ih + W_hh h0 + b_hh), h_2 = tanh(W_ih x_1 + b_ih + W_hh h_1 + b_hh).
    @Test func handComputedSteps() {
        let cell = RNNStack(inputSize: 2, hiddenSize: 2, layers: 1, prefix: "rnn")
        let wih: [Double] = [0.5, -1, 0.25, 2]    // [[0.5, -1], [0.25, 2]]
        let whh: [Double] = [1.5, -0.5, 0, 0.75]  // [[1.5, -0.5], [0, 0.75]]
        let bih: [Double] = [0.1, -0.2], bhh: [Double] = [0.3, 0.05]
        let h0: [Double] = [0.4, -0.6]
        cell.weightIH[0].value.copy(from: wih.map(Float.init))
        cell.weightHH[0].value.copy(from: whh.map(Float.init))
        cell.biasIH[0].value.copy(from: bih.map(Float.init))
        cell.biasHH[0].value.copy(from: bhh.map(Float.init))
        cell.h0.value.copy(from: h0.map(Float.init))
        let xs: [[Double]] = [[1, -2, 0.5, 0], [-1, 0.5, 3, 1]]  // [T][B * X]
        cell.prepare(steps: 2, batch: 2)
        func step(_ x: [Double], _ h: [Double]) -> [Double] {
            (0..<2).map { j in
                tanh(wih[2 * j] * x[0] + wih[2 * j + 1] * x[1] + bih[j] + whh[2 * j] * h[0] + whh[2 * j + 1] * h[1] + bhh[j])
            }
        }
        var expected: [[Double]] = [h0, h0]  // per sequence
        for t in 0..<2 {
            let out = cell.forward(step: t, input: xs[t].map(Float.init))
            for b in 0..<2 {
                expected[b] = step(Array(xs[t][(2 * b)..<(2 * b + 2)]), expected[b])
                for j in 0..<2 {
                    #expect(abs(Double(out[b * 2 + j]) - expected[b][j]) < 1e-6, "t \(t) b \(b) j \(j)")
                }
            }
        }
        // Spot check of the first step of sequence 0 written out: z = (0.5 + 2 + 0.1 + 0.6 + 0.3 + 0.3,
        // 0.25 - 4 - 0.2 + 0 - 0.45 + 0.05).
        #expect(abs(Double(cell.output(step: 0)[0]) - tanh(3.8)) < 1e-6)
        #expect(abs(Double(cell.output(step: 0)[1]) - tanh(-4.35)) < 1e-6)
        // `outputs` is the contiguous [T, B, H] block.
        #expect(cell.outputs[2 * 2 + 1] == cell.output(step: 1)[1])
    }

    /// A second layer reads the first layer's output at the same step.
    @Test func handComputedTwoLayers() {
        let cell = RNNStack(inputSize: 1, hiddenSize: 1, layers: 2, prefix: "rnn")
        cell.weightIH[0].value.copy(from: [2]); cell.weightHH[0].value.copy(from: [0.5])
        cell.biasIH[0].value.copy(from: [0.1]); cell.biasHH[0].value.copy(from: [-0.3])
        cell.weightIH[1].value.copy(from: [-1.5]); cell.weightHH[1].value.copy(from: [0.8])
        cell.biasIH[1].value.copy(from: [0.2]); cell.biasHH[1].value.copy(from: [0])
        cell.h0.value.copy(from: [0.3, -0.7])
        cell.prepare(steps: 1, batch: 1)
        let x: [Float] = [0.6]
        let h = cell.forward(step: 0, input: x)
        let h1 = tanh(2 * 0.6 + 0.1 + 0.5 * 0.3 - 0.3)
        let h2 = tanh(-1.5 * h1 + 0.2 + 0.8 * -0.7)
        #expect(abs(Double(h[0]) - h2) < 1e-6, "\(h[0]) vs \(h2)")
    }

    /// Parameter names and shapes follow nn.RNN, plus the learned h0; initialisation as PyTorch's.
    @Test func parameterNamesShapesAndInitialisation() {
        let cell = RNNStack(inputSize: 3, hiddenSize: 5, layers: 2, prefix: "rnn")
        #expect(cell.parameters.map(\.name) == [
            "rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0",
            "rnn.weight_ih_l1", "rnn.weight_hh_l1", "rnn.bias_ih_l1", "rnn.bias_hh_l1", "rnn.h0",
        ])
        #expect(cell.parameters.map(\.shape) == [[5, 3], [5, 5], [5], [5], [5, 5], [5, 5], [5], [5], [2, 5]])
        #expect(cell.outputSize == 5 && cell.inputSize == 3)
        cell.h0.value.copy(from: [Float](repeating: 1, count: 10))
        var rng = RandomSource(seed: 1)
        cell.initialize(rng: &rng)
        let bound = 1 / Float(5).squareRoot()
        for p in cell.weights.parameters {
            #expect(p.value.array.allSatisfy { abs($0) <= bound }, "\(p.name)")
            #expect(GradCheck.maxAbs(p.value.array) > 0, "\(p.name)")
        }
        #expect(cell.h0.value.array.allSatisfy { $0 == 0 })
    }
}
