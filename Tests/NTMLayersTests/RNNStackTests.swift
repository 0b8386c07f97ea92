// The Elman RNN stack: names and shapes, and hand-computed steps. Its finite-difference gradient
// checks run with the other stacks' in LayerGradientTests.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NTMCore
import NTMLayers
import Testing
import _NTMTestSupport

@Suite("RNN stack")
struct RNNStackTests {
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
