// The associative recall task of Graves et al. (2014, § 4.3): read a list of items, then, given one of
// them as a query, write the item that followed it.
import NTMCore

/// Associative recall: `N` items of `itemSize` random `bits`-bit vectors, each preceded by an item
/// delimiter; then a query delimiter, a query item (a copy of item `q`, `q` uniform in `0 ..< N-1`,
/// so never the last item), a second query delimiter, and `itemSize` steps of zero input during which
/// the target is item `q + 1`. With `S = itemSize + 1` steps per delimited item,
/// `T = (N + 1)·S + 1 + itemSize`.
///
/// ```
/// step:      0   1..S-1     S   S+1..2S-1   …   N·S   N·S+1..N·S+S-1   N·S+S   N·S+S+1 .. T-1
/// input:     ◆   item_0     ◆   item_1      …   ▲     item_q (query)   ▲       0 ........... 0
/// target:    - ..........................................................................  item_{q+1}
/// mask:      0 ..............................................................  0       1 ........... 1
/// ```
///
/// (`◆` the item delimiter, `▲` the query delimiter; with the paper's `itemSize = 3`, `S = 4`.)
///
/// Input channels (`X = bits + 2`): `0 ..< bits` the vectors; `bits` the item delimiter, `1` on the
/// step before each of the `N` items; `bits + 1` the query delimiter, `1` on the step before the query
/// and on the step after it (the second one asks for the answer). Target channels (`Y = bits`): the
/// answer's vectors, at the last `itemSize` steps, which are exactly the masked steps.
///
/// The paper bounds items "on the left and right by a delimiter symbol" and shows an item delimiter
/// and a query delimiter on separate channels (its Figure 10); here each item's right bound is the
/// next item's (or the query's) left delimiter, and the query's right bound is the second query
/// delimiter. The paper used `bits = 6`, `itemSize = 3` and `2...6` items (the defaults). The number
/// of items is drawn once per batch (`Batch.length` = `N`); then, per sequence, the items' bits (fair
/// coins) and the query index. Items are not forced to be distinct (two 18-bit items coincide with
/// probability 2⁻¹⁸); the target is always the item after the queried *position*.
public struct AssociativeRecallTask: SequenceTask {
    public let bits: Int
    public let itemSize: Int
    public let minItems: Int
    public let maxItems: Int

    public init(bits: Int = 6, itemSize: Int = 3, minItems: Int = 2, maxItems: Int = 6) {
        precondition(bits > 0 && itemSize > 0, "associative recall needs bits > 0 and itemSize > 0")
        precondition(minItems >= 2 && maxItems >= minItems, "associative recall needs 2 <= minItems <= maxItems")
        self.bits = bits
        self.itemSize = itemSize
        self.minItems = minItems
        self.maxItems = maxItems
    }

    public var name: String { "associative-recall" }
    public var inputWidth: Int { bits + 2 }
    public var outputWidth: Int { bits }

    /// Number of steps of a sequence of `items` items.
    public func steps(items: Int) -> Int { (items + 1) * (itemSize + 1) + 1 + itemSize }

    public func steps(at point: TaskPoint) -> Int { steps(items: point.length) }

    /// Two items at least: the query is never the last item.
    public var minimumLength: Int { 2 }

    public func makeBatch(batchSize B: Int, length: Int?, rng: inout RandomSource) -> Batch {
        let N = length ?? rng.int(in: minItems...maxItems)
        precondition(N >= 2 && B >= 1, "associative recall batches need >= 2 items and batch >= 1")
        let S = itemSize + 1, T = steps(items: N), X = bits + 2, Y = bits
        let queryStart = N * S, answerStart = queryStart + S + 1
        var inputs = [Float](repeating: 0, count: T * B * X)
        var targets = [Float](repeating: 0, count: T * B * Y)
        var mask = [Float](repeating: 0, count: T)
        for b in 0..<B {
            for n in 0..<N {
                inputs[(n * S * B + b) * X + bits] = 1
                for k in 0..<itemSize {
                    for i in 0..<bits { inputs[((n * S + 1 + k) * B + b) * X + i] = rng.bit() ? 1 : 0 }
                }
            }
            let q = rng.int(in: 0...(N - 2))
            inputs[(queryStart * B + b) * X + bits + 1] = 1
            inputs[((queryStart + S) * B + b) * X + bits + 1] = 1
            for k in 0..<itemSize {
                for i in 0..<bits {
                    inputs[((queryStart + 1 + k) * B + b) * X + i] = inputs[((q * S + 1 + k) * B + b) * X + i]
                    targets[((answerStart + k) * B + b) * Y + i] = inputs[(((q + 1) * S + 1 + k) * B + b) * X + i]
                }
            }
        }
        for t in answerStart..<T { mask[t] = 1 }
        return Batch(inputs: Tensor(shape: [T, B, X], values: inputs), targets: Tensor(shape: [T, B, Y], values: targets),
                     mask: Tensor(shape: [T], values: mask), length: N)
    }
}
