// The frame every SVG chart of the reports is drawn in: title, horizontal grid with y labels, the plot
// box, x labels and a legend, as self-contained SVG (no scripts, no fonts to load).
import Foundation

/// A 640 x 400 SVG canvas with a plot area and a legend column on the right. Charts map their data into
/// the plot area with ``x(fraction:)`` and ``y(_:)`` and append elements to ``lines``.
struct ChartCanvas {
    static let width = 640.0, height = 400.0, left = 70.0, right = 130.0, top = 40.0, bottom = 50.0
    static let plotWidth = width - left - right, plotHeight = height - top - bottom
    static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]

    /// The y axis runs from `yBottom` (at the bottom of the plot) to `yTop`.
    let yBottom: Double, yTop: Double
    let yLabel: String
    var lines: [String] = []

    /// Grid intervals on the y axis (``niceRange(low:high:)`` rounds to the same count).
    static let yTicks = 4

    /// Starts the chart: background, title, and the horizontal grid with its value labels. Charts then add
    /// their x labels (``xLabel(_:at:)``), call ``drawFrame()``, and draw their data.
    init(title: String, yLabel: String, yBottom: Double, yTop: Double) {
        self.yBottom = yBottom
        self.yTop = yTop
        self.yLabel = yLabel
        let f = Self.format
        lines = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(Self.width))\" height=\"\(Int(Self.height))\" "
                + "font-family=\"sans-serif\" font-size=\"12\">",
            "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
            "<text x=\"\(f(Self.width / 2))\" y=\"20\" text-anchor=\"middle\" font-size=\"14\">\(Self.escape(title))</text>",
        ]
        let left = Self.left, right = Self.left + Self.plotWidth
        for k in 0...Self.yTicks {
            let v = yBottom + (yTop - yBottom) * Double(k) / Double(Self.yTicks)
            lines.append("<line x1=\"\(f(left))\" y1=\"\(f(y(v)))\" x2=\"\(f(right))\" y2=\"\(f(y(v)))\" stroke=\"#ddd\"/>")
            lines.append("<text x=\"\(f(left - 6))\" y=\"\(f(y(v) + 4))\" text-anchor=\"end\">\(Markdown.bits(v))</text>")
        }
    }

    /// The horizontal position of a fraction (0 to 1) of the plot's width.
    func x(fraction: Double) -> Double { Self.left + fraction * Self.plotWidth }

    /// The vertical position of a value.
    func y(_ v: Double) -> Double { Self.top + Self.plotHeight * (1 - (v - yBottom) / (yTop - yBottom)) }

    /// A label under the plot at horizontal position `x`.
    mutating func xLabel(_ text: String, at x: Double) {
        lines.append("<text x=\"\(Self.format(x))\" y=\"\(Self.format(Self.top + Self.plotHeight + 18))\" "
                     + "text-anchor=\"middle\">\(Self.escape(text))</text>")
    }

    /// The y-axis label and the plot box; charts draw their data after this, so it stays on top of the grid.
    mutating func drawFrame() {
        let f = Self.format, mid = Self.top + Self.plotHeight / 2
        lines.append("<text x=\"16\" y=\"\(f(mid))\" transform=\"rotate(-90 16 \(f(mid)))\" "
                     + "text-anchor=\"middle\">\(Self.escape(yLabel))</text>")
        lines.append("<rect x=\"\(f(Self.left))\" y=\"\(f(Self.top))\" width=\"\(f(Self.plotWidth))\" "
                     + "height=\"\(f(Self.plotHeight))\" fill=\"none\" stroke=\"#888\"/>")
    }

    /// The `k`-th legend entry: a short line in `color` and `name`.
    mutating func legend(_ k: Int, name: String, color: String) {
        let f = Self.format, x = Self.left + Self.plotWidth, ly = Self.top + 10 + Double(k) * 18
        lines.append("<line x1=\"\(f(x + 12))\" y1=\"\(f(ly))\" x2=\"\(f(x + 32))\" y2=\"\(f(ly))\" "
                     + "stroke=\"\(color)\" stroke-width=\"2\"/>")
        lines.append("<text x=\"\(f(x + 38))\" y=\"\(f(ly + 4))\">\(Self.escape(name))</text>")
    }

    /// A polyline through `points` (already in canvas coordinates), if it has at least two.
    mutating func polyline(_ points: [(Double, Double)], color: String) {
        guard points.count > 1 else { return }
        let f = Self.format
        lines.append("<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\""
                     + points.map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " ") + "\"/>")
    }

    /// The finished SVG document.
    var svg: String { (lines + ["</svg>"]).joined(separator: "\n") + "\n" }

    static func format(_ v: Double) -> String { String(format: "%.1f", v) }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    /// A y-axis top at 1, 2 or 5 times a power of ten, at least the largest value.
    static func niceTop(_ v: Double) -> Double {
        guard v.isFinite, v > 0 else { return 1 }
        let magnitude = decimalMagnitude(v)
        for m in [1.0, 2, 5, 10] where m * magnitude >= v { return m * magnitude }
        return 10 * magnitude
    }

    /// The largest power of ten not above `v` (positive, finite), `10^floor(log10 v)`, found by
    /// exact comparisons instead of the C library's `log10` and `pow`, so every platform draws the
    /// same axes: `10^k` for `k ≥ 0` is a product of exact tens (exact up to 10^22), and `10^-k` is
    /// `1 / 10^k`, the correctly rounded value of the literal `1e-k`.
    static func decimalMagnitude(_ v: Double) -> Double {
        var power = 1.0
        if v >= 1 {
            while power * 10 <= v { power *= 10 }
            return power
        }
        while 1 / power > v && power < 1e308 { power *= 10 }
        return 1 / power
    }

    /// An axis in ``yTicks`` steps of 1, 2 or 5 times a power of ten that covers `low...high`, starting at
    /// zero when `low` is non-negative and closer to zero than half the range.
    static func niceRange(low: Double, high: Double) -> (bottom: Double, top: Double) {
        let ticks = yTicks
        guard low.isFinite, high.isFinite, high > low else {
            let v = high.isFinite ? high : 1
            return (0, niceTop(Swift.max(v, 1e-9)))
        }
        var low = low
        if low >= 0 && low < (high - low) / 2 { low = 0 }
        var step = niceTop((high - low) / Double(ticks))
        while true {
            let bottom = (low / step).rounded(.down) * step
            if bottom + step * Double(ticks) >= high { return (bottom, bottom + step * Double(ticks)) }
            step = niceTop(step * 1.01)
        }
    }
}
