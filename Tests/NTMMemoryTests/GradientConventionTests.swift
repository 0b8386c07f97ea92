// Every public backward of NTMMemory adds into its gradients and leaves its output gradient and
// inputs alone (NTMCore's GradientConvention), checked on pre-filled buffers.
import NTMCore
import NTMMemory
import Testing
import _NTMTestSupport

/// One backward with its buffers: what it adds into, what it must only read, and how to run it.
private struct Setup {
    var gradients: [CheckedBuffer]
    var readOnly: [CheckedBuffer]
    var backward: () -> Void
    /// Keeps the buffers alive as long as the closure.
    var buffers: [TestBuffer] = []
}

enum MemoryBackward: String, CaseIterable, Sendable, CustomStringConvertible {
    case cosineSimilarity, softmax, interpolation, circularShiftRange1, circularShiftRange2, sharpening
    case weightedRead, eraseAddWrite, headActivation, ntmMemoryAccess
    var description: String { rawValue }
}

private func random(_ n: Int, _ rng: inout RandomSource, _ low: Float = -1, _ high: Float = 1) -> TestBuffer {
    TestBuffer(TestData.uniform(n, low, high, rng: &rng))
}

private func weighting(_ n: Int, _ rng: inout RandomSource) -> TestBuffer {
    let v = TestData.uniform(n, 0.05, 1, rng: &rng)
    let s = v.reduce(0, +)
    return TestBuffer(v.map { $0 / s })
}

private func setup(_ op: MemoryBackward) -> Setup {
    let N = 7, M = 5
    var rng = RandomSource(seed: 2024)
    switch op {
    case .cosineSimilarity:
        let key = random(M, &rng), memory = random(N * M, &rng), dK = random(N, &rng)
        let K = TestBuffer(zeros: N), norms = TestBuffer(zeros: N)
        let keyNorm = CosineSimilarity.forward(similarity: K.p, rowNorms: norms.p, key: key.p, memory: memory.p,
                                               rows: N, width: M)
        let dk = TestBuffer(zeros: M), dMem = TestBuffer(zeros: N * M)
        return Setup(
            gradients: [.init("key", dk), .init("memory", dMem)],
            readOnly: [.init("dK", dK), .init("K", K), .init("rowNorms", norms), .init("k", key), .init("Mem", memory)],
            backward: {
                CosineSimilarity.backward(similarityGradient: dK.p, similarity: K.p, rowNorms: norms.p, keyNorm: keyNorm,
                                          key: key.p, memory: memory.p, rows: N, width: M, keyGradient: dk.p,
                                          memoryGradient: dMem.p)
            }, buffers: [key, memory, dK, K, norms, dk, dMem])
    case .softmax:
        let x = random(N, &rng), dw = random(N, &rng), w = TestBuffer(zeros: N)
        Softmax.forward(output: w.p, input: x.p, count: N, beta: 2.5)
        let dx = TestBuffer(zeros: N), dBeta = TestBuffer(zeros: 1)
        return Setup(
            gradients: [.init("x", dx), .init("beta", dBeta)],
            readOnly: [.init("dw", dw), .init("w", w), .init("x", x)],
            backward: {
                Softmax.backward(outputGradient: dw.p, output: w.p, input: x.p, count: N, beta: 2.5, inputGradient: dx.p,
                                 betaGradient: dBeta.p)
            }, buffers: [x, dw, w, dx, dBeta])
    case .interpolation:
        let wc = weighting(N, &rng), wPrev = weighting(N, &rng), dwg = random(N, &rng)
        let dwc = TestBuffer(zeros: N), dwPrev = TestBuffer(zeros: N), dg = TestBuffer(zeros: 1)
        return Setup(
            gradients: [.init("content", dwc), .init("previous", dwPrev), .init("gate", dg)],
            readOnly: [.init("dwg", dwg), .init("wc", wc), .init("wPrev", wPrev)],
            backward: {
                Interpolation.backward(outputGradient: dwg.p, content: wc.p, previous: wPrev.p, gate: 0.3, count: N,
                                       contentGradient: dwc.p, previousGradient: dwPrev.p, gateGradient: dg.p)
            }, buffers: [wc, wPrev, dwg, dwc, dwPrev, dg])
    case .circularShiftRange1, .circularShiftRange2:
        let S = op == .circularShiftRange1 ? 1 : 2
        let wg = weighting(N, &rng), s = weighting(2 * S + 1, &rng), dws = random(N, &rng)
        let dwg = TestBuffer(zeros: N), ds = TestBuffer(zeros: 2 * S + 1)
        return Setup(
            gradients: [.init("input", dwg), .init("shifts", ds)],
            readOnly: [.init("dws", dws), .init("wg", wg), .init("s", s)],
            backward: {
                CircularShift.backward(outputGradient: dws.p, input: wg.p, shifts: s.p, shiftRange: S, count: N,
                                       inputGradient: dwg.p, shiftGradient: ds.p)
            }, buffers: [wg, s, dws, dwg, ds])
    case .sharpening:
        let ws = weighting(N, &rng), dw = random(N, &rng), w = TestBuffer(zeros: N), logs = TestBuffer(zeros: N)
        Sharpening.forward(output: w.p, input: ws.p, gamma: 1.7, count: N, logs: logs.p)
        let dws = TestBuffer(zeros: N), dGamma = TestBuffer(zeros: 1)
        return Setup(
            gradients: [.init("input", dws), .init("gamma", dGamma)],
            readOnly: [.init("dw", dw), .init("w", w), .init("ws", ws), .init("logs", logs)],
            backward: {
                Sharpening.backward(outputGradient: dw.p, output: w.p, input: ws.p, gamma: 1.7, count: N,
                                    inputGradient: dws.p, gammaGradient: dGamma.p, logs: logs.p)
            }, buffers: [ws, dw, w, logs, dws, dGamma])
    case .weightedRead:
        let w = weighting(N, &rng), memory = random(N * M, &rng), dr = random(M, &rng)
        let dw = TestBuffer(zeros: N), dMem = TestBuffer(zeros: N * M)
        return Setup(
            gradients: [.init("weighting", dw), .init("memory", dMem)],
            readOnly: [.init("dr", dr), .init("w", w), .init("Mem", memory)],
            backward: {
                WeightedRead.backward(outputGradient: dr.p, weighting: w.p, memory: memory.p, rows: N, width: M,
                                      weightingGradient: dw.p, memoryGradient: dMem.p)
            }, buffers: [w, memory, dr, dw, dMem])
    case .eraseAddWrite:
        // M = 13 runs the eight-wide, four-wide and scalar parts of the kernel.
        let M = 13
        let memory = random(N * M, &rng), w = weighting(N, &rng), e = random(M, &rng, 0.05, 0.95), a = random(M, &rng)
        let dOut = random(N * M, &rng)
        let dMem = TestBuffer(zeros: N * M), dw = TestBuffer(zeros: N), de = TestBuffer(zeros: M), da = TestBuffer(zeros: M)
        return Setup(
            gradients: [.init("memory", dMem), .init("weighting", dw), .init("erase", de), .init("add", da)],
            readOnly: [.init("dMem'", dOut), .init("Mem", memory), .init("w", w), .init("e", e), .init("a", a)],
            backward: {
                EraseAddWrite.backward(outputGradient: dOut.p, memory: memory.p, weighting: w.p, erase: e.p, add: a.p,
                                       rows: N, width: M, memoryGradient: dMem.p, weightingGradient: dw.p,
                                       eraseGradient: de.p, addGradient: da.p)
            }, buffers: [memory, w, e, a, dOut, dMem, dw, de, da])
    case .headActivation:
        let layout = HeadLayout(memoryWidth: M, shiftRange: 1, isWrite: true)
        let activation = HeadActivation(layout: layout, clipValue: 20)
        let raw = random(layout.size, &rng, -2, 2), act = TestBuffer(zeros: layout.size), d = random(layout.size, &rng)
        activation.forward(raw: raw.p, output: act.p)
        let dRaw = TestBuffer(zeros: layout.size)
        return Setup(
            gradients: [.init("raw", dRaw)],
            readOnly: [.init("dp", d), .init("raw p", raw), .init("p", act)],
            backward: { activation.backward(outputGradient: d.p, raw: raw.p, output: act.p, inputGradient: dRaw.p) },
            buffers: [raw, act, d, dRaw])
    case .ntmMemoryAccess:
        let T = 3, B = 2
        let access = NTMMemoryAccess(config: NTMMemoryConfig(
            controllerSize: 4, memoryRows: 6, memoryWidth: 3, readHeads: 2, writeHeads: 2, shiftRange: 1,
            memoryInit: .learned))
        access.initialize(rng: &rng)
        let h = random(T * B * 4, &rng, -0.9, 0.9)
        let dr = random((T + 1) * B * access.readSize, &rng)
        access.prepare(steps: T, batch: B)
        _ = access.initialReads()
        for t in 0..<T { _ = access.forward(step: t, controllerOutput: h.p + t * B * 4) }
        let dh = TestBuffer(zeros: T * B * 4)
        let R = B * access.readSize
        return Setup(
            gradients: [.init("controller outputs", dh)] + access.parameters.filter(\.trainable).map { .init(gradientOf: $0) },
            readOnly: [.init("read gradients", dr), .init("controller outputs", h)]
                + access.parameters.map { .init(valueOf: $0) },
            backward: {
                access.beginBackward()
                for t in stride(from: T - 1, through: 0, by: -1) {
                    access.backward(step: t, readGradient: dr.p + (t + 1) * R, controllerOutputGradient: dh.p + t * B * 4)
                }
                access.finishBackward(controllerOutputs: h.p, initialReadGradient: dr.p)
            }, buffers: [h, dr, dh])
    }
}

@Suite("Gradient convention: NTMMemory")
struct MemoryGradientConventionTests {
    /// Pre-filled gradients come back as prefill + gradient; output gradients and inputs are unchanged.
    @Test(arguments: MemoryBackward.allCases)
    func addsIntoGradients(_ op: MemoryBackward) {
        let s = setup(op)
        let violations = GradientConventionCheck.violations(gradients: s.gradients, readOnly: s.readOnly, backward: s.backward)
        #expect(violations.isEmpty, "\(violations.joined(separator: "\n"))")
        withExtendedLifetime(s.buffers) {}
    }
}
