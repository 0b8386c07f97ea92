// The dynamic N-grams task of Graves et al. (2014, § 4.4): predict the next bit of a sequence drawn
// from a fresh random 6-gram distribution, and the optimal Bayesian predictor to compare with.
import NTMCore

/// Dynamic N-grams: each sequence gets a fresh lookup table of `2^n` probabilities (`n = contextBits`,
/// the paper's `n = 5`, i.e. 6-grams: 32 probabilities), one per `n`-bit context, each drawn from
/// `Beta(1/2, 1/2)`; then a sequence of `length` bits (the paper's 200), where the first `n` bits are
/// fair coins and every later bit is `1` with the probability that the table gives to the `n` bits
/// before it. The network reads the sequence one bit at a time and predicts the next one.
///
/// ```
/// step:      0     1     2    …   n      n+1    …   T-1
/// input:     0     b_0   b_1  …   b_n-1  b_n    …   b_T-2      (1 channel)
/// target:    b_0   b_1   b_2  …   b_n    b_n+1  …   b_T-1      (1 channel)
/// mask:      0     0     0    …   1      1      …   1
/// ```
///
/// The context of bit `t` is `c_t = Σ_{k=1..n} b_{t-k} 2^{k-1}` (the most recent bit is the least
/// significant).
///
/// **Mask from step `n`.** The first `n` bits are fair coins that no predictor, the optimal one
/// included, can predict better than `1/2` (1 bit of cost each), and they have no full context; they
/// are masked out so the cost measures only what can be learnt, and so it is directly comparable with
/// ``bayesianCost(of:)``, the cost of the optimal estimator over the same steps. Add `n` bits to
/// compare with a cost counted over the whole sequence.
///
/// **Beta(1/2, 1/2) draws.** `Beta(1/2, 1/2)` is the arcsine distribution, with CDF
/// `F(x) = (2/π) arcsin √x`; inverting it gives the exact sampler `p = sin²(π U / 2)` for `U` uniform
/// on `[0, 1)` (one `uniformDouble()` per table entry).
///
/// Draws, per sequence in batch order: the table (entry `0` first), then the first `n` bits
/// (`bit()`), then one `uniformDouble()` per later bit (`1` when it is below the table's probability).
/// The length is fixed (``sequenceLength``) unless `makeBatch` is given one; `Batch.length` is `T`.
public struct NGramTask: SequenceTask {
    public let contextBits: Int
    public let sequenceLength: Int

    public init(contextBits: Int = 5, sequenceLength: Int = 200) {
        precondition(contextBits >= 1 && contextBits <= 20, "N-grams need 1 <= contextBits <= 20")
        precondition(sequenceLength > contextBits, "N-gram sequences must be longer than their context")
        self.contextBits = contextBits
        self.sequenceLength = sequenceLength
    }

    public var name: String { "ngrams" }
    public var inputWidth: Int { 1 }
    public var outputWidth: Int { 1 }

    /// Number of contexts, `2^contextBits`: the size of each sequence's probability table.
    public var tableSize: Int { 1 << contextBits }

    public func steps(at point: TaskPoint) -> Int { point.length }

    /// A sequence must be longer than its context.
    public var minimumLength: Int { contextBits + 1 }

    /// One draw from `Beta(1/2, 1/2)`: `sin²(π U / 2)`.
    public static func arcsineDraw(rng: inout RandomSource) -> Double {
        let s = KitMath.sin(Double.pi * rng.uniformDouble() / 2)
        return s * s
    }

    public func makeBatch(batchSize B: Int, length: Int?, rng: inout RandomSource) -> Batch {
        let T = length ?? sequenceLength
        precondition(T > contextBits && B >= 1, "N-gram batches need length > contextBits and batch >= 1")
        let n = contextBits, contextMask = tableSize - 1
        var inputs = [Float](repeating: 0, count: T * B)
        var targets = [Float](repeating: 0, count: T * B)
        var table = [Double](repeating: 0, count: tableSize)
        for b in 0..<B {
            for c in 0..<tableSize { table[c] = Self.arcsineDraw(rng: &rng) }
            var context = 0
            for t in 0..<T {
                let one = t < n ? rng.bit() : rng.uniformDouble() < table[context]
                context = ((context << 1) | (one ? 1 : 0)) & contextMask
                targets[t * B + b] = one ? 1 : 0
                if t + 1 < T { inputs[(t + 1) * B + b] = one ? 1 : 0 }
            }
        }
        let mask = (0..<T).map { Float($0 >= n ? 1 : 0) }
        return Batch(inputs: Tensor(shape: [T, B, 1], values: inputs), targets: Tensor(shape: [T, B, 1], values: targets),
                     mask: Tensor(shape: [T], values: mask), length: T)
    }

    // MARK: - Optimal Bayesian predictor

    /// The optimal Bayesian predictor's probabilities that each bit is `1`, `[T, B]` in Double: for
    /// `t >= contextBits`, `(N1_c + 1/2) / (N0_c + N1_c + 1)` where `N0_c`, `N1_c` count the zeros and
    /// ones that followed the context `c = c_t` earlier in the same sequence (the paper's formula, the
    /// posterior mean under the `Beta(1/2, 1/2)` prior); `1/2` for the first `contextBits` bits.
    /// The bits are read from the batch's targets (target `t` is bit `t`).
    public func bayesianProbabilityValues(for batch: Batch) -> [Double] {
        precondition(batch.outputWidth == 1, "N-gram batches have one target channel")
        let T = batch.steps, B = batch.batchSize, n = contextBits, contextMask = tableSize - 1
        var p = [Double](repeating: 0.5, count: T * B)
        var zeros = [Int](repeating: 0, count: tableSize), ones = [Int](repeating: 0, count: tableSize)
        for b in 0..<B {
            for c in 0..<tableSize { zeros[c] = 0; ones[c] = 0 }
            var context = 0
            for t in 0..<T {
                let one = batch.targets.values[t * B + b] > 0.5
                if t >= n {
                    p[t * B + b] = (Double(ones[context]) + 0.5) / (Double(zeros[context] + ones[context]) + 1)
                    if one { ones[context] += 1 } else { zeros[context] += 1 }
                }
                context = ((context << 1) | (one ? 1 : 0)) & contextMask
            }
        }
        return p
    }

    /// The optimal Bayesian predictor's probabilities as a `[T, B, 1]` tensor (see
    /// ``bayesianProbabilityValues(for:)``), laid out like the batch's targets.
    public func bayesianProbabilities(for batch: Batch) -> Tensor {
        Tensor(shape: [batch.steps, batch.batchSize, 1], values: bayesianProbabilityValues(for: batch).map { Float($0) })
    }

    /// Cost of the optimal Bayesian predictor on `batch`, in bits per sequence: `−log₂ P(b_t)` summed
    /// over the masked steps, averaged over the batch, exactly as the models' cost is counted
    /// (`models.md` § "Loss and metrics").
    public func bayesianCost(of batch: Batch) -> Double {
        let p = bayesianProbabilityValues(for: batch)
        let T = batch.steps, B = batch.batchSize
        var total = 0.0
        for t in 0..<T where batch.mask.values[t] != 0 {
            let m = Double(batch.mask.values[t])
            for b in 0..<B {
                let q = batch.targets.values[t * B + b] > 0.5 ? p[t * B + b] : 1 - p[t * B + b]
                total -= m * KitMath.log2(q)
            }
        }
        return total / Double(B)
    }

    /// Cost of always predicting `1/2`, in bits per sequence: one bit per masked step.
    public func chanceCost(of batch: Batch) -> Double {
        batch.mask.values.reduce(0) { $0 + Double($1) }
    }
}
