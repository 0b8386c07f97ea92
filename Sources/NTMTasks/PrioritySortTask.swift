// The priority sort task of Graves et al. (2014, § 4.5): read vectors with scalar priorities, then
// write the highest-priority ones back in order of priority.
import NTMCore

/// Priority sort: `N` random `bits`-bit vectors, each with a scalar priority on an extra input channel,
/// a delimiter, then `K = min(outputCount, N)` steps of zero input during which the target is the `K`
/// vectors of highest priority, sorted by priority, highest first. `T = N + 1 + K`.
///
/// ```
/// step:      0          1          …   N-1          N        N+1 .. N+K
/// input:     x_0, p_0   x_1, p_1   …   x_N-1, p_N-1  delim    0 ...... 0
/// target:    - ...........................................   x_(1) .. x_(K)    (x_(k): k-th highest priority)
/// mask:      0 ...........................................   1 ...... 1
/// ```
///
/// Input channels (`X = bits + 2`): `0 ..< bits` the vectors; `bits` the priority (at the input steps
/// only); `bits + 1` the delimiter, `1` at step `N` only. Target channels (`Y = bits`).
///
/// Priorities are uniform in `[-1, 1)` (`RandomSource.uniform(-1, 1)`; the paper says `[-1, 1]`, the
/// missing endpoint has probability zero anyway). Ties have probability ~`N²·2⁻²⁵` and are broken by
/// input position, the earlier vector first, so the target is always well defined. The paper used
/// `N = 20` inputs and `K = 16` outputs (the defaults); when a batch has fewer than `outputCount`
/// inputs, all of them are sorted. `N` is drawn once per batch from `minLength...maxLength` (both 20
/// by default; `Batch.length` is `N`); then, per sequence, each vector's bits (fair coins) followed by
/// its priority.
public struct PrioritySortTask: SequenceTask {
    public let bits: Int
    public let minLength: Int
    public let maxLength: Int
    public let outputCount: Int

    public init(bits: Int = 8, minLength: Int = 20, maxLength: Int = 20, outputCount: Int = 16) {
        precondition(bits > 0 && minLength >= 1 && maxLength >= minLength && outputCount >= 1,
                     "priority sort needs bits > 0, 1 <= minLength <= maxLength and outputCount >= 1")
        self.bits = bits
        self.minLength = minLength
        self.maxLength = maxLength
        self.outputCount = outputCount
    }

    public var name: String { "priority-sort" }
    public var inputWidth: Int { bits + 2 }
    public var outputWidth: Int { bits }

    /// Number of output steps for `length` inputs: `min(outputCount, length)`.
    public func outputSteps(length: Int) -> Int { min(outputCount, length) }

    /// Number of steps of a sequence of `length` inputs.
    public func steps(length: Int) -> Int { length + 1 + outputSteps(length: length) }

    public func steps(at point: TaskPoint) -> Int { steps(length: point.length) }

    public func makeBatch(batchSize B: Int, length: Int?, rng: inout RandomSource) -> Batch {
        let N = length ?? rng.int(in: minLength...maxLength)
        precondition(N >= 1 && B >= 1, "priority sort batches need length >= 1 and batch >= 1")
        let K = outputSteps(length: N), T = steps(length: N), X = bits + 2, Y = bits
        var inputs = [Float](repeating: 0, count: T * B * X)
        var targets = [Float](repeating: 0, count: T * B * Y)
        var mask = [Float](repeating: 0, count: T)
        var priorities = [Float](repeating: 0, count: N)
        for b in 0..<B {
            for t in 0..<N {
                for i in 0..<bits { inputs[(t * B + b) * X + i] = rng.bit() ? 1 : 0 }
                priorities[t] = rng.uniform(-1, 1)
                inputs[(t * B + b) * X + bits] = priorities[t]
            }
            inputs[(N * B + b) * X + bits + 1] = 1
            let order = (0..<N).sorted { priorities[$0] > priorities[$1] || (priorities[$0] == priorities[$1] && $0 < $1) }
            for k in 0..<K {
                for i in 0..<bits {
                    targets[((N + 1 + k) * B + b) * Y + i] = inputs[(order[k] * B + b) * X + i]
                }
            }
        }
        for t in (N + 1)..<T { mask[t] = 1 }
        return Batch(inputs: Tensor(shape: [T, B, X], values: inputs), targets: Tensor(shape: [T, B, Y], values: targets),
                     mask: Tensor(shape: [T], values: mask), length: N)
    }
}
