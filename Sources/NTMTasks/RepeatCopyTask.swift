// The repeat copy task of Graves et al. (2014, § 4.2): read a sequence and a repeat count, then write
// the sequence back that many times and mark the end.
import NTMCore

/// Repeat copy: a start delimiter, `L` random `bits`-bit vectors, the repeat count `R` on its own
/// input channel, then `R·L + 1` steps of zero input during which the target is the sequence `R` times
/// over followed by an end marker. `T = (R + 1)·L + 3`.
///
/// ```
/// step:      0       1 .. L        L+1     L+2 ........................ L+1+R·L    L+2+R·L
/// input:     start   x_1 .. x_L    ρ(R)    0 ................................ 0     0
/// target:    - ..................  -       x_1 .. x_L  x_1 .. x_L  …  (R times)     end
/// mask:      0 ..................  0       1 ........................................ 1
/// ```
///
/// Input channels (`X = bits + 2`): `0 ..< bits` the vectors; `bits` the start delimiter, `1` at
/// step 0 only; `bits + 1` the repeat count, `ρ(R)` at step `L + 1` only (the count step also ends
/// the input phase: output starts at the next step).
/// Target channels (`Y = bits + 1`): `0 ..< bits` the copies; `bits` the end marker, `1` at the last
/// step only. The mask covers the whole output phase, the end-marker step included, so the end-marker
/// channel is also trained to stay `0` during the copies (emitting the end at the right time is the
/// part of the task that needs counting).
///
/// **Count encoding.** The paper says only that "the input representing the repeat number was
/// normalised to have mean zero and variance one". The default, ``RepeatEncoding/standardized``, does
/// exactly that over the *training* distribution: `ρ(R) = (R − μ) / σ` with `μ` and `σ` the mean and
/// standard deviation of `R` uniform on `minRepeats...maxRepeats` (`μ = (min + max) / 2`,
/// `σ² = ((max − min + 1)² − 1) / 12`; for the paper's `1...10`: `μ = 5.5`, `σ ≈ 2.872`). The same
/// `μ`, `σ` are used for counts outside the training range, so generalisation tests feed values the
/// network has never seen (e.g. `R = 20` → `5.05`), as in the paper's Figure 7. Because the count step
/// must never be blank (a blank step would look like an all-zero vector of the sequence, and the
/// network could not tell where the input ends), the standardized encoding needs a training range
/// whose mean is not an integer, i.e. `minRepeats + maxRepeats` odd (the paper's range is); otherwise
/// use ``RepeatEncoding/fractionOfMaximum``, `ρ(R) = R / maxRepeats`, which is positive for every
/// `R ≥ 1`.
///
/// Every bit is an independent fair coin. `L` and `R` are drawn once per batch (in that order), each
/// uniformly from its training range, so a batch holds equal-length sequences;
/// ``makeBatch(batchSize:length:repeats:rng:)`` fixes either or both, for evaluation beyond the
/// training range. `Batch.length` is `L`; ``repeats(of:)`` recovers `R` from a batch's shape.
public struct RepeatCopyTask: SequenceTask {
    /// How the repeat count is written on its input channel.
    public enum RepeatEncoding: String, Sendable, Equatable, CaseIterable {
        /// `(R − μ) / σ`, with `μ`, `σ` the mean and standard deviation of the training range (the paper's).
        case standardized
        /// `R / maxRepeats`.
        case fractionOfMaximum
    }

    public let bits: Int
    public let minLength: Int
    public let maxLength: Int
    public let minRepeats: Int
    public let maxRepeats: Int
    public let encoding: RepeatEncoding

    /// Defaults are the paper's: 8-bit vectors, `L` and `R` both uniform in `1...10`.
    public init(bits: Int = 8, minLength: Int = 1, maxLength: Int = 10, minRepeats: Int = 1, maxRepeats: Int = 10,
                encoding: RepeatEncoding = .standardized) {
        precondition(bits > 0 && minLength >= 1 && maxLength >= minLength,
                     "repeat copy needs bits > 0 and 1 <= minLength <= maxLength")
        precondition(minRepeats >= 1 && maxRepeats >= minRepeats, "repeat copy needs 1 <= minRepeats <= maxRepeats")
        precondition(encoding != .standardized || (minRepeats + maxRepeats) % 2 == 1,
                     "standardized repeat counts need minRepeats + maxRepeats odd (else R = mean encodes as a blank step); use .fractionOfMaximum")
        self.bits = bits
        self.minLength = minLength
        self.maxLength = maxLength
        self.minRepeats = minRepeats
        self.maxRepeats = maxRepeats
        self.encoding = encoding
    }

    public var name: String { "repeat-copy" }
    public var inputWidth: Int { bits + 2 }
    public var outputWidth: Int { bits + 1 }

    /// Mean of the repeat count over the training range.
    public var repeatMean: Double { Double(minRepeats + maxRepeats) / 2 }

    /// Standard deviation of the repeat count over the training range (discrete uniform).
    public var repeatStandardDeviation: Double {
        let n = Double(maxRepeats - minRepeats + 1)
        return ((n * n - 1) / 12).squareRoot()
    }

    /// The value written on the repeat-count channel for `R` repeats.
    public func encodedRepeats(_ repeats: Int) -> Float {
        switch encoding {
        case .standardized: return Float((Double(repeats) - repeatMean) / repeatStandardDeviation)
        case .fractionOfMaximum: return Float(Double(repeats) / Double(maxRepeats))
        }
    }

    /// Number of steps of a sequence of `length` vectors repeated `repeats` times.
    public func steps(length: Int, repeats: Int) -> Int { (repeats + 1) * length + 3 }

    public func steps(at point: TaskPoint) -> Int { steps(length: point.length, repeats: point.repeats ?? maxRepeats) }

    /// Fixes `L` and, when the point has one, `R` (otherwise `R` is drawn from the training range).
    public func makeBatch(batchSize: Int, point: TaskPoint, rng: inout RandomSource) -> Batch {
        makeBatch(batchSize: batchSize, length: point.length, repeats: point.repeats, rng: &rng)
    }

    /// Curriculum level `k` is `L = k` with the repeat count at the same place of its range:
    /// `R = minRepeats + round((k − minLength)·(maxRepeats − minRepeats) / (maxLength − minLength))`,
    /// at least 1 (`R = k` for the paper's ranges, both `1...10`; `maxRepeats` when `minLength == maxLength`).
    public func point(level: Int) -> TaskPoint {
        guard maxLength > minLength else { return TaskPoint(length: level, repeats: maxRepeats) }
        let scaled = Double(level - minLength) * Double(maxRepeats - minRepeats) / Double(maxLength - minLength)
        return TaskPoint(length: level, repeats: max(1, minRepeats + Int(scaled.rounded())))
    }

    /// The repeat count of a batch made by this task, from its number of steps and length.
    public func repeats(of batch: Batch) -> Int { (batch.steps - 3) / batch.length - 1 }

    public func makeBatch(batchSize B: Int, length: Int?, rng: inout RandomSource) -> Batch {
        makeBatch(batchSize: B, length: length, repeats: nil, rng: &rng)
    }

    /// Draws a batch; `length` and `repeats` each fix `L` and `R`, or draw them from the training
    /// range when `nil` (`L` first, then `R`).
    public func makeBatch(batchSize B: Int, length: Int?, repeats: Int?, rng: inout RandomSource) -> Batch {
        let L = length ?? rng.int(in: minLength...maxLength)
        let R = repeats ?? rng.int(in: minRepeats...maxRepeats)
        precondition(L >= 1 && R >= 1 && B >= 1, "repeat copy batches need length >= 1, repeats >= 1, batch >= 1")
        let T = steps(length: L, repeats: R), X = bits + 2, Y = bits + 1
        let outputStart = L + 2
        var inputs = [Float](repeating: 0, count: T * B * X)
        var targets = [Float](repeating: 0, count: T * B * Y)
        var mask = [Float](repeating: 0, count: T)
        for t in 0..<L {
            for b in 0..<B {
                for i in 0..<bits {
                    let v: Float = rng.bit() ? 1 : 0
                    inputs[((1 + t) * B + b) * X + i] = v
                    for r in 0..<R { targets[((outputStart + r * L + t) * B + b) * Y + i] = v }
                }
            }
        }
        let count = encodedRepeats(R)
        for b in 0..<B {
            inputs[b * X + bits] = 1
            inputs[((L + 1) * B + b) * X + bits + 1] = count
            targets[((T - 1) * B + b) * Y + bits] = 1
        }
        for t in outputStart..<T { mask[t] = 1 }
        return Batch(inputs: Tensor(shape: [T, B, X], values: inputs), targets: Tensor(shape: [T, B, Y], values: targets),
                     mask: Tensor(shape: [T], values: mask), length: L)
    }
}
