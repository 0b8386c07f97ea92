// Gradient checks in double precision, like torch.autograd.gradcheck: the program's analytic
// gradients against central differences of the same program run in Double, so an error of 1e-6 of
// a tensor's largest gradient is visible (float32 differences cannot see 1 %). Entries where a
// discrete choice (relu, clip, sort, top-k) flips within ±ε are kinks: reported, not judged.
import NTMCore

/// The result of ``checkGradients(of:parameters:steps:batch:seed:epsilon:maxEntriesPerTensor:absoluteFloor:checkInputs:fault:)``.
public struct DoubleGradientReport: Sendable, CustomStringConvertible {
    public struct Entry: Sendable {
        public var name: String
        /// Entries compared (kinks excluded).
        public var checked: Int
        /// Entries skipped because a discrete choice flips between `x - ε` and `x + ε`.
        public var kinks: Int
        /// Largest `|analytic - numeric|` over the tensor, divided by `max(largest |analytic|, absoluteFloor)`.
        public var relativeError: Double
        public var worstIndex: Int
        public var analytic: Double
        public var numeric: Double
    }

    public var entries: [Entry]
    /// The loss at the unperturbed parameters (`Σ c · outputs` with fixed random `c`).
    public var loss: Double

    public var maxRelativeError: Double { entries.map(\.relativeError).max() ?? 0 }
    public var kinks: Int { entries.reduce(0) { $0 + $1.kinks } }

    public func passes(tolerance: Double = 1e-6) -> Bool {
        entries.allSatisfy { $0.relativeError <= tolerance && !$0.relativeError.isNaN }
    }

    public var description: String {
        entries.map {
            "\($0.name): rel err \($0.relativeError) over \($0.checked) entries"
                + ($0.kinks > 0 ? ", \($0.kinks) at kinks skipped" : "")
                + " (worst [\($0.worstIndex)]: analytic \($0.analytic), numeric \($0.numeric))"
        }.joined(separator: "\n")
    }
}

/// Checks every trainable parameter's gradient of a forward-only model in `Double`, over `steps` steps of
/// `batch` sequences.
///
/// The loss is `L = Σ_{t,b,y} c_{tby} y_{tby}` with `c ~ N(0, 1)` and inputs `x ~ N(0, 1)`, both drawn
/// from `seed`, so every output and every step carries gradient. Each checked entry compares the
/// analytic `∂L/∂θ_i` with `(L(θ + ε e_i) - L(θ - ε e_i)) / 2ε`.
///
/// - Parameters:
///   - parameters: the values to check at (Float parameters, widened exactly); by default the
///     definition's own initialisation from `seed`.
///   - maxEntriesPerTensor: entries per tensor (all of a small one, else evenly spaced ones).
///   - absoluteFloor: errors are relative to `max(largest |analytic|, absoluteFloor)`.
///   - checkInputs: also check `∂L/∂x` (reported as `inputs`), e.g. a memory's gradient with
///     respect to the controller outputs that drive it.
///   - fault: plants a wrong backward in one op (tests use it to prove the check catches it).
public func checkGradients(
    of definition: some RecurrentDefinition,
    parameters: [Parameter]? = nil,
    steps: Int = 4,
    batch: Int = 2,
    seed: UInt64 = 1,
    epsilon: Double = 1e-6,
    maxEntriesPerTensor: Int = 60,
    absoluteFloor: Double = 1e-8,
    checkInputs: Bool = false,
    fault: BackwardFault? = nil
) -> DoubleGradientReport {
    let program = RecurrentProgram(definition, inputGradients: checkInputs)
    let specs = program.parameterSpecs
    var rng = RandomSource(seed: seed)
    let start: [Parameter]
    if let parameters { start = parameters } else {
        start = definition.makeParameters()
        definition.initialize(start, rng: &rng)
    }
    let copies = DoubleParameters(specs: specs, from: start, caller: "checkGradients")
    let values = copies.values, grads = copies.grads
    defer { withExtendedLifetime(copies) {} }  // the pointers above live as long as it does

    let X = program.inputWidth, Y = program.outputWidth
    var inputs = (0..<(steps * batch * X)).map { _ in Double(rng.normal()) }
    let weights = (0..<(steps * batch * Y)).map { _ in Double(rng.normal()) }
    var outputs = [Double](repeating: 0, count: steps * batch * Y)
    let engine = RecurrentEngine<Double>(program: program, parameters: copies.slots)

    func loss() -> Double {
        inputs.withUnsafeBufferPointer { x in
            outputs.withUnsafeMutableBufferPointer { y in
                engine.forward(inputs: x.baseAddress!, outputs: y.baseAddress!, steps: steps, batch: batch)
            }
        }
        var l = 0.0
        for i in 0..<outputs.count { l += weights[i] * outputs[i] }
        return l
    }
    /// The loss and the hash of every choice made on the way.
    func lossAndChoices() -> (Double, UInt64) {
        engine.decisions = 0xcbf2_9ce4_8422_2325
        let l = loss()
        let d = engine.decisions ?? 0
        engine.decisions = nil
        return (l, d)
    }

    let (base, baseChoices) = lossAndChoices()
    engine.fault = fault
    var inputGrads = [Double](repeating: 0, count: inputs.count)
    weights.withUnsafeBufferPointer { w in
        inputGrads.withUnsafeMutableBufferPointer { gx in
            engine.backward(outputGradients: w.baseAddress!, inputGradients: checkInputs ? gx.baseAddress! : nil)
        }
    }
    engine.fault = nil

    func check(_ name: String, count: Int, analytic: (Int) -> Double, get: (Int) -> Double, set: (Int, Double) -> Void) -> DoubleGradientReport.Entry {
        let indices = count <= maxEntriesPerTensor
            ? Array(0..<count) : (0..<maxEntriesPerTensor).map { $0 * (count - 1) / (maxEntriesPerTensor - 1) }
        var scale = absoluteFloor
        for i in 0..<count { scale = max(scale, Swift.abs(analytic(i))) }
        var e = DoubleGradientReport.Entry(name: name, checked: 0, kinks: 0, relativeError: 0, worstIndex: 0, analytic: 0, numeric: 0)
        for i in indices {
            let saved = get(i)
            set(i, saved + epsilon)
            let (up, c1) = lossAndChoices()
            set(i, saved - epsilon)
            let (down, c2) = lossAndChoices()
            set(i, saved)
            // The step as rounded, not the nominal one.
            let h = (saved + epsilon) - (saved - epsilon)
            if c1 != baseChoices || c2 != baseChoices { e.kinks += 1; continue }
            e.checked += 1
            let numeric = (up - down) / h
            let err = Swift.abs(numeric - analytic(i)) / scale
            if err > e.relativeError || err.isNaN {
                e.relativeError = err.isNaN ? .infinity : err
                e.worstIndex = i
                e.analytic = analytic(i)
                e.numeric = numeric
            }
        }
        return e
    }

    var entries: [DoubleGradientReport.Entry] = []
    for (k, s) in specs.enumerated() where s.trainable {
        let v = values[k], g = grads[k]
        entries.append(check(s.name, count: s.count, analytic: { g[$0] }, get: { v[$0] }, set: { v[$0] = $1 }))
    }
    if checkInputs {
        entries.append(check("inputs", count: inputs.count, analytic: { inputGrads[$0] }, get: { inputs[$0] }, set: { inputs[$0] = $1 }))
    }
    return DoubleGradientReport(entries: entries, loss: base)
}
