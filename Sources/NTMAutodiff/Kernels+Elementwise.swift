// Element-wise kernels, forward and backward side by side. Backward passes add into input gradients.

/// The kernels of the step-program ops, generic over the scalar (see ``GraphScalar``).
enum Kernels {
    @inline(__always) static func sigmoid<S: GraphScalar>(_ x: S) -> S {
        x >= 0 ? 1 / (1 + S.exp(-x)) : S.exp(x) / (1 + S.exp(x))
    }

    /// `log(1 + e^x)` without overflow for large `x`.
    @inline(__always) static func softplus<S: GraphScalar>(_ x: S) -> S {
        x > 0 ? x + S.log1p(S.exp(-x)) : S.log1p(S.exp(x))
    }

    static func unaryForward<S: GraphScalar>(_ f: UnaryFunction, _ x: UnsafeMutablePointer<S>, _ y: UnsafeMutablePointer<S>,
                                             _ n: Int, _ runner: ProgramRunner<S>) {
        switch f {
        case .sigmoid: for i in 0..<n { y[i] = sigmoid(x[i]) }
        case .tanh: for i in 0..<n { y[i] = S.tanh(x[i]) }
        case .softplus: for i in 0..<n { y[i] = softplus(x[i]) }
        case .oneplus: for i in 0..<n { y[i] = 1 + softplus(x[i]) }
        case .relu:
            for i in 0..<n { y[i] = x[i] > 0 ? x[i] : 0 }
            if runner.decisions != nil { for i in 0..<n { runner.decide(x[i] > 0 ? 1 : 0) } }
        case .exp: for i in 0..<n { y[i] = S.exp(x[i]) }
        case .log: for i in 0..<n { y[i] = S.log(x[i]) }
        case .negate: for i in 0..<n { y[i] = -x[i] }
        case .square: for i in 0..<n { y[i] = x[i] * x[i] }
        case .sqrt: for i in 0..<n { y[i] = S.sqrt(x[i]) }
        case .abs:
            for i in 0..<n { y[i] = Swift.abs(x[i]) }
            if runner.decisions != nil { for i in 0..<n { runner.decide(x[i] > 0 ? 1 : x[i] < 0 ? 2 : 0) } }
        case .reciprocal: for i in 0..<n { y[i] = 1 / x[i] }
        }
    }

    /// `dx += dy · f'(x)`, with `f'` written from whichever of `x` and `y = f(x)` is cheaper.
    static func unaryBackward<S: GraphScalar>(_ f: UnaryFunction, _ x: UnsafeMutablePointer<S>, _ y: UnsafeMutablePointer<S>,
                                              _ dy: UnsafeMutablePointer<S>, _ dx: UnsafeMutablePointer<S>, _ n: Int) {
        switch f {
        case .sigmoid: for i in 0..<n { dx[i] += dy[i] * y[i] * (1 - y[i]) }
        case .tanh: for i in 0..<n { dx[i] += dy[i] * (1 - y[i] * y[i]) }
        case .softplus, .oneplus: for i in 0..<n { dx[i] += dy[i] * sigmoid(x[i]) }
        case .relu: for i in 0..<n where x[i] > 0 { dx[i] += dy[i] }
        case .exp: for i in 0..<n { dx[i] += dy[i] * y[i] }
        case .log: for i in 0..<n { dx[i] += dy[i] / x[i] }
        case .negate: for i in 0..<n { dx[i] -= dy[i] }
        case .square: for i in 0..<n { dx[i] += 2 * x[i] * dy[i] }
        case .sqrt: for i in 0..<n where y[i] > 0 { dx[i] += dy[i] / (2 * y[i]) }
        case .abs: for i in 0..<n { dx[i] += x[i] > 0 ? dy[i] : x[i] < 0 ? -dy[i] : 0 }
        case .reciprocal: for i in 0..<n { dx[i] -= dy[i] * y[i] * y[i] }
        }
    }

    static func affineForward<S: GraphScalar>(_ a: S, _ c: S, _ x: UnsafeMutablePointer<S>, _ y: UnsafeMutablePointer<S>, _ n: Int) {
        for i in 0..<n { y[i] = a * x[i] + c }
    }

    static func clipForward<S: GraphScalar>(_ lo: S, _ hi: S, _ x: UnsafeMutablePointer<S>, _ y: UnsafeMutablePointer<S>,
                                            _ n: Int, _ runner: ProgramRunner<S>) {
        for i in 0..<n { y[i] = Swift.min(Swift.max(x[i], lo), hi) }
        if runner.decisions != nil { for i in 0..<n { runner.decide(x[i] < lo ? 1 : x[i] > hi ? 2 : 0) } }
    }

    /// A broadcasting binary op's geometry: `items` batch items of an output item padded to rank 3
    /// (`dims`), each operand's strides per axis (0 where it repeats) and per batch item.
    struct Broadcast {
        var items: Int
        var dims: [Int]
        var aStrides: [Int], aBatch: Int
        var bStrides: [Int], bBatch: Int
        /// Both operands have the output's shape and batching: one flat loop.
        var flat: Bool
    }

    @inline(__always)
    static func forEachPair(_ g: Broadcast, _ body: (Int, Int, Int) -> Void) {
        let d0 = g.dims[0], d1 = g.dims[1], d2 = g.dims[2]
        let (a0, a1, a2) = (g.aStrides[0], g.aStrides[1], g.aStrides[2])
        let (b0, b1, b2) = (g.bStrides[0], g.bStrides[1], g.bStrides[2])
        var o = 0
        for b in 0..<g.items {
            for i in 0..<d0 {
                for j in 0..<d1 {
                    var ia = b * g.aBatch + i * a0 + j * a1, ib = b * g.bBatch + i * b0 + j * b1
                    for _ in 0..<d2 {
                        body(o, ia, ib)
                        o += 1; ia += a2; ib += b2
                    }
                }
            }
        }
    }

    static func binaryForward<S: GraphScalar>(_ f: BinaryFunction, _ g: Broadcast, _ a: UnsafeMutablePointer<S>,
                                              _ b: UnsafeMutablePointer<S>, _ y: UnsafeMutablePointer<S>) {
        if g.flat {
            let n = g.items * g.dims.reduce(1, *)
            switch f {
            case .add: for i in 0..<n { y[i] = a[i] + b[i] }
            case .subtract: for i in 0..<n { y[i] = a[i] - b[i] }
            case .multiply: for i in 0..<n { y[i] = a[i] * b[i] }
            case .divide: for i in 0..<n { y[i] = a[i] / b[i] }
            }
            return
        }
        switch f {
        case .add: forEachPair(g) { o, i, j in y[o] = a[i] + b[j] }
        case .subtract: forEachPair(g) { o, i, j in y[o] = a[i] - b[j] }
        case .multiply: forEachPair(g) { o, i, j in y[o] = a[i] * b[j] }
        case .divide: forEachPair(g) { o, i, j in y[o] = a[i] / b[j] }
        }
    }

    static func binaryBackward<S: GraphScalar>(_ f: BinaryFunction, _ g: Broadcast, _ a: UnsafeMutablePointer<S>,
                                               _ b: UnsafeMutablePointer<S>, _ dy: UnsafeMutablePointer<S>,
                                               _ da: UnsafeMutablePointer<S>?, _ db: UnsafeMutablePointer<S>?) {
        if g.flat {
            // Same shapes and batching: element i of each operand meets element i of dy alone, so one
            // flat loop adds exactly what the general walk adds.
            let n = g.items * g.dims.reduce(1, *)
            switch f {
            case .add:
                if let da { for i in 0..<n { da[i] += dy[i] } }
                if let db { for i in 0..<n { db[i] += dy[i] } }
            case .subtract:
                if let da { for i in 0..<n { da[i] += dy[i] } }
                if let db { for i in 0..<n { db[i] -= dy[i] } }
            case .multiply:
                if let da { for i in 0..<n { da[i] += dy[i] * b[i] } }
                if let db { for i in 0..<n { db[i] += dy[i] * a[i] } }
            case .divide:
                if let da { for i in 0..<n { da[i] += dy[i] / b[i] } }
                if let db { for i in 0..<n { db[i] -= dy[i] * a[i] / (b[i] * b[i]) } }
            }
            return
        }
        switch f {
        case .add:
            if let da { forEachPair(g) { o, i, _ in da[i] += dy[o] } }
            if let db { forEachPair(g) { o, _, j in db[j] += dy[o] } }
        case .subtract:
            if let da { forEachPair(g) { o, i, _ in da[i] += dy[o] } }
            if let db { forEachPair(g) { o, _, j in db[j] -= dy[o] } }
        case .multiply:
            if let da { forEachPair(g) { o, i, j in da[i] += dy[o] * b[j] } }
            if let db { forEachPair(g) { o, i, j in db[j] += dy[o] * a[i] } }
        case .divide:
            if let da { forEachPair(g) { o, i, j in da[i] += dy[o] / b[j] } }
            if let db { forEachPair(g) { o, i, j in db[j] -= dy[o] * a[i] / (b[j] * b[j]) } }
        }
    }
}
