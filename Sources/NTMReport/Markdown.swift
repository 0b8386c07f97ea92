// Small helpers for markdown tables and number formatting in reports.
import Foundation

public enum Markdown {
    /// A GitHub-flavoured table; `alignRight` marks numeric columns.
    public static func table(header: [String], rows: [[String]], alignRight: Set<Int> = []) -> String {
        var lines = ["| " + header.joined(separator: " | ") + " |"]
        lines.append("| " + header.indices.map { alignRight.contains($0) ? "---:" : "---" }.joined(separator: " | ") + " |")
        for r in rows { lines.append("| " + r.joined(separator: " | ") + " |") }
        return lines.joined(separator: "\n")
    }

    /// A number with `digits` decimals.
    public static func fixed(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", x) }

    /// Bits and bit errors: three significant decimals for small values, fewer for large.
    public static func bits(_ x: Double) -> String {
        if x.isNaN { return "n/a" }
        if x == 0 { return "0" }
        if abs(x) < 0.001 { return String(format: "%.1e", x) }
        if abs(x) < 10 { return String(format: "%.3f", x) }
        return String(format: "%.1f", x)
    }

    /// Seconds as "12.3 s" or "4 min 05 s".
    public static func duration(_ s: Double) -> String {
        if s < 60 { return String(format: "%.1f s", s) }
        let m = Int(s) / 60
        return String(format: "%d min %02d s", m, Int(s) - 60 * m)
    }

    /// An integer with thousands separators: 50,000.
    public static func count(_ n: Int) -> String {
        let s = String(n)
        var out = ""
        for (i, c) in s.reversed().enumerated() {
            if i > 0 && i % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return String(out.reversed())
    }
}
