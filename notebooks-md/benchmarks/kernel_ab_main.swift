// Kernel A/B timing for notebooks-md/benchmarks/kernel_ab.sh: the kernels of two revisions side by side in
// one process, alternated round by round at the paper's sizes (memory 128 x 20; the controller's products
// at batch 16 and over a whole length-20 sequence of 16), so that a shared machine's slow spells hit both.
// `Old…`/`old…` names are the first revision's code, the plain names the second's.
import Foundation

func buffer(_ n: Int, _ lo: Float = -1, _ hi: Float = 1, seed: inout UInt64) -> UnsafeMutablePointer<Float> {
    let p = UnsafeMutablePointer<Float>.allocate(capacity: n)
    for i in 0..<n {
        seed = seed &* 6364136223846793005 &+ 1442695040888963407
        p[i] = lo + (hi - lo) * Float(seed >> 40) / Float(1 << 24)
    }
    return p
}

@inline(never) func time(_ reps: Int, _ body: () -> Void) -> Double {
    let t0 = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<reps { body() }
    return Double(DispatchTime.now().uptimeNanoseconds - t0) / Double(reps) / 1000
}

func compare(_ name: String, reps: Int, rounds: Int = 25, old: () -> Void, new: () -> Void) {
    var o: [Double] = [], n: [Double] = [], r: [Double] = []
    for _ in 0..<rounds {
        let a = time(reps, old), b = time(reps, new)
        o.append(a); n.append(b); r.append(b / a)
    }
    r.sort()
    let label = name.padding(toLength: 34, withPad: " ", startingAt: 0)
    print(label + String(format: " old %8.3f µs  new %8.3f µs  (fastest)  new/old: fastest %.3f, median of rounds %.3f",
                         o.min()!, n.min()!, n.min()! / o.min()!, r[r.count / 2]))
}

var seed: UInt64 = 1
let N = 128, M = 20
let mem = buffer(N * M, seed: &seed), w = buffer(N, 0, 0.02, seed: &seed), r = buffer(M, seed: &seed)
compare("WeightedRead.forward 128x20", reps: 2000,
        old: { OldWeightedRead.forward(output: r, weighting: w, memory: mem, rows: N, width: M) },
        new: { WeightedRead.forward(output: r, weighting: w, memory: mem, rows: N, width: M) })

let dws = buffer(N, -1e-3, 1e-3, seed: &seed), wg = buffer(N, 0, 0.02, seed: &seed), s = buffer(3, 0, 0.5, seed: &seed)
let dwg = buffer(N, seed: &seed), ds = buffer(3, seed: &seed)
compare("CircularShift.backward 128, S=1", reps: 4000,
        old: { OldCircularShift.backward(outputGradient: dws, input: wg, shifts: s, shiftRange: 1, count: N,
                                         inputGradient: dwg, shiftGradient: ds) },
        new: { CircularShift.backward(outputGradient: dws, input: wg, shifts: s, shiftRange: 1, count: N,
                                      inputGradient: dwg, shiftGradient: ds) })

let x = buffer(N, seed: &seed), out = buffer(N, seed: &seed)
compare("Softmax.forward 128, beta", reps: 4000,
        old: { OldSoftmax.forward(output: out, input: x, count: N, beta: 7.5) },
        new: { Softmax.forward(output: out, input: x, count: N, beta: 7.5) })

let A = buffer(16 * 400, -0.01, 0.01, seed: &seed), W = buffer(400 * 129, -0.01, 0.01, seed: &seed), C = buffer(16 * 129, seed: &seed)
compare("gemmAccumulate 16x129, K 400", reps: 200,
        old: { old_gemmAccumulate(16, 129, 400, A, rowStrideA: 400, colStrideA: 1, W, 129, C, 129) },
        new: { gemmAccumulate(16, 129, 400, A, rowStrideA: 400, colStrideA: 1, W, 129, C, 129) })

let T = 656
let dy = buffer(T * 400, -0.01, 0.01, seed: &seed), xin = buffer(T * 129, -1, 1, seed: &seed)
let dW = buffer(400 * 129, seed: &seed), scratch = buffer(400 * T, seed: &seed)
compare("gemmAccumulateTN 400x129, K 656", reps: 10,
        old: { old_gemmAccumulateTN(400, 129, T, dy, 400, xin, 129, dW, 129, scratch: scratch) },
        new: { gemmAccumulateTN(400, 129, T, dy, 400, xin, 129, dW, 129, scratch: scratch) })
