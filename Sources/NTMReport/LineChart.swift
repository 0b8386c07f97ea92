// A small SVG line chart (categorical x axis, linear y axis from zero), for generalisation curves.
import Foundation

/// Lines of values over labelled x positions, drawn as a self-contained SVG (no scripts, no fonts to load).
public struct LineChart {
    public var title: String
    public var xLabels: [String]
    public var yLabel: String
    /// Name and one value per x label; NaN values leave a gap.
    public var series: [(name: String, values: [Double])]

    public init(title: String, xLabels: [String], yLabel: String, series: [(name: String, values: [Double])]) {
        self.title = title
        self.xLabels = xLabels
        self.yLabel = yLabel
        self.series = series
    }

    static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]

    /// A y-axis top at 1, 2 or 5 times a power of ten, at least the largest value.
    static func niceTop(_ v: Double) -> Double {
        guard v.isFinite, v > 0 else { return 1 }
        let magnitude = pow(10, floor(log10(v)))
        for m in [1.0, 2, 5, 10] where m * magnitude >= v { return m * magnitude }
        return 10 * magnitude
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    public var svg: String {
        let width = 640.0, height = 400.0, left = 70.0, right = 130.0, top = 40.0, bottom = 50.0
        let plotW = width - left - right, plotH = height - top - bottom
        let maxValue = series.flatMap(\.values).filter(\.isFinite).max() ?? 1
        let yTop = Self.niceTop(maxValue)
        func x(_ i: Int) -> Double { left + (xLabels.count > 1 ? Double(i) / Double(xLabels.count - 1) * plotW : plotW / 2) }
        func y(_ v: Double) -> Double { top + plotH * (1 - v / yTop) }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        var lines = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
                + "font-family=\"sans-serif\" font-size=\"12\">",
            "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
            "<text x=\"\(f(width / 2))\" y=\"20\" text-anchor=\"middle\" font-size=\"14\">\(Self.escape(title))</text>",
        ]
        for k in 0...4 {
            let v = yTop * Double(k) / 4
            lines.append("<line x1=\"\(f(left))\" y1=\"\(f(y(v)))\" x2=\"\(f(left + plotW))\" y2=\"\(f(y(v)))\" stroke=\"#ddd\"/>")
            lines.append("<text x=\"\(f(left - 6))\" y=\"\(f(y(v) + 4))\" text-anchor=\"end\">\(Markdown.bits(v))</text>")
        }
        for (i, label) in xLabels.enumerated() {
            lines.append("<text x=\"\(f(x(i)))\" y=\"\(f(top + plotH + 18))\" text-anchor=\"middle\">\(Self.escape(label))</text>")
        }
        lines.append("<text x=\"16\" y=\"\(f(top + plotH / 2))\" transform=\"rotate(-90 16 \(f(top + plotH / 2)))\" "
                     + "text-anchor=\"middle\">\(Self.escape(yLabel))</text>")
        lines.append("<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotW))\" height=\"\(f(plotH))\" fill=\"none\" stroke=\"#888\"/>")
        for (k, s) in series.enumerated() {
            let color = Self.colors[k % Self.colors.count]
            var segment: [String] = []
            func flush() {
                if segment.count > 1 {
                    lines.append("<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(segment.joined(separator: " "))\"/>")
                }
                segment = []
            }
            for (i, v) in s.values.enumerated() {
                guard v.isFinite else { flush(); continue }
                segment.append("\(f(x(i))),\(f(y(v)))")
                lines.append("<circle cx=\"\(f(x(i)))\" cy=\"\(f(y(v)))\" r=\"3\" fill=\"\(color)\"/>")
            }
            flush()
            let ly = top + 10 + Double(k) * 18
            lines.append("<line x1=\"\(f(left + plotW + 12))\" y1=\"\(f(ly))\" x2=\"\(f(left + plotW + 32))\" y2=\"\(f(ly))\" "
                         + "stroke=\"\(color)\" stroke-width=\"2\"/>")
            lines.append("<text x=\"\(f(left + plotW + 38))\" y=\"\(f(ly + 4))\">\(Self.escape(s.name))</text>")
        }
        lines.append("</svg>")
        return lines.joined(separator: "\n") + "\n"
    }
}
