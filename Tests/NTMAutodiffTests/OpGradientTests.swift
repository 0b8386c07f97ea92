// Every op of the step-program layer, checked in Double against central differences inside a
// small recurrent harness (so gradients also cross steps through the carried state).
import Testing
import NTMCore
import NTMAutodiff

/// One op under test: a name, the scalars it returns for `h` of 6, its own parameters, and the op.
struct OpCase: CustomStringConvertible, Sendable {
    let name: String
    let V: Int
    let extra: [(String, [Int])]
    let op: @Sendable (StepGraph, Var) -> Var
    var description: String { name }

    init(_ name: String, _ V: Int, extra: [(String, [Int])] = [], _ op: @escaping @Sendable (StepGraph, Var) -> Var) {
        self.name = name; self.V = V; self.extra = extra; self.op = op
    }
}

/// Positive values from `h`, for ops defined on `x > 0`.
func positive(_ h: Var) -> Var { h.square() + 0.5 }

let opCases: [OpCase] = [
    OpCase("sigmoid", 6) { _, h in h.sigmoid() },
    OpCase("tanh", 6) { _, h in h.tanh() },
    OpCase("softplus", 6) { _, h in h.softplus() },
    OpCase("oneplus", 6) { _, h in h.oneplus() },
    OpCase("relu", 6) { _, h in h.relu() },
    OpCase("exp", 6) { _, h in h.exp() },
    OpCase("log", 6) { _, h in positive(h).log() },
    OpCase("negate", 6) { _, h in -h },
    OpCase("square", 6) { _, h in h.square() },
    OpCase("sqrt", 6) { _, h in positive(h).sqrt() },
    OpCase("abs", 6) { _, h in h.abs() },
    OpCase("reciprocal", 6) { _, h in positive(h).reciprocal() },
    OpCase("affine", 6) { _, h in 2 * h + 1 - h / 4 },
    OpCase("clip", 6) { _, h in h.clipped(-0.5, 0.5) },
    OpCase("add/sub/mul/div", 6, extra: [("p", [6])]) { g, h in
        let p = g.parameter("p")
        return (h + p) * (h - p) / positive(p) + p / positive(h)
    },
    OpCase("broadcast rows and columns", 6, extra: [("col", [3]), ("row", [2, 1]), ("one", [1])]) { g, h in
        let m = h.reshaped([2, 3])
        return (m * g.parameter("col") + g.parameter("row") - m / positive(g.parameter("one"))).reshaped([6])
    },
    OpCase("batched times batched scalar", 6) { _, h in h * h.slice(2, 1) },
    OpCase("linear", 4, extra: [("l.weight", [4, 6]), ("l.bias", [4])]) { g, h in g.linear(h, prefix: "l") },
    OpCase("linear over rows", 4, extra: [("l.weight", [2, 3]), ("l.bias", [2])]) { g, h in g.linear(h.reshaped([2, 3]), prefix: "l").reshaped([4]) },
    OpCase("matvec", 3, extra: [("A", [3, 6])]) { g, h in g.matvec(g.parameter("A"), h) },
    OpCase("matvec batched matrix", 2, extra: [("x", [3])]) { g, h in g.matvec(h.reshaped([2, 3]), g.parameter("x")) },
    OpCase("weightedRead", 3, extra: [("mem", [6, 3])]) { g, h in g.weightedRead(h.softmax(), g.parameter("mem")) },
    OpCase("weightedRead batched memory", 3, extra: [("w", [2])]) { g, h in g.weightedRead(g.parameter("w"), h.reshaped([2, 3])) },
    OpCase("outer", 12, extra: [("b", [2])]) { g, h in g.outer(h, g.parameter("b")).reshaped([12]) },
    OpCase("sum and mean", 3) { _, h in g3(h).sum() + h.reshaped([3, 2]).mean() },
    OpCase("softmax", 6) { _, h in h.softmax() },
    OpCase("softmax over rows", 6) { _, h in h.reshaped([2, 3]).softmax().reshaped([6]) },
    OpCase("cosineSimilarity", 4, extra: [("mem", [4, 6])]) { g, h in g.cosineSimilarity(h, g.parameter("mem")) },
    OpCase("cosineSimilarity batched memory", 2, extra: [("k", [3])]) { g, h in g.cosineSimilarity(g.parameter("k"), h.reshaped([2, 3])) },
    OpCase("contentWeighting", 4, extra: [("mem", [4, 6]), ("beta", [1])]) { g, h in
        g.contentWeighting(h, g.parameter("mem"), strength: g.parameter("beta").softplus())
    },
    OpCase("interpolate", 6, extra: [("w", [6])]) { g, h in g.interpolate(h.slice(0, 1).sigmoid(), h.softmax(), g.parameter("w").softmax()) },
    OpCase("circularShift", 6, extra: [("s", [3])]) { g, h in g.circularShift(h.softmax(), g.parameter("s").softmax()) },
    OpCase("circularShift by 2", 6) { g, h in g.circularShift(h, h.slice(0, 5).softmax()) },
    OpCase("sharpen", 6) { g, h in g.sharpen(h.softmax(), h.slice(0, 1).oneplus()) },
    OpCase("sharpen with zero entries", 6) { g, h in g.sharpen(h.relu() + h.slice(1, 1).square() * 0, h.slice(0, 1).oneplus()) },
    OpCase("eraseAddWrite", 18, extra: [("mem", [6, 3]), ("e", [3]), ("a", [3])]) { g, h in
        g.eraseAddWrite(g.parameter("mem"), weighting: h.softmax(), erase: g.parameter("e").sigmoid(), add: g.parameter("a").tanh()).reshaped([18])
    },
    OpCase("eraseAddWrite batched", 4, extra: [("w", [2])]) { g, h in
        g.eraseAddWrite(h.reshaped([2, 3]).slice(0, 2), weighting: g.parameter("w"), erase: h.slice(0, 2).sigmoid(), add: h.slice(2, 2)).reshaped([4])
    },
    OpCase("additiveWrite", 18, extra: [("mem", [6, 3]), ("a", [3])]) { g, h in
        g.additiveWrite(g.parameter("mem"), weighting: h.sigmoid(), add: g.parameter("a")).reshaped([18])
    },
    OpCase("zeroRows", 18, extra: [("mem", [6, 3])]) { g, h in g.zeroRows(g.parameter("mem") * h.sum(), mask: g.smallestMask(h, k: 2)).reshaped([18]) },
    OpCase("concat and slice", 9, extra: [("p", [3])]) { g, h in g.concat([h.slice(1, 4), g.parameter("p"), h.slice(0, 2)]) },
    OpCase("transpose", 6) { _, h in (h.reshaped([2, 3]).transposed() * h.reshaped([3, 2])).reshaped([6]) },
    OpCase("cumprod", 6) { _, h in h.cumprod() },
    OpCase("cumprod exclusive", 6) { _, h in h.sigmoid().cumprod(exclusive: true) },
    OpCase("sort", 6) { g, h in g.sort(h).values * h.sigmoid() },
    OpCase("sort descending over rows", 6) { g, h in g.sort(h.reshaped([2, 3]), descending: true).values.reshaped([6]) },
    OpCase("topK and gather", 4) { g, h in
        let (v, i) = g.topK(h, k: 2)
        return g.concat([v, g.gather(h.exp(), i)])
    },
    OpCase("scatter", 6) { g, h in
        let (v, i) = g.topK(h, k: 3, largest: false)
        return g.scatter(v.tanh(), i, size: 6) + h
    },
    OpCase("sort, allocate, scatter back (DNC allocation)", 6) { g, h in
        let u = h.sigmoid()
        let (sorted, phi) = g.sort(u)
        let a = (1.0 - sorted) * sorted.cumprod(exclusive: true)
        return g.scatter(a, phi, size: 6)
    },
    OpCase("LSTM layers", 5, extra: [("lstm.weight_ih_l0", [20, 6]), ("lstm.weight_hh_l0", [20, 5]), ("lstm.bias_ih_l0", [20]),
                                     ("lstm.bias_hh_l0", [20]), ("lstm.h0", [1, 5]), ("lstm.c0", [1, 5])]) { g, h in
        let s = LSTMLayers.initialState(g, prefix: "lstm", hiddenSize: 5, layers: 1)
        return LSTMLayers.step(g, prefix: "lstm", input: h, state: s, hiddenSize: 5, layers: 1).output
    },
]

private func g3(_ h: Var) -> Var { h.reshaped([3, 2]) }

@Suite("Op gradients in Double")
struct OpGradientTests {
    @Test(arguments: opCases)
    func matchesCentralDifferences(_ c: OpCase) {
        let model = ClosureModel.harness(V: c.V, extra: c.extra, c.op)
        let report = checkGradients(of: model, steps: 4, batch: 2, seed: 7)
        #expect(report.passes(tolerance: 1e-6), "\(c.name):\n\(report)")
        #expect(report.entries.allSatisfy { $0.checked > 0 }, "\(report)")
        // Gradient reached the first layer, so it crossed the op and the steps.
        #expect(report.entries.first { $0.name == "in.weight" }!.analytic != 0 || report.maxRelativeError == 0)
    }

    @Test func aOnePercentErrorInABackwardIsCaught() {
        let model = ClosureModel.harness(V: 6) { _, h in h.softmax() }
        let clean = checkGradients(of: model, steps: 3, batch: 2, seed: 3)
        let faulty = checkGradients(of: model, steps: 3, batch: 2, seed: 3, fault: BackwardFault(op: "softmax", scale: 1.01))
        #expect(clean.passes(tolerance: 1e-6), "\(clean)")
        #expect(!faulty.passes(tolerance: 1e-6))
        #expect(faulty.maxRelativeError > 1e-4, "\(faulty)")
    }

    @Test func stopGradientBlocksTheGradient() {
        // The output depends on `in.*` only through stopGradient: their analytic gradient is zero,
        // while finite differences see the dependence.
        let model = ClosureModel.harness(V: 6) { _, h in h.stopGradient() }
        let report = checkGradients(of: model, steps: 2, batch: 1, seed: 2)
        let entry = report.entries.first { $0.name == "in.weight" }!
        #expect(entry.analytic == 0)
        #expect(entry.numeric != 0)
    }

    @Test func choicesThatFlipWithinEpsilonAreReportedAsKinks() {
        // relu(p) at p = 0 sits exactly on its kink for every entry of `p`.
        let model = ClosureModel.harness(V: 6, extra: [("p", [6])]) { g, h in g.parameter("p").relu() + h }
        var rng = RandomSource(seed: 2)
        let parameters = model.makeParameters()
        model.initialize(parameters, rng: &rng)
        parameters.named("p")!.value.zero()
        let report = checkGradients(of: model, parameters: parameters, steps: 2, batch: 1, seed: 2)
        let entry = report.entries.first { $0.name == "p" }!
        #expect(entry.kinks == 6)
        #expect(entry.checked == 0)
    }
}
