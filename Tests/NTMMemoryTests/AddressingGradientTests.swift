// Finite-difference checks of every addressing op's backward against its own forward, with respect
// to every input. Each op gets the scalar loss L = Σ_i out_i proj_i for a random proj, so that the
// analytic gradients are what backward returns for outputGradient = proj.
import NTMCore
import NTMMemory
import Testing
import _NTMTestSupport

private let tolerance = GradCheck.tolerance

/// A checked tensor: its buffer (perturbed in place by the checker) and its analytic gradient.
private func entry(_ name: String, _ b: TestBuffer, _ analytic: [Float])
    -> (name: String, values: UnsafeMutablePointer<Float>, count: Int, analytic: [Float])
{
    (name: name, values: b.p, count: b.count, analytic: analytic)
}

/// Positive values that do not sum to anything in particular (sharpening and read inputs).
private func positive(_ n: Int, rng: inout RandomSource) -> [Float] { TestData.uniform(n, 0.05, 1, rng: &rng) }

/// A normalized weighting (positive, sums to 1).
private func weighting(_ n: Int, rng: inout RandomSource) -> [Float] {
    let v = positive(n, rng: &rng)
    let s = v.reduce(0, +)
    return v.map { $0 / s }
}

@Suite("Addressing gradients")
struct AddressingGradientTests {
    // MARK: Cosine similarity

    /// Analytic gradients of Σ K_n proj_n with respect to the key and the memory.
    private func cosineGradients(key: TestBuffer, memory: TestBuffer, proj: [Float], N: Int, M: Int)
        -> (dk: [Float], dMem: [Float])
    {
        let K = TestBuffer(zeros: N), norms = TestBuffer(zeros: N)
        let keyNorm = CosineSimilarity.forward(
            similarity: K.p, rowNorms: norms.p, key: key.p, memory: memory.p, rows: N, width: M)
        let dK = TestBuffer(proj), dk = TestBuffer(zeros: M), dMem = TestBuffer(zeros: N * M)
        CosineSimilarity.backward(
            similarityGradient: dK.p, similarity: K.p, rowNorms: norms.p, keyNorm: keyNorm, key: key.p,
            memory: memory.p, rows: N, width: M, keyGradient: dk.p, memoryGradient: dMem.p)
        return (dk.array, dMem.array)
    }

    private func cosineLoss(key: TestBuffer, memory: TestBuffer, proj: [Float], N: Int, M: Int) -> Double {
        let K = TestBuffer(zeros: N), norms = TestBuffer(zeros: N)
        CosineSimilarity.forward(similarity: K.p, rowNorms: norms.p, key: key.p, memory: memory.p, rows: N, width: M)
        return TestData.projection(K.p, proj)
    }

    @Test(arguments: [(6, 3), (8, 5), (1, 1), (3, 2)])
    func cosineSimilarity(N: Int, M: Int) {
        var rng = RandomSource(seed: UInt64(10 * N + M))
        let key = TestBuffer(TestData.uniform(M, rng: &rng))
        let memory = TestBuffer(TestData.uniform(N * M, rng: &rng))
        let proj = TestData.uniform(N, rng: &rng)
        let (dk, dMem) = cosineGradients(key: key, memory: memory, proj: proj, N: N, M: M)
        let report = gradientCheck(tensors: [entry("key", key, dk), entry("memory", memory, dMem)], epsilon: 1e-3) {
            cosineLoss(key: key, memory: memory, proj: proj, N: N, M: M)
        }
        #expect(report.passes(tolerance: tolerance), "\(report)")
        // With M = 1 the cosine is the constant ±1 and every gradient is (almost) zero.
        if M > 1 { #expect(GradCheck.maxAbs(dk) > 0.01 && GradCheck.maxAbs(dMem) > 0.01) }
    }

    /// A zero key: K ≡ 0 whatever the memory, so dL/dMem must be (and is checked to be) zero; the
    /// key gradient at the exact zero is only required to be finite (the cosine has no direction there).
    @Test func cosineSimilarityZeroKey() {
        let N = 5, M = 3
        var rng = RandomSource(seed: 77)
        let key = TestBuffer(zeros: M)
        let memory = TestBuffer(TestData.uniform(N * M, rng: &rng))
        let proj = TestData.uniform(N, rng: &rng)
        let (dk, dMem) = cosineGradients(key: key, memory: memory, proj: proj, N: N, M: M)
        #expect(GradCheck.allFinite(dk), "\(dk)")
        #expect(GradCheck.allFinite(dMem))
        #expect(dMem.allSatisfy { $0 == 0 }, "\(dMem)")
        let report = gradientCheck(tensors: [entry("memory", memory, dMem)], epsilon: 1e-3) {
            cosineLoss(key: key, memory: memory, proj: proj, N: N, M: M)
        }
        #expect(report.passes(tolerance: tolerance), "\(report)")
    }

    /// A zero memory row: K_n ≡ 0 in the key, so the key gradient and the other rows' gradients are
    /// checked; the zero row's own gradient is only required to be finite.
    @Test func cosineSimilarityZeroMemoryRow() {
        let N = 5, M = 3, zeroRow = 2
        var rng = RandomSource(seed: 78)
        let key = TestBuffer(TestData.uniform(M, rng: &rng))
        var mem = TestData.uniform(N * M, rng: &rng)
        for m in 0..<M { mem[zeroRow * M + m] = 0 }
        let memory = TestBuffer(mem)
        let proj = TestData.uniform(N, rng: &rng)
        let (dk, dMem) = cosineGradients(key: key, memory: memory, proj: proj, N: N, M: M)
        #expect(GradCheck.allFinite(dk) && GradCheck.allFinite(dMem))
        let K = TestBuffer(zeros: N), norms = TestBuffer(zeros: N)
        CosineSimilarity.forward(similarity: K.p, rowNorms: norms.p, key: key.p, memory: memory.p, rows: N, width: M)
        #expect(K.p[zeroRow] == 0)
        #expect(norms.p[zeroRow] == 0)
        let otherRows = (0..<(N * M)).filter { $0 / M != zeroRow }
        let loss = { self.cosineLoss(key: key, memory: memory, proj: proj, N: N, M: M) }
        let keyReport = gradientCheck(tensors: [entry("key", key, dk)], epsilon: 1e-3, loss: loss)
        #expect(keyReport.passes(tolerance: tolerance), "\(keyReport)")
        let rowReport = GradCheck.subset(name: "memory", values: memory.p, analytic: dMem, indices: otherRows, loss: loss)
        #expect(rowReport.passes(tolerance: tolerance), "\(rowReport)")
    }

    // MARK: Softmax

    @Test(arguments: [(1 as Float, 5), (3.7, 6), (0.4, 1), (12, 4)])
    func softmax(beta: Float, n: Int) {
        var rng = RandomSource(seed: UInt64(n) &* 31 &+ UInt64(beta * 10))
        let x = TestBuffer(TestData.uniform(n, rng: &rng))
        let b = TestBuffer([beta])
        let proj = TestData.uniform(n, rng: &rng)
        let w = TestBuffer(zeros: n), dx = TestBuffer(zeros: n)
        Softmax.forward(output: w.p, input: x.p, count: n, beta: beta)
        let dBeta = TestBuffer(zeros: 1)
        Softmax.backward(outputGradient: proj, output: w.p, input: x.p, count: n, beta: beta, inputGradient: dx.p,
                         betaGradient: dBeta.p)
        let report = gradientCheck(tensors: [entry("x", x, dx.array), entry("beta", b, dBeta.array)], epsilon: 1e-3) {
            let out = TestBuffer(zeros: n)
            Softmax.forward(output: out.p, input: x.p, count: n, beta: b.p[0])
            return TestData.projection(out.p, proj)
        }
        #expect(report.passes(tolerance: tolerance), "\(report)")
        if n > 1 { #expect(GradCheck.maxAbs(dx.array) > 1e-3) }
    }

    /// Backward adds into dx rather than overwriting it.
    @Test func softmaxBackwardAccumulates() {
        var rng = RandomSource(seed: 5)
        let n = 4
        let x = TestBuffer(TestData.uniform(n, rng: &rng)), proj = TestData.uniform(n, rng: &rng)
        let w = TestBuffer(zeros: n)
        Softmax.forward(output: w.p, input: x.p, count: n, beta: 2)
        let once = TestBuffer(zeros: n), twice = TestBuffer(zeros: n)
        Softmax.backward(outputGradient: proj, output: w.p, input: x.p, count: n, beta: 2, inputGradient: once.p)
        Softmax.backward(outputGradient: proj, output: w.p, input: x.p, count: n, beta: 2, inputGradient: twice.p)
        Softmax.backward(outputGradient: proj, output: w.p, input: x.p, count: n, beta: 2, inputGradient: twice.p)
        for i in 0..<n { #expect(abs(twice.p[i] - 2 * once.p[i]) <= 1e-6) }
    }

    // MARK: Interpolation

    @Test(arguments: [Float(0.3), 0.9, 0.02])
    func interpolation(gate: Float) {
        let N = 6
        var rng = RandomSource(seed: UInt64(gate * 100))
        let wc = TestBuffer(weighting(N, rng: &rng)), wPrev = TestBuffer(weighting(N, rng: &rng))
        let g = TestBuffer([gate])
        let proj = TestData.uniform(N, rng: &rng)
        let wg = TestBuffer(zeros: N), dwc = TestBuffer(zeros: N), dwPrev = TestBuffer(zeros: N)
        Interpolation.forward(output: wg.p, content: wc.p, previous: wPrev.p, gate: gate, count: N)
        let dg = TestBuffer(zeros: 1)
        Interpolation.backward(
            outputGradient: proj, content: wc.p, previous: wPrev.p, gate: gate, count: N,
            contentGradient: dwc.p, previousGradient: dwPrev.p, gateGradient: dg.p)
        let report = gradientCheck(
            tensors: [entry("content", wc, dwc.array), entry("previous", wPrev, dwPrev.array), entry("gate", g, dg.array)],
            epsilon: 1e-3
        ) {
            let out = TestBuffer(zeros: N)
            Interpolation.forward(output: out.p, content: wc.p, previous: wPrev.p, gate: g.p[0], count: N)
            return TestData.projection(out.p, proj)
        }
        #expect(report.passes(tolerance: tolerance), "\(report)")
    }

    // MARK: Circular shift

    /// N = 5 so that every shift of range 1 and 2 wraps around.
    @Test(arguments: [0, 1, 2])
    func circularShift(shiftRange S: Int) {
        let N = 5
        var rng = RandomSource(seed: UInt64(100 + S))
        let wg = TestBuffer(weighting(N, rng: &rng)), s = TestBuffer(weighting(2 * S + 1, rng: &rng))
        let proj = TestData.uniform(N, rng: &rng)
        let ws = TestBuffer(zeros: N), dwg = TestBuffer(zeros: N), ds = TestBuffer(zeros: 2 * S + 1)
        CircularShift.forward(output: ws.p, input: wg.p, shifts: s.p, shiftRange: S, count: N)
        CircularShift.backward(
            outputGradient: proj, input: wg.p, shifts: s.p, shiftRange: S, count: N,
            inputGradient: dwg.p, shiftGradient: ds.p)
        let report = gradientCheck(tensors: [entry("input", wg, dwg.array), entry("shifts", s, ds.array)], epsilon: 1e-3) {
            let out = TestBuffer(zeros: N)
            CircularShift.forward(output: out.p, input: wg.p, shifts: s.p, shiftRange: S, count: N)
            return TestData.projection(out.p, proj)
        }
        #expect(report.passes(tolerance: tolerance), "\(report)")
    }

    // MARK: Sharpening

    @Test(arguments: [Float(1), 1.5, 3.2, 9])
    func sharpening(gamma: Float) {
        let N = 6
        var rng = RandomSource(seed: UInt64(gamma * 10))
        let ws = TestBuffer(weighting(N, rng: &rng)), g = TestBuffer([gamma])
        let proj = TestData.uniform(N, rng: &rng)
        let w = TestBuffer(zeros: N), dws = TestBuffer(zeros: N)
        Sharpening.forward(output: w.p, input: ws.p, gamma: gamma, count: N)
        let dGammaBuffer = TestBuffer(zeros: 1)
        Sharpening.backward(
            outputGradient: proj, output: w.p, input: ws.p, gamma: gamma, count: N, inputGradient: dws.p,
            gammaGradient: dGammaBuffer.p)
        let dGamma = dGammaBuffer.p[0]
        let loss = {
            let out = TestBuffer(zeros: N)
            Sharpening.forward(output: out.p, input: ws.p, gamma: g.p[0], count: N)
            return TestData.projection(out.p, proj)
        }
        let inputReport = gradientCheck(tensors: [entry("input", ws, dws.array)], epsilon: 1e-3, loss: loss)
        #expect(inputReport.passes(tolerance: tolerance), "\(inputReport)")
        // dL/dγ is small once the weighting is sharp (γ = 9), so the step is larger than for the
        // input: with ε = 1e-3 the Float rounding of the outputs (~1e-7 in L) alone would be 5e-5 in
        // the difference quotient, several percent of a 1e-3 gradient.
        let gammaReport = gradientCheck(tensors: [entry("gamma", g, [dGamma])], epsilon: 2e-2, loss: loss)
        #expect(gammaReport.passes(tolerance: tolerance), "\(gammaReport)")
        #expect(abs(dGamma) > 1e-4)
    }

    /// Exact zeros in the shifted weighting: x^γ has a kink at 0, so only γ and the non-zero entries
    /// are checked by differences; the zero entries must get exactly zero gradient.
    @Test(arguments: [Float(1), 1.7, 4])
    func sharpeningWithZeros(gamma: Float) {
        let N = 6
        var rng = RandomSource(seed: UInt64(gamma * 10) + 500)
        var v = weighting(N, rng: &rng)
        let zeros = [0, 3]
        for i in zeros { v[i] = 0 }
        let ws = TestBuffer(v), g = TestBuffer([gamma])
        let proj = TestData.uniform(N, rng: &rng)
        let w = TestBuffer(zeros: N), dws = TestBuffer(zeros: N)
        Sharpening.forward(output: w.p, input: ws.p, gamma: gamma, count: N)
        for i in zeros { #expect(w.p[i] == 0) }
        #expect(abs(w.array.reduce(0, +) - 1) <= 1e-5)
        let dGammaBuffer = TestBuffer(zeros: 1)
        Sharpening.backward(
            outputGradient: proj, output: w.p, input: ws.p, gamma: gamma, count: N, inputGradient: dws.p,
            gammaGradient: dGammaBuffer.p)
        let dGamma = dGammaBuffer.p[0]
        let analytic = dws.array
        #expect(dGamma.isFinite && GradCheck.allFinite(analytic))
        for i in zeros { #expect(analytic[i] == 0, "zero entry \(i) got gradient \(analytic[i])") }
        let loss = {
            let out = TestBuffer(zeros: N)
            Sharpening.forward(output: out.p, input: ws.p, gamma: g.p[0], count: N)
            return TestData.projection(out.p, proj)
        }
        let gammaReport = gradientCheck(tensors: [entry("gamma", g, [dGamma])], epsilon: 2e-2, loss: loss)
        #expect(gammaReport.passes(tolerance: tolerance), "\(gammaReport)")
        let nonzero = (0..<N).filter { !zeros.contains($0) }
        let inputReport = GradCheck.subset(name: "input", values: ws.p, analytic: analytic, indices: nonzero, loss: loss)
        #expect(inputReport.passes(tolerance: tolerance), "\(inputReport)")
    }

    // MARK: Weighted read

    @Test(arguments: [(6, 3), (8, 5), (1, 2)])
    func weightedRead(N: Int, M: Int) {
        var rng = RandomSource(seed: UInt64(300 + N * 10 + M))
        let w = TestBuffer(weighting(N, rng: &rng)), memory = TestBuffer(TestData.uniform(N * M, rng: &rng))
        let proj = TestData.uniform(M, rng: &rng)
        let dw = TestBuffer(zeros: N), dMem = TestBuffer(zeros: N * M)
        WeightedRead.backward(outputGradient: proj, weighting: w.p, memory: memory.p, rows: N, width: M,
                              weightingGradient: dw.p, memoryGradient: dMem.p)
        let report = gradientCheck(tensors: [entry("weighting", w, dw.array), entry("memory", memory, dMem.array)],
                                   epsilon: 1e-3) {
            let r = TestBuffer(zeros: M)
            WeightedRead.forward(output: r.p, weighting: w.p, memory: memory.p, rows: N, width: M)
            return TestData.projection(r.p, proj)
        }
        #expect(report.passes(tolerance: tolerance), "\(report)")
    }

    // MARK: Erase/add write

    @Test(arguments: [(6, 3), (5, 4), (1, 1)])
    func eraseAddWrite(N: Int, M: Int) {
        var rng = RandomSource(seed: UInt64(400 + N * 10 + M))
        let memory = TestBuffer(TestData.uniform(N * M, rng: &rng)), w = TestBuffer(weighting(N, rng: &rng))
        let e = TestBuffer(TestData.uniform(M, 0.05, 0.95, rng: &rng)), a = TestBuffer(TestData.uniform(M, rng: &rng))
        let proj = TestData.uniform(N * M, rng: &rng)
        let dMem = TestBuffer(zeros: N * M)
        let dw = TestBuffer(zeros: N), de = TestBuffer(zeros: M), da = TestBuffer(zeros: M)
        EraseAddWrite.backward(outputGradient: proj, memory: memory.p, weighting: w.p, erase: e.p, add: a.p,
                               rows: N, width: M, memoryGradient: dMem.p, weightingGradient: dw.p, eraseGradient: de.p,
                               addGradient: da.p)
        let report = gradientCheck(
            tensors: [entry("memory", memory, dMem.array), entry("weighting", w, dw.array),
                      entry("erase", e, de.array), entry("add", a, da.array)],
            epsilon: 1e-3
        ) {
            let out = TestBuffer(zeros: N * M)
            EraseAddWrite.forward(output: out.p, memory: memory.p, weighting: w.p, erase: e.p, add: a.p, rows: N, width: M)
            return TestData.projection(out.p, proj)
        }
        #expect(report.passes(tolerance: tolerance), "\(report)")
    }

    // MARK: The whole addressing chain

    /// Content → interpolation → shift → sharpening composed through each op's backward, checked
    /// against the composed forward: the way NTMMemoryAccess chains them.
    @Test(arguments: [0, 1, 2])
    func composedAddressing(shiftRange S: Int) {
        let N = 6, M = 4
        var rng = RandomSource(seed: UInt64(900 + S))
        let key = TestBuffer(TestData.uniform(M, rng: &rng)), memory = TestBuffer(TestData.uniform(N * M, rng: &rng))
        let beta = TestBuffer([2.5]), gate = TestBuffer([0.7]), gamma = TestBuffer([1.8])
        let shifts = TestBuffer(weighting(2 * S + 1, rng: &rng)), wPrev = TestBuffer(weighting(N, rng: &rng))
        let proj = TestData.uniform(N, rng: &rng)

        let K = TestBuffer(zeros: N), norms = TestBuffer(zeros: N), wc = TestBuffer(zeros: N)
        let wg = TestBuffer(zeros: N), ws = TestBuffer(zeros: N), w = TestBuffer(zeros: N)
        func forward() -> Float {
            let kn = CosineSimilarity.forward(similarity: K.p, rowNorms: norms.p, key: key.p, memory: memory.p, rows: N, width: M)
            Softmax.forward(output: wc.p, input: K.p, count: N, beta: beta.p[0])
            Interpolation.forward(output: wg.p, content: wc.p, previous: wPrev.p, gate: gate.p[0], count: N)
            CircularShift.forward(output: ws.p, input: wg.p, shifts: shifts.p, shiftRange: S, count: N)
            Sharpening.forward(output: w.p, input: ws.p, gamma: gamma.p[0], count: N)
            return kn
        }
        let keyNorm = forward()
        let dws = TestBuffer(zeros: N), dwg = TestBuffer(zeros: N), dwc = TestBuffer(zeros: N), dK = TestBuffer(zeros: N)
        let ds = TestBuffer(zeros: 2 * S + 1), dwPrev = TestBuffer(zeros: N)
        let dk = TestBuffer(zeros: M), dMem = TestBuffer(zeros: N * M)
        let dScalars = TestBuffer(zeros: 3)  // dγ, dg, dβ
        Sharpening.backward(outputGradient: proj, output: w.p, input: ws.p, gamma: gamma.p[0], count: N,
                            inputGradient: dws.p, gammaGradient: dScalars.p)
        CircularShift.backward(outputGradient: dws.p, input: wg.p, shifts: shifts.p, shiftRange: S, count: N,
                               inputGradient: dwg.p, shiftGradient: ds.p)
        Interpolation.backward(outputGradient: dwg.p, content: wc.p, previous: wPrev.p, gate: gate.p[0],
                               count: N, contentGradient: dwc.p, previousGradient: dwPrev.p, gateGradient: dScalars.p + 1)
        Softmax.backward(outputGradient: dwc.p, output: wc.p, input: K.p, count: N, beta: beta.p[0],
                         inputGradient: dK.p, betaGradient: dScalars.p + 2)
        let dGamma = dScalars.p[0], dGate = dScalars.p[1], dBeta = dScalars.p[2]
        CosineSimilarity.backward(similarityGradient: dK.p, similarity: K.p, rowNorms: norms.p, keyNorm: keyNorm,
                                  key: key.p, memory: memory.p, rows: N, width: M, keyGradient: dk.p, memoryGradient: dMem.p)
        // With S = 0 the single shift weight is softmax([ŝ]) = 1 and sharpening normalises away any scale
        // of it: its true gradient is exactly zero, where finite differences only measure Float rounding
        // of the loss (~1e-5 here). Check that case directly instead of by differences.
        var tensors = [entry("key", key, dk.array), entry("memory", memory, dMem.array), entry("beta", beta, [dBeta]),
                       entry("gate", gate, [dGate]), entry("gamma", gamma, [dGamma]), entry("previous", wPrev, dwPrev.array)]
        if S == 0 {
            #expect(abs(ds.p[0]) < 1e-5, "shift gradient \(ds.p[0]) should vanish for S = 0")
        } else {
            tensors.append(entry("shifts", shifts, ds.array))
        }
        let report = gradientCheck(
            tensors: tensors,
            epsilon: 1e-3
        ) {
            _ = forward()
            return TestData.projection(w.p, proj)
        }
        #expect(report.passes(tolerance: tolerance), "\(report)")
    }
}
