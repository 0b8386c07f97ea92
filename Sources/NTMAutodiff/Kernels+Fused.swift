// The kit's hand-fused NTM kernels (NTMMemory) as the Float kernels of the memory ops: in Float a
// program runs the same vectorised loops as the fused NTM, one batch item at a time; in Double (the
// gradient checks) the generic loops of Kernels+Addressing and Kernels+Memory run. Each fused kernel
// adds into its gradients, as the ops require (GradientConvention).
import NTMCore
import NTMMemory

extension Kernels {
    /// Cosine similarity of item `b` of the key and memory; `norms` is `[N]` of scratch.
    static func fusedCosineForward(_ B: Int, _ N: Int, _ M: Int, _ k: UnsafeMutablePointer<Float>, _ sk: Int,
                                   _ a: UnsafeMutablePointer<Float>, _ sa: Int, _ y: UnsafeMutablePointer<Float>,
                                   _ norms: UnsafeMutablePointer<Float>) {
        for b in 0..<B {
            CosineSimilarity.forward(similarity: y + b * N, rowNorms: norms, key: k + b * sk, memory: a + b * sa, rows: N, width: M)
        }
    }

    static func fusedCosineBackward(_ B: Int, _ N: Int, _ M: Int, _ k: UnsafeMutablePointer<Float>, _ sk: Int,
                                    _ a: UnsafeMutablePointer<Float>, _ sa: Int, _ y: UnsafeMutablePointer<Float>,
                                    _ dy: UnsafeMutablePointer<Float>, _ dk: UnsafeMutablePointer<Float>,
                                    _ da: UnsafeMutablePointer<Float>, _ norms: UnsafeMutablePointer<Float>) {
        for b in 0..<B {
            let kb = k + b * sk, ab = a + b * sa
            // The forward's norms, recomputed exactly as it computed them.
            let keyNorm = dot(kb, kb, M).squareRoot()
            for n in 0..<N { norms[n] = dot(ab + n * M, ab + n * M, M).squareRoot() }
            CosineSimilarity.backward(similarityGradient: dy + b * N, similarity: y + b * N, rowNorms: norms, keyNorm: keyNorm,
                                      key: kb, memory: ab, rows: N, width: M, keyGradient: dk + b * sk, memoryGradient: da + b * sa)
        }
    }

    static func fusedSoftmaxForward(_ R: Int, _ L: Int, _ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        for r in 0..<R { Softmax.forward(output: y + r * L, input: x + r * L, count: L) }
    }

    static func fusedSoftmaxBackward(_ R: Int, _ L: Int, _ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                                     _ dy: UnsafeMutablePointer<Float>, _ dx: UnsafeMutablePointer<Float>) {
        for r in 0..<R {
            Softmax.backward(outputGradient: dy + r * L, output: y + r * L, input: x + r * L, count: L, inputGradient: dx + r * L)
        }
    }

    static func fusedShiftForward(_ B: Int, _ N: Int, _ K: Int, _ w: UnsafeMutablePointer<Float>, _ sw: Int,
                                  _ s: UnsafeMutablePointer<Float>, _ ss: Int, _ y: UnsafeMutablePointer<Float>) {
        for b in 0..<B { CircularShift.forward(output: y + b * N, input: w + b * sw, shifts: s + b * ss, shiftRange: K / 2, count: N) }
    }

    static func fusedShiftBackward(_ B: Int, _ N: Int, _ K: Int, _ w: UnsafeMutablePointer<Float>, _ sw: Int,
                                   _ s: UnsafeMutablePointer<Float>, _ ss: Int, _ dy: UnsafeMutablePointer<Float>,
                                   _ dw: UnsafeMutablePointer<Float>, _ ds: UnsafeMutablePointer<Float>) {
        for b in 0..<B {
            CircularShift.backward(outputGradient: dy + b * N, input: w + b * sw, shifts: s + b * ss, shiftRange: K / 2, count: N,
                                   inputGradient: dw + b * sw, shiftGradient: ds + b * ss)
        }
    }

    static func fusedSharpenForward(_ B: Int, _ N: Int, _ w: UnsafeMutablePointer<Float>, _ sw: Int,
                                    _ gamma: UnsafeMutablePointer<Float>, _ sg: Int, _ y: UnsafeMutablePointer<Float>) {
        for b in 0..<B { Sharpening.forward(output: y + b * N, input: w + b * sw, gamma: gamma[b * sg], count: N) }
    }

    static func fusedSharpenBackward(_ B: Int, _ N: Int, _ w: UnsafeMutablePointer<Float>, _ sw: Int,
                                     _ gamma: UnsafeMutablePointer<Float>, _ sg: Int, _ y: UnsafeMutablePointer<Float>,
                                     _ dy: UnsafeMutablePointer<Float>, _ dw: UnsafeMutablePointer<Float>,
                                     _ dgamma: UnsafeMutablePointer<Float>) {
        for b in 0..<B {
            Sharpening.backward(outputGradient: dy + b * N, output: y + b * N, input: w + b * sw, gamma: gamma[b * sg], count: N,
                                inputGradient: dw + b * sw, gammaGradient: dgamma + b * sg)
        }
    }

    static func fusedReadForward(_ B: Int, _ N: Int, _ M: Int, _ w: UnsafeMutablePointer<Float>, _ sw: Int,
                                 _ a: UnsafeMutablePointer<Float>, _ sa: Int, _ y: UnsafeMutablePointer<Float>) {
        for b in 0..<B { WeightedRead.forward(output: y + b * M, weighting: w + b * sw, memory: a + b * sa, rows: N, width: M) }
    }

    static func fusedReadBackward(_ B: Int, _ N: Int, _ M: Int, _ w: UnsafeMutablePointer<Float>, _ sw: Int,
                                  _ a: UnsafeMutablePointer<Float>, _ sa: Int, _ dy: UnsafeMutablePointer<Float>,
                                  _ dw: UnsafeMutablePointer<Float>, _ da: UnsafeMutablePointer<Float>) {
        for b in 0..<B {
            WeightedRead.backward(outputGradient: dy + b * M, weighting: w + b * sw, memory: a + b * sa, rows: N, width: M,
                                  weightingGradient: dw + b * sw, memoryGradient: da + b * sa)
        }
    }

    static func fusedEraseAddForward(_ B: Int, _ N: Int, _ M: Int, _ x: [UnsafeMutablePointer<Float>], _ s: [Int],
                                     _ y: UnsafeMutablePointer<Float>) {
        for b in 0..<B {
            EraseAddWrite.forward(output: y + b * N * M, memory: x[0] + b * s[0], weighting: x[1] + b * s[1],
                                  erase: x[2] + b * s[2], add: x[3] + b * s[3], rows: N, width: M)
        }
    }

    static func fusedEraseAddBackward(_ B: Int, _ N: Int, _ M: Int, _ x: [UnsafeMutablePointer<Float>], _ s: [Int],
                                      _ dy: UnsafeMutablePointer<Float>, _ dx: [UnsafeMutablePointer<Float>]) {
        for b in 0..<B {
            EraseAddWrite.backward(outputGradient: dy + b * N * M, memory: x[0] + b * s[0], weighting: x[1] + b * s[1],
                                   erase: x[2] + b * s[2], add: x[3] + b * s[3], rows: N, width: M,
                                   memoryGradient: dx[0] + b * s[0], weightingGradient: dx[1] + b * s[1],
                                   eraseGradient: dx[2] + b * s[2], addGradient: dx[3] + b * s[3])
        }
    }
}
