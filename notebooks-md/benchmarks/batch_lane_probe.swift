// Probe: do the NTM's addressing operations vectorised across a batch (memory laid out [N, M, B], one lane
// per sequence) give the per-sequence kernels' bits, and how much faster are they? Cosine similarity and
// the content softmax, forward, at the paper's sizes and a shard of 16 sequences.
import Foundation

let B = 16, N = 128, M = 20
typealias Lanes = SIMD16<Float>

var seed: UInt64 = 3
func rnd(_ lo: Float, _ hi: Float) -> Float {
    seed = seed &* 6364136223846793005 &+ 1442695040888963407
    return lo + (hi - lo) * Float(seed >> 40) / Float(1 << 24)
}
func alloc(_ n: Int) -> UnsafeMutablePointer<Float> {
    let p = UnsafeMutablePointer<Float>.allocate(capacity: n); p.initialize(repeating: 0, count: n); return p
}

// Per-sequence layout: memory [B][N][M], keys [B][M]; batch-lane layout: memory [N][M][B], keys [M][B].
let mem = alloc(B * N * M), key = alloc(B * M), beta = alloc(B)
for i in 0..<(B * N * M) { mem[i] = rnd(-1, 1) }
for i in 0..<(B * M) { key[i] = rnd(-1, 1) }
for b in 0..<B { beta[b] = rnd(0.5, 20) }
let memL = UnsafeMutableRawPointer.allocate(byteCount: N * M * B * 4, alignment: 64).bindMemory(to: Float.self, capacity: N * M * B)
let keyL = alloc(M * B)
for b in 0..<B { for n in 0..<N { for m in 0..<M { memL[(n * M + m) * B + b] = mem[(b * N + n) * M + m] } } }
for b in 0..<B { for m in 0..<M { keyL[m * B + b] = key[b * M + m] } }
@inline(__always) func lanes(_ p: UnsafePointer<Float>) -> Lanes { UnsafeRawPointer(p).loadUnaligned(as: Lanes.self) }

// Per-sequence: today's kernels, one sequence after another.
let K1 = alloc(B * N), norms1 = alloc(B * N), w1 = alloc(B * N)
func perSequence() {
    for b in 0..<B {
        CosineSimilarity.forward(similarity: K1 + b * N, rowNorms: norms1 + b * N, key: key + b * M,
                                 memory: mem + b * N * M, rows: N, width: M)
        Softmax.forward(output: w1 + b * N, input: K1 + b * N, count: N, beta: beta[b])
    }
}

/// `dot` of VectorOps for width 20, one lane per sequence: eight partial sums over columns l, l + 8
/// (and l + 16 for l < 4), then added left to right from -0, as `SIMD8.sum()` does.
@inline(__always) func dot20(_ a: (Int) -> Lanes, _ c: (Int) -> Lanes) -> Lanes {
    var s = Lanes(repeating: -0.0)
    for l in 0..<8 {
        var acc = Lanes() + a(l) * c(l)
        acc += a(l + 8) * c(l + 8)
        if l < 4 { acc += a(l + 16) * c(l + 16) }
        s += acc
    }
    return s
}

let KL = alloc(N * B), normsL = alloc(N * B), wL = alloc(N * B)
func batchLanes() {
    let k = { (m: Int) in lanes(keyL + m * B) }
    let keyNorm = dot20(k, k).squareRoot()
    let b8 = UnsafeRawPointer(beta).loadUnaligned(as: Lanes.self)
    var maxV = Lanes(repeating: -.infinity)
    for n in 0..<N {
        let row = memL + n * M * B
        let r = { (m: Int) in lanes(row + m * B) }
        let rowNorm = dot20(r, r).squareRoot()
        let K = dot20(k, r) / (keyNorm * rowNorm + CosineSimilarity.epsilon)
        UnsafeMutableRawPointer(normsL + n * B).storeBytes(of: rowNorm, as: Lanes.self)
        UnsafeMutableRawPointer(KL + n * B).storeBytes(of: K, as: Lanes.self)
        let v = b8 * K
        maxV.replace(with: v, where: v .>= maxV)
    }
    var sum = Lanes()
    for n in 0..<N {
        let z = b8 * lanes(KL + n * B) - maxV
        let e = Lanes(lowHalf: exp8(z.lowHalf), highHalf: exp8(z.highHalf))
        UnsafeMutableRawPointer(wL + n * B).storeBytes(of: e, as: Lanes.self)
        sum += e
    }
    let inv = 1 / sum
    for n in 0..<N { UnsafeMutableRawPointer(wL + n * B).storeBytes(of: lanes(wL + n * B) * inv, as: Lanes.self) }
}

perSequence(); batchLanes()
var same = true
for b in 0..<B { for n in 0..<N {
    same = same && K1[b * N + n].bitPattern == KL[n * B + b].bitPattern && norms1[b * N + n].bitPattern == normsL[n * B + b].bitPattern
        && w1[b * N + n].bitPattern == wL[n * B + b].bitPattern
} }
print("bit for bit the same: \(same)")

@inline(never) func time(_ reps: Int, _ body: () -> Void) -> Double {
    let t0 = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<reps { body() }
    return Double(DispatchTime.now().uptimeNanoseconds - t0) / Double(reps) / 1000
}
var a: [Double] = [], c: [Double] = []
for _ in 0..<25 { a.append(time(300, perSequence)); c.append(time(300, batchLanes)) }
print(String(format: "16 sequences, cosine similarity + softmax forward: per sequence %.2f µs, batch lanes %.2f µs (fastest of 25 rounds): %.1fx",
             a.min()!, c.min()!, a.min()! / c.min()!))
