// Points of a task's difficulty (the length parameter, and the repeat count of repeat copy), at which
// batches are drawn for evaluation, validation and curricula.
import NTMCore

/// A point of a task's difficulty: its length parameter (copy: sequence length; repeat copy: sequence
/// length; associative recall: items; dynamic N-grams: bits; priority sort: inputs) and, for repeat
/// copy only, the repeat count.
///
/// Written `L` (or `LxR` with a repeat count) in reports, flags and evaluation streams.
public struct TaskPoint: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var length: Int
    public var repeats: Int?

    public init(length: Int, repeats: Int? = nil) {
        self.length = length
        self.repeats = repeats
    }

    /// Ordered by length, then by repeat count.
    public static func < (a: TaskPoint, b: TaskPoint) -> Bool {
        (a.length, a.repeats ?? 0) < (b.length, b.repeats ?? 0)
    }

    public var description: String { repeats.map { "\(length)x\($0)" } ?? "\(length)" }

    /// Parses `L` or `LxR` (the form of `description`); nil for anything else.
    public init?(parsing text: Substring) {
        let parts = text.split(separator: "x", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let l = Int(parts[0]) else { return nil }
        if parts.count == 2 {
            guard let r = Int(parts[1]) else { return nil }
            self.init(length: l, repeats: r)
        } else {
            self.init(length: l)
        }
    }
}

extension SequenceTask {
    public func makeBatch(batchSize: Int, point: TaskPoint, rng: inout RandomSource) -> Batch {
        makeBatch(batchSize: batchSize, length: point.length, rng: &rng)
    }

    public func point(level: Int) -> TaskPoint { TaskPoint(length: level) }

    public var minimumLength: Int { 1 }
}
