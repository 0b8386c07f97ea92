// What `notebook check` compares: a block's committed output against what its command makes now, line by
// line, except what is allowed to differ between two runs of the same command: wall times, and the lines
// that describe the machine and the build (``RunManifest/volatileLinePrefixes``).

/// Comparing a notebook block's output.
public enum NotebookComparison {
    /// Where two outputs first differ: the line number in the committed output (1-based) and both lines
    /// (nil past the end).
    public struct Difference: Sendable, Equatable {
        public var line: Int
        public var committed: String?
        public var now: String?
    }

    /// Lines never compared: the machine and build lines of reports.
    public static func isVolatile(_ line: String) -> Bool {
        RunManifest.volatileLinePrefixes.contains { line.hasPrefix($0) }
    }

    /// `line` with every wall time (`12.3 s`, `4 min 05 s`, `0.92 ms`) replaced by `<time>`.
    public static func maskingTimes(_ line: String) -> String {
        var s = line
        s.replace(#/\d+ h \d+ min|\d+ min \d+ s|\d+(?:\.\d+)?(?:e-?\d+)? ?(?:ms|µs|us|ns|s|min|h)\b/#, with: "<time>")
        return s
    }

    /// The first difference between `committed` and `now`, comparing lines with their times masked and
    /// skipping volatile lines; nil when they agree.
    public static func firstDifference(committed: [String], now: [String]) -> Difference? {
        let a = committed.enumerated().filter { !isVolatile($0.element) }
        let b = now.filter { !isVolatile($0) }
        for i in 0..<max(a.count, b.count) {
            let x = i < a.count ? a[i].element : nil, y = i < b.count ? b[i] : nil
            if x.map(maskingTimes) != y.map(maskingTimes) {
                return Difference(line: i < a.count ? a[i].offset + 1 : committed.count + 1, committed: x, now: y)
            }
        }
        return nil
    }
}
