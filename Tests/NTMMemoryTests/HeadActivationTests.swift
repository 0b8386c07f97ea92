// HeadActivation: finite-difference check of its backward against its forward, the clip's flat parts,
// and the ranges the activations promise.
import NTMCore
import NTMMemory
import Testing
import _NTMTestSupport

@Suite("Head activation")
struct HeadActivationTests {
    /// Gradient of `L = Σ_q p_q proj_q` with respect to the raw parameters, all inside the clip bound.
    @Test(arguments: [(false, 0), (false, 1), (true, 1), (true, 2)])
    func gradient(isWrite: Bool, shiftRange S: Int) {
        let layout = HeadLayout(memoryWidth: 5, shiftRange: S, isWrite: isWrite)
        let activation = HeadActivation(layout: layout, clipValue: 20)
        let P = layout.size
        var rng = RandomSource(seed: UInt64(70 + S + (isWrite ? 10 : 0)))
        let raw = TestBuffer(TestData.uniform(P, -2, 2, rng: &rng))
        let proj = TestData.uniform(P, rng: &rng)
        let act = TestBuffer(zeros: P), dRaw = TestBuffer(zeros: P)
        activation.forward(raw: raw.p, output: act.p)
        activation.backward(outputGradient: proj, raw: raw.p, output: act.p, inputGradient: dRaw.p)
        let report = gradientCheck(
            tensors: [(name: "raw", values: raw.p, count: P, analytic: dRaw.array)], epsilon: 1e-3
        ) {
            let out = TestBuffer(zeros: P)
            activation.forward(raw: raw.p, output: out.p)
            return TestData.projection(out.p, proj)
        }
        #expect(report.passes(tolerance: GradCheck.tolerance), "\(report)")
    }

    /// Raw values beyond `±C` are clipped: their gradient is exactly zero, the others' is not.
    @Test func clippedEntriesGetNoGradient() {
        let layout = HeadLayout(memoryWidth: 3, shiftRange: 1, isWrite: true)
        let activation = HeadActivation(layout: layout, clipValue: 1.5)
        let P = layout.size
        var rng = RandomSource(seed: 7)
        var values = TestData.uniform(P, -1, 1, rng: &rng)
        let clipped = [layout.key, layout.beta, layout.shift + 2, layout.erase + 1]
        for (i, q) in clipped.enumerated() { values[q] = i.isMultiple(of: 2) ? 3 : -4 }
        let raw = TestBuffer(values), act = TestBuffer(zeros: P), dRaw = TestBuffer(zeros: P)
        activation.forward(raw: raw.p, output: act.p)
        let proj = TestData.uniform(P, 0.5, 1, rng: &rng)
        activation.backward(outputGradient: proj, raw: raw.p, output: act.p, inputGradient: dRaw.p)
        for q in 0..<P {
            if clipped.contains(q) {
                #expect(dRaw.p[q] == 0, "clipped entry \(q) got \(dRaw.p[q])")
            } else {
                #expect(dRaw.p[q] != 0, "entry \(q) inside the bound got no gradient")
            }
        }
    }

    /// `β ≥ 0`, `g ∈ (0, 1)`, `s` sums to 1, `γ ≥ 1`, `e ∈ (0, 1)`, `k, a ∈ (-1, 1)`.
    @Test func ranges() {
        let layout = HeadLayout(memoryWidth: 4, shiftRange: 1, isWrite: true)
        let activation = HeadActivation(layout: layout, clipValue: 20)
        var rng = RandomSource(seed: 3)
        let raw = TestBuffer(TestData.uniform(layout.size, -5, 5, rng: &rng)), p = TestBuffer(zeros: layout.size)
        activation.forward(raw: raw.p, output: p.p)
        let M = layout.memoryWidth
        for m in 0..<M {
            #expect(abs(p.p[layout.key + m]) < 1 && abs(p.p[layout.add + m]) < 1)
            #expect(p.p[layout.erase + m] > 0 && p.p[layout.erase + m] < 1)
        }
        #expect(p.p[layout.beta] >= 0)
        #expect(p.p[layout.gate] > 0 && p.p[layout.gate] < 1)
        #expect(p.p[layout.gamma] >= 1)
        let shifts = (0..<layout.shiftCount).map { p.p[layout.shift + $0] }
        #expect(abs(shifts.reduce(0, +) - 1) < 1e-6)
    }
}
