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

    public var svg: String {
        let maxValue = series.flatMap(\.values).filter(\.isFinite).max() ?? 1
        var canvas = ChartCanvas(title: title, yLabel: yLabel, yBottom: 0, yTop: ChartCanvas.niceTop(maxValue))
        func x(_ i: Int) -> Double {
            canvas.x(fraction: xLabels.count > 1 ? Double(i) / Double(xLabels.count - 1) : 0.5)
        }
        for (i, label) in xLabels.enumerated() { canvas.xLabel(label, at: x(i)) }
        canvas.drawFrame()
        let f = ChartCanvas.format
        for (k, s) in series.enumerated() {
            let color = ChartCanvas.colors[k % ChartCanvas.colors.count]
            var segment: [(Double, Double)] = []
            for (i, v) in s.values.enumerated() {
                guard v.isFinite else {
                    canvas.polyline(segment, color: color)
                    segment = []
                    continue
                }
                let point = (x(i), canvas.y(v))
                segment.append(point)
                canvas.lines.append("<circle cx=\"\(f(point.0))\" cy=\"\(f(point.1))\" r=\"3\" fill=\"\(color)\"/>")
            }
            canvas.polyline(segment, color: color)
            canvas.legend(k, name: s.name, color: color)
        }
        return canvas.svg
    }
}
