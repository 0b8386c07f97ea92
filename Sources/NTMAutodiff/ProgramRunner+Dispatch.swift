// Which kernel runs each op, forward and backward. Every backward adds into its inputs' gradients
// (see GradientConvention in NTMCore).
import NTMMemory

extension ProgramRunner {
    /// Items of the op's output across the batch (B when any input is batched, else 1).
    @inline(__always) func items(_ op: Op) -> Int { isBatched(op.outputs[0]) ? batch : 1 }
    /// Distance between consecutive batch items of a node (0 for an unbatched node, which repeats).
    @inline(__always) func stride(_ node: Int) -> Int { isBatched(node) ? itemCount(node) : 0 }
    /// Rows of the last axis over the whole node (batch included).
    @inline(__always) func rows(_ node: Int) -> Int { size(node) / program.nodes[node].last }

    /// Float programs run the memory ops on NTMMemory's fused kernels (Kernels+Fused.swift).
    @inline(__always) var fused: Bool { S.self == Float.self }
    @inline(__always) func f(_ p: UnsafeMutablePointer<S>) -> UnsafeMutablePointer<Float> { Kernels.asFloat(p) }

    /// Runs op number `index` (`op`) forward at step `t`.
    func runForward(_ op: Op, _ index: Int, _ t: Int) {
        let x = op.inputs.map { value($0, t) }
        let y = value(op.outputs[0], t)
        let inNode = op.inputs[0], outNode = op.outputs[0]
        switch op.kind {
        case .unary(let f): Kernels.unaryForward(f, x[0], y, size(outNode), self)
        case .affine(let a, let c): Kernels.affineForward(S(a), S(c), x[0], y, size(outNode))
        case .clip(let lo, let hi): Kernels.clipForward(S(lo), S(hi), x[0], y, size(outNode), self)
        case .binary(let f): Kernels.binaryForward(f, geometries[index]!, x[0], x[1], y)
        case .linear(let hasBias):
            let w = program.nodes[op.inputs[1]].shape
            let wt = fused ? transposedWeight(of: op, index, t) : nil
            Kernels.linearForward(rows(inNode), w[1], w[0], x[0], x[1], hasBias ? x[2] : nil, y, transposed: wt)
        case .matvec:
            let s = program.nodes[op.inputs[0]].shape
            Kernels.matvecForward(items(op), s[0], s[1], x[0], stride(op.inputs[0]), x[1], stride(op.inputs[1]), y)
        case .vecmat:
            let s = program.nodes[op.inputs[1]].shape
            if fused {
                Kernels.fusedReadForward(items(op), s[0], s[1], f(x[0]), stride(op.inputs[0]), f(x[1]), stride(op.inputs[1]), f(y))
                break
            }
            Kernels.vecmatForward(items(op), s[0], s[1], x[0], stride(op.inputs[0]), x[1], stride(op.inputs[1]), y)
        case .outer:
            let n = itemCount(op.inputs[0]), m = itemCount(op.inputs[1])
            Kernels.outerForward(items(op), n, m, x[0], stride(op.inputs[0]), x[1], stride(op.inputs[1]), y)
        case .sumLast: Kernels.sumForward(rows(inNode), program.nodes[inNode].last, x[0], y)
        case .softmaxLast:
            if fused { Kernels.fusedSoftmaxForward(rows(inNode), program.nodes[inNode].last, f(x[0]), f(y)); break }
            Kernels.softmaxForward(rows(inNode), program.nodes[inNode].last, x[0], y)
        case .cosine(let eps):
            let s = program.nodes[op.inputs[1]].shape
            if fused && Float(eps) == CosineSimilarity.epsilon {
                Kernels.fusedCosineForward(items(op), s[0], s[1], f(x[0]), stride(op.inputs[0]), f(x[1]), stride(op.inputs[1]), f(y), f(scratchBuffer))
                break
            }
            Kernels.cosineForward(items(op), s[0], s[1], S(eps), x[0], stride(op.inputs[0]), x[1], stride(op.inputs[1]), y)
        case .circularShift:
            if fused {
                Kernels.fusedShiftForward(items(op), itemCount(inNode), itemCount(op.inputs[1]), f(x[0]), stride(op.inputs[0]),
                                          f(x[1]), stride(op.inputs[1]), f(y))
                break
            }
            Kernels.shiftForward(items(op), itemCount(op.inputs[0]), itemCount(op.inputs[1]),
                                 x[0], stride(op.inputs[0]), x[1], stride(op.inputs[1]), y)
        case .sharpen(let eps):
            if fused && Float(eps) == Sharpening.epsilon {
                Kernels.fusedSharpenForward(items(op), itemCount(inNode), f(x[0]), stride(op.inputs[0]), f(x[1]), stride(op.inputs[1]), f(y))
                break
            }
            Kernels.sharpenForward(items(op), itemCount(inNode), S(eps), x[0], stride(op.inputs[0]), x[1], stride(op.inputs[1]), y)
        case .interpolate:
            Kernels.interpolateForward(items(op), itemCount(outNode), x[0], stride(op.inputs[0]),
                                       x[1], stride(op.inputs[1]), x[2], stride(op.inputs[2]), y)
        case .eraseAddWrite:
            let s = program.nodes[inNode].shape
            if fused { Kernels.fusedEraseAddForward(items(op), s[0], s[1], x.map(f), op.inputs.map(stride), f(y)); break }
            Kernels.eraseAddForward(items(op), s[0], s[1], x, op.inputs.map(stride), y)
        case .additiveWrite:
            let s = program.nodes[inNode].shape
            Kernels.additiveWriteForward(items(op), s[0], s[1], x, op.inputs.map(stride), y)
        case .concatLast:
            Kernels.concatForward(items(op), op.inputs.map { (itemCount($0) / program.nodes[$0].last, program.nodes[$0].last, stride($0)) },
                                  x, program.nodes[outNode].last, y)
        case .sliceLast(let start, let count):
            Kernels.sliceForward(rows(inNode), program.nodes[inNode].last, start, count, x[0], y)
        case .reshape, .stopGradient: y.update(from: x[0], count: size(outNode))
        case .transpose:
            let s = program.nodes[inNode].shape
            Kernels.transposeForward(items(op), s[0], s[1], x[0], y)
        case .broadcastBatch:
            let n = itemCount(inNode)
            for b in 0..<batch { (y + b * n).update(from: x[0], count: n) }
        case .cumprodLast(let exclusive):
            Kernels.cumprodForward(rows(inNode), program.nodes[inNode].last, exclusive, x[0], y)
        case .sortLast(let descending):
            Kernels.sortForward(rows(inNode), program.nodes[inNode].last, program.nodes[inNode].last, !descending,
                                x[0], y, value(op.outputs[1], t), self)
        case .topK(let k, let largest):
            Kernels.sortForward(rows(inNode), program.nodes[inNode].last, k, !largest, x[0], y, value(op.outputs[1], t), self)
        case .gatherLast:
            let xl = program.nodes[inNode].last, il = program.nodes[op.inputs[1]].last
            Kernels.gatherForward(items(op), itemCount(op.inputs[1]) / il, xl, il, x[0], stride(op.inputs[0]), x[1], stride(op.inputs[1]), y)
        case .scatterLast(let n):
            let k = program.nodes[inNode].last
            Kernels.scatterForward(items(op), itemCount(inNode) / k, k, n, x[0], stride(op.inputs[0]), x[1], stride(op.inputs[1]), y)
        case .oneHot(let n):
            let k = program.nodes[inNode].last
            Kernels.oneHotForward(rows(inNode), k, n, x[0], y)
        }
    }

    /// Runs op number `index` (`op`) backward at step `t`.
    func runBackward(_ op: Op, _ index: Int, _ t: Int) {
        let x = op.inputs.map { value($0, t) }
        let dx = op.inputs.map { grad($0) }
        let outNode = op.outputs[0], inNode = op.inputs[0]
        let y = value(outNode, t)
        guard let dy = grad(outNode) else { return }
        switch op.kind {
        case .unary(let f): if let d = dx[0] { Kernels.unaryBackward(f, x[0], y, dy, d, size(outNode)) }
        case .affine(let a, _): if let d = dx[0] { for i in 0..<size(outNode) { d[i] += S(a) * dy[i] } }
        case .clip(let lo, let hi):
            if let d = dx[0] { for i in 0..<size(outNode) where x[0][i] >= S(lo) && x[0][i] <= S(hi) { d[i] += dy[i] } }
        case .binary(let f): Kernels.binaryBackward(f, geometries[index]!, x[0], x[1], dy, dx[0], dx[1])
        case .linear:
            let w = program.nodes[op.inputs[1]].shape
            Kernels.linearBackward(rows(inNode), w[1], w[0], x[0], x[1], dy, dx[0], dx[1], dx.count > 2 ? dx[2] : nil)
        case .matvec:
            let s = program.nodes[op.inputs[0]].shape
            Kernels.matvecBackward(items(op), s[0], s[1], x[0], stride(op.inputs[0]), x[1], stride(op.inputs[1]), dy, dx[0], dx[1])
        case .vecmat:
            let s = program.nodes[op.inputs[1]].shape
            if fused, let dw = dx[0], let da = dx[1] {
                Kernels.fusedReadBackward(items(op), s[0], s[1], f(x[0]), stride(op.inputs[0]), f(x[1]), stride(op.inputs[1]), f(dy), f(dw), f(da))
                break
            }
            Kernels.vecmatBackward(items(op), s[0], s[1], x[0], stride(op.inputs[0]), x[1], stride(op.inputs[1]), dy, dx[0], dx[1])
        case .outer:
            let n = itemCount(op.inputs[0]), m = itemCount(op.inputs[1])
            Kernels.outerBackward(items(op), n, m, x[0], stride(op.inputs[0]), x[1], stride(op.inputs[1]), dy, dx[0], dx[1])
        case .sumLast:
            if let d = dx[0] {
                let L = program.nodes[inNode].last
                for r in 0..<rows(inNode) { for i in 0..<L { d[r * L + i] += dy[r] } }
            }
        case .softmaxLast:
            guard let d = dx[0] else { break }
            if fused { Kernels.fusedSoftmaxBackward(rows(inNode), program.nodes[inNode].last, f(x[0]), f(y), f(dy), f(d)); break }
            Kernels.softmaxBackward(rows(inNode), program.nodes[inNode].last, y, dy, d)
        case .cosine(let eps):
            let s = program.nodes[op.inputs[1]].shape
            if fused && Float(eps) == CosineSimilarity.epsilon, let dk = dx[0], let da = dx[1] {
                Kernels.fusedCosineBackward(items(op), s[0], s[1], f(x[0]), stride(op.inputs[0]), f(x[1]), stride(op.inputs[1]),
                                            f(y), f(dy), f(dk), f(da), f(scratchBuffer))
                break
            }
            Kernels.cosineBackward(items(op), s[0], s[1], S(eps), x[0], stride(op.inputs[0]), x[1], stride(op.inputs[1]),
                                   dy, dx[0], dx[1])
        case .circularShift:
            if fused, let dw = dx[0], let ds = dx[1] {
                Kernels.fusedShiftBackward(items(op), itemCount(inNode), itemCount(op.inputs[1]), f(x[0]), stride(op.inputs[0]),
                                           f(x[1]), stride(op.inputs[1]), f(dy), f(dw), f(ds))
                break
            }
            Kernels.shiftBackward(items(op), itemCount(inNode), itemCount(op.inputs[1]),
                                  x[0], stride(op.inputs[0]), x[1], stride(op.inputs[1]), dy, dx[0], dx[1])
        case .sharpen(let eps):
            if fused && Float(eps) == Sharpening.epsilon, let dw = dx[0], let dg = dx[1] {
                Kernels.fusedSharpenBackward(items(op), itemCount(inNode), f(x[0]), stride(op.inputs[0]), f(x[1]), stride(op.inputs[1]),
                                             f(y), f(dy), f(dw), f(dg))
                break
            }
            Kernels.sharpenBackward(items(op), itemCount(inNode), S(eps), x[0], stride(op.inputs[0]), x[1], stride(op.inputs[1]),
                                    y, dy, dx[0], dx[1])
        case .interpolate:
            Kernels.interpolateBackward(items(op), itemCount(outNode), x[0], stride(op.inputs[0]), x[1], stride(op.inputs[1]),
                                        x[2], stride(op.inputs[2]), dy, dx[0], dx[1], dx[2])
        case .eraseAddWrite:
            let s = program.nodes[inNode].shape
            if fused, let d0 = dx[0], let d1 = dx[1], let d2 = dx[2], let d3 = dx[3] {
                Kernels.fusedEraseAddBackward(items(op), s[0], s[1], x.map(f), op.inputs.map(stride), f(dy), [f(d0), f(d1), f(d2), f(d3)])
                break
            }
            Kernels.eraseAddBackward(items(op), s[0], s[1], x, op.inputs.map(stride), dy, dx)
        case .additiveWrite:
            let s = program.nodes[inNode].shape
            Kernels.additiveWriteBackward(items(op), s[0], s[1], x, op.inputs.map(stride), dy, dx)
        case .concatLast:
            Kernels.concatBackward(items(op), op.inputs.map { (itemCount($0) / program.nodes[$0].last, program.nodes[$0].last, stride($0)) },
                                   program.nodes[outNode].last, dy, dx)
        case .sliceLast(let start, let count):
            if let d = dx[0] {
                let L = program.nodes[inNode].last
                for r in 0..<rows(inNode) { for i in 0..<count { d[r * L + start + i] += dy[r * count + i] } }
            }
        case .reshape: if let d = dx[0] { for i in 0..<size(outNode) { d[i] += dy[i] } }
        case .transpose:
            if let d = dx[0] {
                let s = program.nodes[inNode].shape
                Kernels.transposeBackward(items(op), s[0], s[1], dy, d)
            }
        case .broadcastBatch:
            if let d = dx[0] {
                let n = itemCount(inNode)
                for b in 0..<batch { for i in 0..<n { d[i] += dy[b * n + i] } }
            }
        case .cumprodLast(let exclusive):
            if let d = dx[0] { Kernels.cumprodBackward(rows(inNode), program.nodes[inNode].last, exclusive, x[0], dy, d) }
        case .sortLast, .topK:
            if let d = dx[0] {
                let L = program.nodes[inNode].last, k = program.nodes[outNode].last
                let idx = value(op.outputs[1], t)
                for r in 0..<rows(inNode) { for i in 0..<k { d[r * L + idx[r * k + i].index] += dy[r * k + i] } }
            }
        case .gatherLast:
            let xl = program.nodes[inNode].last, il = program.nodes[op.inputs[1]].last
            if let d = dx[0] {
                Kernels.gatherBackward(items(op), itemCount(op.inputs[1]) / il, xl, il, stride(op.inputs[0]), x[1], stride(op.inputs[1]), dy, d)
            }
        case .scatterLast(let n):
            let k = program.nodes[inNode].last
            if let d = dx[0] {
                Kernels.scatterBackward(items(op), itemCount(inNode) / k, k, n, stride(op.inputs[0]), x[1], stride(op.inputs[1]), dy, d)
            }
        case .oneHot, .stopGradient: break
        }
    }

    /// The strided view of a broadcasting binary op: item shape padded to rank 3, each operand's
    /// strides (0 along repeated axes) and batch strides.
    func broadcast(_ op: Op) -> Kernels.Broadcast {
        let out = program.nodes[op.outputs[0]].shape
        precondition(out.count <= 3, "element-wise ops support items of rank up to 3, got \(out)")
        let dims = [Int](repeating: 1, count: 3 - out.count) + out
        func strides(_ node: Int) -> (item: [Int], batch: Int) {
            let s = program.nodes[node].shape
            let padded = [Int](repeating: 1, count: 3 - s.count) + s
            var st = [0, 0, 0], acc = 1
            for d in Swift.stride(from: 2, through: 0, by: -1) {
                st[d] = padded[d] == 1 && dims[d] != 1 ? 0 : acc
                acc *= padded[d]
            }
            return (st, stride(node))
        }
        let a = strides(op.inputs[0]), b = strides(op.inputs[1])
        return Kernels.Broadcast(items: items(op), dims: dims, aStrides: a.item, aBatch: a.batch,
                                 bStrides: b.item, bBatch: b.batch,
                                 flat: program.nodes[op.inputs[0]].shape == out && program.nodes[op.inputs[1]].shape == out
                                    && isBatched(op.inputs[0]) == isBatched(op.inputs[1]))
    }
}
