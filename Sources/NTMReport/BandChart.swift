// Learning curves as an SVG chart: for each model, the median across seeds as a line and the range
// (minimum to maximum) as a shaded band, against the number of training sequences seen.
import Foundation

/// Curves over a numeric x axis, each a median line inside a min–max band. With one seed the band is
/// the line itself and is not drawn.
public struct BandChart {
    /// One point of a curve: where it is on the x axis and the median, minimum and maximum there.
    public struct Point: Sendable, Equatable {
        public var x: Double, median: Double, min: Double, max: Double
        public init(x: Double, median: Double, min: Double, max: Double) {
            self.x = x
            self.median = median
            self.min = min
            self.max = max
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    /// Name and points in increasing `x`; points with a non-finite value are left out.
    public var series: [(name: String, points: [Point])]

    public init(title: String, xLabel: String, yLabel: String, series: [(name: String, points: [Point])]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
    }

    /// `50k`, `1.5M`: tick labels short enough to sit side by side.
    static func compact(_ v: Double) -> String {
        func trimmed(_ x: Double) -> String {
            x == x.rounded() ? String(Int(x)) : String(format: "%.1f", x)
        }
        if abs(v) >= 1_000_000 { return trimmed(v / 1_000_000) + "M" }
        if abs(v) >= 1_000 { return trimmed(v / 1_000) + "k" }
        return trimmed(v)
    }

    public var svg: String {
        let curves = series.map { s in
            (name: s.name, points: s.points.filter { $0.x.isFinite && $0.median.isFinite && $0.min.isFinite && $0.max.isFinite })
        }
        let all = curves.flatMap(\.points)
        let yRange = ChartCanvas.niceRange(low: all.map(\.min).min() ?? 0, high: all.map(\.max).max() ?? 1)
        // The x axis ends at a round number in four labelled quarters: 1, 2 or 5 times a power of ten
        // (100,000), or four round steps when they end closer (40,000 rather than 50,000).
        let xMax = all.map(\.x).max() ?? 1
        let xTop = xMax > 0 ? Swift.min(ChartCanvas.niceTop(xMax), ChartCanvas.niceRange(low: 0, high: xMax).top) : 1
        var canvas = ChartCanvas(title: title, yLabel: yLabel, yBottom: yRange.bottom, yTop: yRange.top)
        func x(_ v: Double) -> Double { canvas.x(fraction: v / xTop) }
        for k in 0...4 { canvas.xLabel(Self.compact(xTop * Double(k) / 4), at: x(xTop * Double(k) / 4)) }
        canvas.lines.append("<text x=\"\(ChartCanvas.format(canvas.x(fraction: 0.5)))\" "
                            + "y=\"\(ChartCanvas.format(ChartCanvas.height - 8))\" text-anchor=\"middle\">"
                            + "\(ChartCanvas.escape(xLabel))</text>")
        canvas.drawFrame()
        let f = ChartCanvas.format
        for (k, curve) in curves.enumerated() {
            let color = ChartCanvas.colors[k % ChartCanvas.colors.count]
            let points = curve.points
            if points.contains(where: { $0.min != $0.max }) {
                // The band: along the maxima, then back along the minima.
                let outline = points.map { (x($0.x), canvas.y($0.max)) } + points.reversed().map { (x($0.x), canvas.y($0.min)) }
                canvas.lines.append("<polygon fill=\"\(color)\" fill-opacity=\"0.15\" stroke=\"none\" points=\""
                                    + outline.map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " ") + "\"/>")
            }
            canvas.polyline(points.map { (x($0.x), canvas.y($0.median)) }, color: color)
            canvas.legend(k, name: curve.name, color: color)
        }
        return canvas.svg
    }
}
