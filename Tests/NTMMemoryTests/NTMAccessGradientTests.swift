// NTMMemoryAccess on its own, driven by made-up controller outputs over a 3-step unroll: gradients
// of every trainable parameter (heads, ρ, ω, μ) and of the controller outputs against finite
// differences, for each memory initialisation, with two write heads so the between-writes path runs.
import NTMCore
import NTMLayers
import NTMMemory
import Testing
import _NTMTestSupport

private let tolerance = GradCheck.tolerance

/// Loss L = Σ r_0 ∘ proj_0 + Σ_t Σ r_t ∘ proj_{t+1} over an unroll of `T` steps.
private final class AccessUnroll {
    let access: NTMMemoryAccess
    let T: Int, B: Int
    /// Controller outputs of every step, `[T, B, H]` contiguous.
    let h: TestBuffer
    /// proj[0] weighs r_0 (the initial reads), proj[t + 1] weighs r_t.
    let proj: [[Float]]

    init(memoryInit: MemoryInit, T: Int = 3, B: Int = 2, seed: UInt64) {
        let config = NTMMemoryConfig(controllerSize: 4, memoryRows: 6, memoryWidth: 3, readHeads: 2, writeHeads: 2,
                                     shiftRange: 1, memoryInit: memoryInit)
        access = NTMMemoryAccess(config: config)
        var rng = RandomSource(seed: seed)
        access.initialize(rng: &rng)
        // Non-zero biases and larger ρ, ω than the defaults, so every path carries a sizeable gradient.
        for head in access.heads {
            for i in 0..<head.bias.count { head.bias.value.base[i] = rng.uniform(-0.5, 0.5) }
        }
        for p in access.readInit + access.weightingInit {
            for i in 0..<p.count { p.value.base[i] = rng.uniform(-1, 1) }
        }
        self.T = T
        self.B = B
        // Controller outputs look like an LSTM's: in (-1, 1).
        h = TestBuffer(TestData.uniform(T * B * 4, -0.9, 0.9, rng: &rng))
        proj = (0...T).map { _ in TestData.uniform(B * config.readHeads * config.memoryWidth, rng: &rng) }
    }

    var H: Int { access.controllerSize }
    var trainable: [Parameter] { access.parameters.filter(\.trainable) }

    func loss() -> Double {
        access.prepare(steps: T, batch: B)
        var total = TestData.projection(access.initialReads(), proj[0])
        for t in 0..<T {
            let r = access.forward(step: t, controllerOutput: h.p + t * B * H)
            total += TestData.projection(r, proj[t + 1])
        }
        return total
    }

    /// Forward and backward; returns dL/dh (`[T, B, H]`) and leaves parameter gradients in `grad`.
    func gradients() -> [Float] {
        access.parameters.zeroGradients()
        _ = loss()
        let dh = TestBuffer(zeros: T * B * H)
        access.beginBackward()
        for t in stride(from: T - 1, through: 0, by: -1) {
            access.backward(step: t, readGradient: proj[t + 1], controllerOutputGradient: dh.p + t * B * H)
        }
        access.finishBackward(controllerOutputs: h.p, initialReadGradient: proj[0])
        return dh.array
    }
}

@Suite("NTM memory access gradients")
struct NTMAccessGradientTests {
    /// `learned` and `random` memories have rows of size ~0.5, where the cosine similarity is well
    /// conditioned: the tight check applies to every parameter and to the controller outputs.
    @Test(arguments: [MemoryInit.learned, .random])
    func gradients(memoryInit: MemoryInit) {
        let unroll = AccessUnroll(memoryInit: memoryInit, seed: memoryInit == .learned ? 11 : 12)
        let dh = unroll.gradients()
        var tensors = unroll.trainable.map { p in
            (name: p.name, values: p.value.base, count: p.count, analytic: p.grad.array)
        }
        tensors.append((name: "controllerOutputs", values: unroll.h.p, count: unroll.h.count, analytic: dh))
        let report = gradientCheck(tensors: tensors, epsilon: 1e-2, maxEntriesPerTensor: 30) { unroll.loss() }
        #expect(report.passes(tolerance: tolerance), "\(report)")
        // Every checked tensor gets a real gradient (a path that silently drops out would show as 0).
        for t in tensors { #expect(GradCheck.maxAbs(t.analytic) > 1e-4, "\(t.name) has no gradient") }
        // m0 is trained only when learned; an untrained memory must not collect a gradient.
        let m0 = unroll.access.memoryInit
        #expect(m0.trainable == (memoryInit == .learned))
        if memoryInit != .learned { #expect(m0.grad.array.allSatisfy { $0 == 0 }) }
    }

    /// The public `gradientCheck(parameters:)` entry point on the same unroll (parameters only).
    @Test func parameterCheckEntryPoint() {
        let unroll = AccessUnroll(memoryInit: .learned, seed: 21)
        let report = gradientCheck(parameters: unroll.trainable, epsilon: 1e-2, maxEntriesPerTensor: 20,
                                   computeGradients: { _ = unroll.gradients() }, loss: { unroll.loss() })
        #expect(report.passes(tolerance: tolerance), "\(report)")
        #expect(report.entries.map(\.name).contains("memory.m0"))
    }

    /// `constant` memory: every entry starts at 1e-6, so the rows the heads address are tiny and
    /// nearly alike, and the cosine similarities (D = ‖k‖‖Mem[n]‖ + 1e-8, with the 1e-8 no longer
    /// negligible next to ‖Mem[n]‖ ~ 2e-6) turn the Float32 rounding of the forward pass into noise in
    /// the loss that is large next to the read heads' gradients — the ill-conditioning models.md
    /// mentions. The noise shows as a check error that *grows* as ε shrinks (measured for this seed:
    /// 1.5e-3 at ε = 1e-2, 5.6e-3 at 3e-3, 1.6e-2 at 1e-3, all on the read heads), the signature of
    /// rounding rather than of a wrong gradient; so this case keeps the larger step ε = 1e-2, which
    /// divides the noise by the largest h, with the usual 1e-2 tolerance. m0 is not trained here and
    /// is not checked; it must collect no gradient.
    @Test func gradientsWithConstantMemory() {
        let unroll = AccessUnroll(memoryInit: .constant, seed: 13)
        let dh = unroll.gradients()
        #expect(unroll.access.memoryInit.grad.array.allSatisfy { $0 == 0 })
        #expect(!unroll.access.memoryInit.trainable)
        var tensors = unroll.trainable.map { p in
            (name: p.name, values: p.value.base, count: p.count, analytic: p.grad.array)
        }
        tensors.append((name: "controllerOutputs", values: unroll.h.p, count: unroll.h.count, analytic: dh))
        for t in tensors { #expect(GradCheck.allFinite(t.analytic), "\(t.name) not finite") }
        let report = gradientCheck(tensors: tensors, epsilon: 1e-2, maxEntriesPerTensor: 30) { unroll.loss() }
        #expect(report.passes(tolerance: tolerance), "\(report)")
    }

    /// The controller-output gradient is added into the caller's buffer (not overwritten).
    @Test func controllerGradientAccumulates() {
        let unroll = AccessUnroll(memoryInit: .random, seed: 14)
        let dh = unroll.gradients()
        _ = unroll.loss()
        let T = unroll.T, B = unroll.B, H = unroll.H
        let start = [Float](repeating: 0.25, count: T * B * H)
        let acc = TestBuffer(start)
        unroll.access.beginBackward()
        for t in stride(from: T - 1, through: 0, by: -1) {
            unroll.access.backward(step: t, readGradient: unroll.proj[t + 1], controllerOutputGradient: acc.p + t * B * H)
        }
        for i in 0..<(T * B * H) { #expect(abs(acc.p[i] - (0.25 + dh[i])) <= 1e-5) }
    }

    /// Constructed values: a constant memory read through any weighting gives 1e-6 everywhere at
    /// step 0; r_0 = tanh(ρ); every recorded weighting is a distribution over the rows.
    @Test func readsAndWeightingsValues() throws {
        let unroll = AccessUnroll(memoryInit: .constant, seed: 15)
        _ = unroll.loss()
        let access = unroll.access, B = unroll.B, T = unroll.T, M = access.config.memoryWidth
        unroll.access.prepare(steps: T, batch: B)
        let r0 = access.initialReads()
        for b in 0..<B {
            for i in 0..<access.config.readHeads {
                for m in 0..<M {
                    let expected = KitMath.tanh(access.readInit[i].value.base[m])
                    #expect(r0[b * access.readSize + i * M + m] == expected)
                }
            }
        }
        let r1 = access.forward(step: 0, controllerOutput: unroll.h.p)
        for i in 0..<(B * access.readSize) { #expect(abs(r1[i] - 1e-6) < 1e-11, "\(r1[i])") }
        for t in 1..<T { _ = access.forward(step: t, controllerOutput: unroll.h.p + t * B * unroll.H) }
        let recorded = access.recordedWeightings()
        #expect(recorded.map(\.name) == ["read_weights.0", "read_weights.1", "write_weights.0", "write_weights.1"])
        for (name, tensor) in recorded {
            #expect(tensor.shape == [T, B, access.config.memoryRows], "\(name)")
            let N = access.config.memoryRows
            for row in 0..<(T * B) {
                let s = tensor.values[(row * N)..<((row + 1) * N)].reduce(0, +)
                #expect(abs(s - 1) < 1e-5, "\(name) row \(row) sums to \(s)")
                #expect(tensor.values[(row * N)..<((row + 1) * N)].allSatisfy { $0 >= 0 })
            }
        }
    }

    /// Parameter names and shapes of the memory (models.md checkpoint table), in checkpoint order.
    @Test func parameterNamesAndShapes() {
        let access = NTMMemoryAccess(config: NTMMemoryConfig(
            controllerSize: 4, memoryRows: 6, memoryWidth: 3, readHeads: 2, writeHeads: 2, shiftRange: 1))
        let P = 3 + 2 + 4, PW = 3 * 3 + 2 + 4
        let expected: [(String, [Int])] = [
            ("read_heads.0.weight", [P, 4]), ("read_heads.0.bias", [P]), ("read_heads.0.r0", [3]), ("read_heads.0.w0", [6]),
            ("read_heads.1.weight", [P, 4]), ("read_heads.1.bias", [P]), ("read_heads.1.r0", [3]), ("read_heads.1.w0", [6]),
            ("write_heads.0.weight", [PW, 4]), ("write_heads.0.bias", [PW]), ("write_heads.0.w0", [6]),
            ("write_heads.1.weight", [PW, 4]), ("write_heads.1.bias", [PW]), ("write_heads.1.w0", [6]),
            ("memory.m0", [6, 3]),
        ]
        #expect(access.parameters.map(\.name) == expected.map(\.0))
        #expect(access.parameters.map(\.shape) == expected.map(\.1))
        // Constant memory starts at 1e-6 and is not trainable.
        #expect(access.memoryInit.value.array.allSatisfy { $0 == MemoryInit.constantValue })
        #expect(!access.memoryInit.trainable)
    }
}

