// Splitting a kernel's output over threads. Every split is into disjoint output blocks and each
// block is computed exactly as the unsplit kernel would compute it, so a result never depends on
// the thread count: that is what lets `--threads` change speed and nothing else.
import Dispatch

/// How many threads a kernel may use. Kernels that take one split their *output* into contiguous
/// blocks, one per thread, so the numbers are the same for every value.
public struct Parallelism: Sendable, Equatable {
    /// At least 1.
    public let threads: Int

    public init(threads: Int) { self.threads = max(1, threads) }

    /// Everything on the calling thread.
    public static let serial = Parallelism(threads: 1)

    /// Splits `0..<count` into at most `threads` contiguous blocks whose inner bounds are multiples of
    /// `alignment`, and runs `body` on each, in parallel when there is more than one block. Blocks
    /// shorter than `minimumBlock` are not worth a thread: the range is then split into fewer blocks.
    public func forEachBlock(of count: Int, alignment: Int = 8, minimumBlock: Int = 4096,
                             _ body: (Range<Int>) -> Void) {
        let blocks = min(threads, max(1, count / max(minimumBlock, 1)))
        if blocks <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        let bounds = Parallelism.blockBounds(count: count, blocks: blocks, alignment: alignment)
        withoutActuallyEscaping(body) { body in
            // The blocks write disjoint outputs; the caller's pointers are safe to share for the call.
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: blocks) { i in
                if bounds[i] < bounds[i + 1] { shared.value(bounds[i]..<bounds[i + 1]) }
            }
        }
    }

    /// `blocks + 1` increasing bounds from 0 to `count`, the inner ones rounded down to `alignment`.
    public static func blockBounds(count: Int, blocks: Int, alignment: Int) -> [Int] {
        let a = max(alignment, 1)
        var bounds = [0]
        for i in 1..<blocks { bounds.append(max(bounds[i - 1], (count * i / blocks) / a * a)) }
        bounds.append(count)
        return bounds
    }
}

/// A value handed to worker threads whose safety the caller guarantees (disjoint writes).
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
