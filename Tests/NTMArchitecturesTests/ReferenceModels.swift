// Plain-loop references of the DNC memory and the memory network in Double, written from the
// equations of notebooks-md/models.md without the kit's ops: the graph versions must compute the
// same numbers (llm.c's way of checking a layer against a reference).
import NTMCore

/// Parameters by name, widened to Double.
struct NamedValues {
    var values: [String: [Double]]
    init(_ parameters: [Parameter]) {
        var v: [String: [Double]] = [:]
        for p in parameters { v[p.name] = (0..<p.count).map { Double(p.value.base[$0]) } }
        values = v
    }
    subscript(_ name: String) -> [Double] { values[name]! }
}

func softmax(_ x: [Double]) -> [Double] {
    let m = x.max()!
    let e = x.map { KitMath.exp($0 - m) }
    let s = e.reduce(0, +)
    return e.map { $0 / s }
}

func sigmoid(_ x: Double) -> Double { 1 / (1 + KitMath.exp(-x)) }
func oneplus(_ x: Double) -> Double { 1 + KitMath.log1p(KitMath.exp(x)) }

/// `W x + b` with `W` row-major `[out, in]`.
func affine(_ w: [Double], _ b: [Double]?, _ x: [Double]) -> [Double] {
    let inputs = x.count, out = w.count / inputs
    var y = [Double](repeating: 0, count: out)
    for o in 0..<out {
        var s: Double = b?[o] ?? 0
        for i in 0..<inputs { s += w[o * inputs + i] * x[i] }
        y[o] = s
    }
    return y
}

/// `softmax_n(β K(k, M_n))`, `K` the cosine with ε 1e-8.
func contentWeighting(_ k: [Double], _ memory: [[Double]], _ beta: Double) -> [Double] {
    let nk = k.map { $0 * $0 }.reduce(0, +).squareRoot()
    return softmax(memory.map { row in
        let dot = zip(k, row).map(*).reduce(0, +), nr = row.map { $0 * $0 }.reduce(0, +).squareRoot()
        return beta * dot / (nk * nr + 1e-8)
    })
}

/// One sequence of the DNC memory alone (the `MemoryProbe`'s outputs): controller outputs in, reads out.
func referenceDNC(_ p: NamedValues, h: [[Double]], rows n: Int, width w: Int, heads r: Int, clip: Double = 20) -> [[Double]] {
    var memory = [[Double]](repeating: [Double](repeating: 0, count: w), count: n)
    var usage = [Double](repeating: 0, count: n), precedence = [Double](repeating: 0, count: n)
    var link = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
    var write = [Double](repeating: 0, count: n)
    var reads = [[Double]](repeating: [Double](repeating: 0, count: n), count: r)
    var outputs: [[Double]] = []
    for ht in h {
        let xi = affine(p["interface.weight"], p["interface.bias"], ht).map { min(max($0, -clip), clip) }
        var at = 0
        func take(_ c: Int) -> [Double] { defer { at += c }; return Array(xi[at..<(at + c)]) }
        let readKeys = (0..<r).map { _ in take(w) }, readStrengths = (0..<r).map { _ in oneplus(take(1)[0]) }
        let writeKey = take(w), writeStrength = oneplus(take(1)[0])
        let erase = take(w).map(sigmoid), vector = take(w)
        let free = (0..<r).map { _ in sigmoid(take(1)[0]) }
        let allocationGate = sigmoid(take(1)[0]), writeGate = sigmoid(take(1)[0])
        let modes = (0..<r).map { _ in softmax(take(3)) }
        // Usage from the previous weightings, then allocation over the sorted usage.
        for i in 0..<n {
            var psi = 1.0
            for j in 0..<r { psi *= 1 - free[j] * reads[j][i] }
            usage[i] = (usage[i] + write[i] - usage[i] * write[i]) * psi
        }
        let u = usage.map { 1e-6 + (1 - 1e-6) * $0 }
        let order = (0..<n).sorted { u[$0] < u[$1] || (u[$0] == u[$1] && $0 < $1) }
        var allocation = [Double](repeating: 0, count: n), product = 1.0
        for i in order { allocation[i] = (1 - u[i]) * product; product *= u[i] }
        let content = contentWeighting(writeKey, memory, writeStrength)
        write = (0..<n).map { writeGate * (allocationGate * allocation[$0] + (1 - allocationGate) * content[$0]) }
        for i in 0..<n { for m in 0..<w { memory[i][m] = memory[i][m] * (1 - write[i] * erase[m]) + write[i] * vector[m] } }
        for i in 0..<n {
            for j in 0..<n { link[i][j] = i == j ? 0 : (1 - write[i] - write[j]) * link[i][j] + write[i] * precedence[j] }
        }
        let written = write.reduce(0, +)
        precedence = (0..<n).map { (1 - written) * precedence[$0] + write[$0] }
        var out: [Double] = []
        for j in 0..<r {
            let forward = (0..<n).map { i in (0..<n).reduce(0) { $0 + link[i][$1] * reads[j][$1] } }
            let backward = (0..<n).map { i in (0..<n).reduce(0) { $0 + link[$1][i] * reads[j][$1] } }
            let c = contentWeighting(readKeys[j], memory, readStrengths[j])
            reads[j] = (0..<n).map { modes[j][0] * backward[$0] + modes[j][1] * c[$0] + modes[j][2] * forward[$0] }
            out += (0..<w).map { m in (0..<n).reduce(0) { $0 + reads[j][$1] * memory[$1][m] } }
        }
        outputs.append(out)
    }
    return outputs
}

/// One sequence of the memory network: inputs in, logits out.
func referenceMemoryNetwork(_ p: NamedValues, x: [[Double]], slots n: Int, size d: Int, hops: Int, clip: Double = 20) -> [[Double]] {
    var seen: [[Double]] = []          // inputs, newest first
    var answer = [Double](repeating: 0, count: d)
    var logits: [[Double]] = []
    for xt in x {
        seen.insert(xt, at: 0)
        if seen.count > n { seen.removeLast() }
        let keys = seen.enumerated().map { age, xs in zip(affine(p["memory.input.weight"], nil, xs), p["memory.input.temporal"][(age * d)..<((age + 1) * d)]).map(+) }
        let values = seen.enumerated().map { age, xs in zip(affine(p["memory.output.weight"], nil, xs), p["memory.output.temporal"][(age * d)..<((age + 1) * d)]).map(+) }
        var u = zip(affine(p["query.weight"], nil, xt), affine(p["query.recurrent.weight"], nil, answer)).map(+)
        for _ in 0..<hops {
            let attention = softmax(keys.map { zip($0, u).map(*).reduce(0, +) })
            let read = (0..<d).map { m in (0..<keys.count).reduce(0) { $0 + attention[$1] * values[$1][m] } }
            u = zip(affine(p["hop.weight"], nil, u), read).map(+)
        }
        answer = u
        logits.append(affine(p["output.weight"], p["output.bias"], u).map { min(max($0, -clip), clip) })
    }
    return logits
}
