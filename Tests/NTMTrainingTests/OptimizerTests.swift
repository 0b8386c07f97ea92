// One optimiser step against the update written out by hand, and clipping.
import Foundation
import Testing
import NTMKit

@Suite("Optimisers")
struct OptimizerTests {
    func parameter(_ values: [Float], grad: [Float]) -> Parameter {
        let p = Parameter(name: "p", shape: [values.count])
        p.value.copy(from: values)
        p.grad.copy(from: grad)
        return p
    }

    @Test func rmspropTwoStepsMatchTheFormula() {
        let p = parameter([1, -2, 0.5], grad: [0.1, -0.3, 2])
        let opt = RMSProp(learningRate: 0.01, decay: 0.95, momentum: 0.9, epsilon: 1e-8)
        let state = OptimizerState(optimizer: opt, parameters: [p])
        var theta: [Double] = [1, -2, 0.5], n = [0.0, 0, 0], delta = [0.0, 0, 0]
        let grads: [[Double]] = [[0.1, -0.3, 2], [-0.2, 0.1, 1]]
        for g in grads {
            p.grad.copy(from: g.map { Float($0) })
            state.apply()
            for i in 0..<3 {
                n[i] = 0.95 * n[i] + 0.05 * g[i] * g[i]
                delta[i] = 0.9 * delta[i] + g[i] / (n[i].squareRoot() + 1e-8)
                theta[i] -= 0.01 * delta[i]
            }
        }
        for i in 0..<3 { #expect(abs(Double(p.value[i]) - theta[i]) < 1e-5) }
    }

    /// The update in blocks on several threads gives the same bits as one pass, whatever the block
    /// bounds fall on (parameters of odd sizes, a block boundary inside a parameter).
    @Test(arguments: ["rmsprop", "rmsprop-centered", "adam"])
    func parallelUpdateKeepsTheBits(name: String) {
        func run(threads: Int) -> [[Float]] {
            var rng = RandomSource(seed: 5)
            let params = [200_011, 7, 400_000, 13_333].enumerated().map { i, n in
                let p = Parameter(name: "p\(i)", shape: [n])
                for j in 0..<n { p.value[j] = rng.uniform(-1, 1) }
                return p
            }
            let opt: any Optimizer = switch name {
            case "adam": Adam()
            case "rmsprop-centered": RMSProp(centered: true)
            default: RMSProp()
            }
            let state = OptimizerState(optimizer: opt, parameters: params)
            for _ in 0..<3 {
                for p in params { for j in 0..<p.count { p.grad[j] = rng.uniform(-2, 2) } }
                state.apply(parallelism: Parallelism(threads: threads))
            }
            return params.map(\.value.array) + state.buffers.map(\.array)
        }
        let serial = run(threads: 1)
        #expect(run(threads: 2) == serial)
        #expect(run(threads: 5) == serial)
    }

    /// The eight-lane loops give the bits of the scalar update written out in Float, in the same
    /// order, for every parameter: 37 parameters cover four vectors and a remainder of five.
    @Test(arguments: ["rmsprop", "adam"])
    func vectorisedUpdateIsTheScalarFormulaBitForBit(name: String) {
        var rng = RandomSource(seed: 9)
        let count = 37
        let p = Parameter(name: "p", shape: [count])
        for j in 0..<count { p.value[j] = rng.uniform(-1, 1) }
        var theta = p.value.array, s1 = [Float](repeating: 0, count: count), s2 = s1
        let (lr, a, b, eps): (Float, Float, Float, Float) = name == "adam" ? (1e-3, 0.9, 0.999, 1e-8) : (1e-4, 0.95, 0.9, 1e-8)
        let opt: any Optimizer = name == "adam"
            ? Adam(learningRate: lr, beta1: a, beta2: b, epsilon: eps)
            : RMSProp(learningRate: lr, decay: a, momentum: b, epsilon: eps)
        let state = OptimizerState(optimizer: opt, parameters: [p])
        for step in 1...3 {
            let g = (0..<count).map { _ in rng.uniform(-2, 2) }
            p.grad.copy(from: g)
            state.apply()
            for i in 0..<count {
                if name == "adam" {
                    let c1 = 1 - Float(Foundation.pow(Double(a), Double(step)))
                    let c2 = 1 - Float(Foundation.pow(Double(b), Double(step)))
                    s1[i] = a * s1[i] + (1 - a) * g[i]
                    s2[i] = b * s2[i] + (1 - b) * g[i] * g[i]
                    theta[i] -= (lr / c1) * s1[i] / (s2[i].squareRoot() * (1 / c2.squareRoot()) + eps)
                } else {
                    s1[i] = a * s1[i] + (1 - a) * g[i] * g[i]
                    s2[i] = b * s2[i] + g[i] / (s1[i].squareRoot() + eps)
                    theta[i] -= lr * s2[i]
                }
            }
        }
        #expect(p.value.array.map(\.bitPattern) == theta.map(\.bitPattern))
    }

    @Test func blockBoundsCoverTheRangeOnceOnAlignedBounds() {
        for (count, blocks, alignment) in [(100, 2, 8), (73_344, 2, 8), (400, 3, 4), (9, 4, 4), (16_384, 7, 8)] {
            let b = Parallelism.blockBounds(count: count, blocks: blocks, alignment: alignment)
            #expect(b.count == blocks + 1 && b.first == 0 && b.last == count)
            #expect(zip(b, b.dropFirst()).allSatisfy { $0 <= $1 })
            #expect(b.dropFirst().dropLast().allSatisfy { $0 % alignment == 0 })
        }
        // Every index is visited exactly once.
        let visits = UnsafeMutablePointer<Int>.allocate(capacity: 50_000)
        defer { visits.deallocate() }
        visits.initialize(repeating: 0, count: 50_000)
        Parallelism(threads: 3).forEachBlock(of: 50_000, minimumBlock: 1000) { r in for i in r { visits[i] += 1 } }
        #expect((0..<50_000).allSatisfy { visits[$0] == 1 })
    }

    @Test func centeredRMSPropSubtractsTheMean() {
        let p = parameter([0], grad: [1])
        let state = OptimizerState(optimizer: RMSProp(learningRate: 0.1, decay: 0.5, momentum: 0, epsilon: 0, centered: true),
                                   parameters: [p])
        state.apply()
        // n = 0.5, ḡ = 0.5, √(n - ḡ²) = 0.5: the step is lr * 1 / 0.5.
        #expect(abs(p.value[0] + 0.2) < 1e-6)
    }

    @Test func adamTwoStepsMatchTheFormula() {
        let p = parameter([0.3, -1], grad: [0, 0])
        let state = OptimizerState(optimizer: Adam(learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8), parameters: [p])
        var theta: [Double] = [0.3, -1], m = [0.0, 0], v = [0.0, 0]
        for (t, g) in [[0.5, -1.0], [0.2, 0.4]].enumerated() {
            p.grad.copy(from: g.map { Float($0) })
            state.apply()
            for i in 0..<2 {
                m[i] = 0.9 * m[i] + 0.1 * g[i]
                v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i]
                let mh = m[i] / (1 - pow(0.9, Double(t + 1))), vh = v[i] / (1 - pow(0.999, Double(t + 1)))
                theta[i] -= 0.1 * mh / (vh.squareRoot() + 1e-8)
            }
        }
        for i in 0..<2 { #expect(abs(Double(p.value[i]) - theta[i]) < 1e-5) }
    }

    @Test func untrainableParametersAreNeverUpdated() {
        let p = Parameter(name: "memory.m0", shape: [2], trainable: false)
        p.value.copy(from: [1, 2])
        p.grad.copy(from: [5, 5])
        OptimizerState(optimizer: Adam(), parameters: [p]).apply()
        #expect(p.value.array == [1, 2])
    }

    @Test func clippingByGlobalNorm() {
        let a = parameter([0, 0], grad: [3, 0]), b = parameter([0], grad: [4])
        let norm = GradientClipping.clipByGlobalNorm([a, b], maxNorm: 1)
        #expect(abs(norm - 5) < 1e-6)
        #expect(abs(GradientClipping.globalNorm([a, b]) - 1) < 1e-6)
        #expect(abs(a.grad[0] - 0.6) < 1e-6 && abs(b.grad[0] - 0.8) < 1e-6)
        // Below the limit nothing changes.
        GradientClipping.clipByGlobalNorm([a, b], maxNorm: 10)
        #expect(abs(a.grad[0] - 0.6) < 1e-6)
    }

    @Test func clippingByValue() {
        let a = parameter([0, 0, 0], grad: [-20, 3, 20])
        GradientClipping.clipByValue([a], limit: 10)
        #expect(a.grad.array == [-10, 3, 10])
    }
}
