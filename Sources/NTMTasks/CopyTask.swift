// The copy task of Graves et al. (2014): read a sequence of random bit vectors, then write it back.
import NTMCore

/// Copy: `L` random `bits`-bit vectors, a delimiter on an extra input channel, then `L` steps of
/// zero input during which the target is the sequence. `T = 2L + 1`.
///
/// ```
/// step:      0 .. L-1     L        L+1 .. 2L
/// input:     x_1 .. x_L   delim    0 ....... 0      (bits + 1 channels; delimiter on the last)
/// target:    - ........   -        x_1 .. x_L       (bits channels)
/// mask:      0 ........   0        1 ....... 1
/// ```
///
/// Every bit is an independent fair coin. The length is drawn uniformly from `minLength...maxLength`
/// once per batch, so a batch holds equal-length sequences.
public struct CopyTask: SequenceTask {
    public let bits: Int
    public let minLength: Int
    public let maxLength: Int

    public init(bits: Int = 8, minLength: Int = 1, maxLength: Int = 20) {
        precondition(bits > 0 && minLength >= 1 && maxLength >= minLength, "copy task needs bits > 0 and 1 <= min <= max")
        self.bits = bits
        self.minLength = minLength
        self.maxLength = maxLength
    }

    public var name: String { "copy" }
    public var inputWidth: Int { bits + 1 }
    public var outputWidth: Int { bits }

    public func steps(at point: TaskPoint) -> Int { 2 * point.length + 1 }

    public func makeBatch(batchSize B: Int, length: Int?, rng: inout RandomSource) -> Batch {
        let L = length ?? rng.int(in: minLength...maxLength)
        precondition(L >= 1 && B >= 1, "copy batches need length >= 1 and batch >= 1")
        let T = 2 * L + 1, X = bits + 1, Y = bits
        var inputs = [Float](repeating: 0, count: T * B * X)
        var targets = [Float](repeating: 0, count: T * B * Y)
        var mask = [Float](repeating: 0, count: T)
        for t in 0..<L {
            for b in 0..<B {
                for i in 0..<bits {
                    let v: Float = rng.bit() ? 1 : 0
                    inputs[(t * B + b) * X + i] = v
                    targets[((L + 1 + t) * B + b) * Y + i] = v
                }
            }
        }
        for b in 0..<B { inputs[(L * B + b) * X + bits] = 1 }
        for t in (L + 1)..<T { mask[t] = 1 }
        return Batch(inputs: Tensor(shape: [T, B, X], values: inputs), targets: Tensor(shape: [T, B, Y], values: targets),
                     mask: Tensor(shape: [T], values: mask), length: L)
    }
}
