// The float32 backward passes that subtract a weighted mean (softmax, sharpening) against the same
// derivative in Double, on the weightings where float32 cancellation used to show: a near one-hot
// 128-row weighting (the `first-row` initial weighting, a sharp head) and a near-uniform one under a
// gradient with a large common component. Finite differences cannot see errors of 1e-5; these can.
import Foundation
import NTMCore
import NTMMemory
import Testing
import _NTMTestSupport

/// `max |actual - truth| / max |truth|`, the golden traces' measure.
private func relativeError(_ actual: [Float], _ truth: [Double]) -> Double {
    var diff = 0.0, scale = 0.0
    for (a, t) in zip(actual, truth) {
        diff = max(diff, abs(Double(a) - t))
        scale = max(scale, abs(t))
    }
    return diff / scale
}

/// `dL/dz_n = w_n (g_n - Σ_m w_m g_m)` for `w = softmax(z)`, all in Double.
private func softmaxBackwardInDouble(_ z: [Double], _ g: [Double]) -> [Double] {
    let top = z.max()!
    let e = z.map { Foundation.exp($0 - top) }, total = e.reduce(0, +)
    let w = e.map { $0 / total }
    let mean = zip(w, g).map { $0 * $1 }.reduce(0, +)
    return zip(w, g).map { $0 * ($1 - mean) }
}

@Suite("Weighting backward precision")
struct WeightingBackwardPrecisionTests {
    static let rows = 128

    /// `(ω, dL/dw)` pairs: ω of the `first-row` initial weighting (0.994 on row 0) and of a uniform one,
    /// each with a gradient of unit scale; and a uniform ω under a gradient `1 + 1e-3 ξ` whose common
    /// part the exact result ignores.
    static func cases() -> [(name: String, omega: [Float], gradient: [Float])] {
        var rng = RandomSource(seed: 17)
        let firstRow = [Float(10)] + [Float](repeating: 0, count: rows - 1)
        let uniform = (0..<rows).map { _ in rng.normal(std: 0.1) }
        let g = (0..<rows).map { _ in rng.normal() }
        let offset = (0..<rows).map { _ in 1 + 1e-3 * rng.normal() }
        return [("first-row", firstRow, g), ("uniform", uniform, g), ("uniform, common gradient", uniform, offset)]
    }

    /// The initial weighting's backward, `dL/dω` of `w0 = softmax(ω)`, as the NTM runs it: the Float
    /// forward's `w0`, then the backward. Before the fix its error was 5.4e-4 on `first-row`, 7.3e-5 on the common gradient.
    @Test func softmaxBackwardAgreesWithDouble() {
        for c in Self.cases() {
            let n = Self.rows
            let omega = TestBuffer(c.omega), w = TestBuffer(zeros: n), dOmega = TestBuffer(zeros: n)
            Softmax.forward(output: w.p, input: omega.p, count: n)
            Softmax.backward(outputGradient: c.gradient, output: w.p, input: omega.p, count: n, inputGradient: dOmega.p)
            let truth = softmaxBackwardInDouble(c.omega.map(Double.init), c.gradient.map(Double.init))
            let error = relativeError(dOmega.array, truth)
            #expect(error < 1e-6, "\(c.name): relative error \(error)")
        }
    }

    /// The content weighting's backward with a key strength: `dL/dx = β w ∘ (g - Σ w g)` and
    /// `dL/dβ = Σ_n x_n w_n (g_n - Σ w g)`, on the same cases scaled so that `β x` is the `ω` above.
    @Test func softmaxBackwardWithStrengthAgreesWithDouble() {
        let beta: Float = 4
        for c in Self.cases() {
            let n = Self.rows
            let x = TestBuffer(c.omega.map { $0 / beta }), w = TestBuffer(zeros: n), dx = TestBuffer(zeros: n)
            let dBeta = TestBuffer(zeros: 1)
            Softmax.forward(output: w.p, input: x.p, count: n, beta: beta)
            Softmax.backward(outputGradient: c.gradient, output: w.p, input: x.p, count: n, beta: beta,
                             inputGradient: dx.p, betaGradient: dBeta.p)
            let xd = x.array.map(Double.init)
            let dz = softmaxBackwardInDouble(xd.map { Double(beta) * $0 }, c.gradient.map(Double.init))
            let error = relativeError(dx.array, dz.map { Double(beta) * $0 })
            #expect(error < 1e-6, "\(c.name): dx relative error \(error)")
            let dBetaTruth = zip(xd, dz).map { $0 * $1 }.reduce(0, +)
            let betaError = abs(Double(dBeta.p[0]) - dBetaTruth) / abs(dBetaTruth)
            #expect(betaError < 1e-5, "\(c.name): dβ relative error \(betaError)")
        }
    }

    /// `w = ws^γ / Σ ws^γ` of a head focused on one row (`w_0` = 0.990, 0.99999, 1 - 1e-10 for the three
    /// `γ`), and its backward in Double: `dL/dws_n = γ w_n (g_n - Σ w g) / ws_n`,
    /// `dL/dγ = Σ_n w_n (g_n - Σ w g) log ws_n`. Before the fix the errors at `γ = 4` were 1.7e-4 (dws)
    /// and 9e-5 (dγ), at `γ = 8` 6.5e-2 and 4.3e-2.
    @Test(arguments: [Float(1.7), 4, 8])
    func sharpeningBackwardOfAFocusedHeadAgreesWithDouble(gamma: Float) {
        let n = Self.rows
        var rng = RandomSource(seed: UInt64(gamma * 10))
        // The shifted weighting of a head on row 0: most of the weight there and on its neighbours,
        // the content weighting's small share spread over the other rows.
        var ws = (0..<n).map { _ in 0.02 / Float(n) * rng.uniform(0.5, 1.5) }
        ws[0] = 0.9
        ws[1] = 0.05
        ws[n - 1] = 0.03
        let g = (0..<n).map { _ in rng.normal() }
        let input = TestBuffer(ws), w = TestBuffer(zeros: n), dws = TestBuffer(zeros: n), dGamma = TestBuffer(zeros: 1)
        Sharpening.forward(output: w.p, input: input.p, gamma: gamma, count: n)
        Sharpening.backward(outputGradient: g, output: w.p, input: input.p, gamma: gamma, count: n,
                            inputGradient: dws.p, gammaGradient: dGamma.p)
        let x = ws.map(Double.init), gd = g.map(Double.init), gm = Double(gamma)
        let p = x.map { Foundation.pow($0, gm) }, total = p.reduce(0, +)
        let wd = p.map { $0 / total }
        let mean = zip(wd, gd).map { $0 * $1 }.reduce(0, +)
        let c = zip(wd, gd).map { $0 * ($1 - mean) }
        let truth = (0..<n).map { gm * c[$0] / x[$0] }
        let dGammaTruth = (0..<n).map { c[$0] * Foundation.log(x[$0]) }.reduce(0, +)
        let error = relativeError(dws.array, truth)
        let gammaError = abs(Double(dGamma.p[0]) - dGammaTruth) / abs(dGammaTruth)
        #expect(error < 1e-6, "γ \(gamma): dws relative error \(error)")
        #expect(gammaError < 1e-6, "γ \(gamma): dγ relative error \(gammaError)")
    }
}
