// A small SVG line chart (linear y axis from zero), for generalisation curves: over lengths on a
// linear or logarithmic axis, or over labelled points spaced evenly in order.
import Foundation
import NTMTraining

/// Lines of values over x positions, drawn as a self-contained SVG (no scripts, no fonts to load).
public struct LineChart {
    public var title: String
    /// One label per point. Without ``xValues`` the points sit evenly spaced in this order under these labels.
    public var xLabels: [String]
    /// The point's lengths, when the x axis is numeric: positions and ticks then come from ``xScale``
    /// (see ``LengthAxis``), and ``xLabels`` is not drawn.
    public var xValues: [Double]?
    public var xScale: LengthAxis
    /// The x axis's title under the ticks (none when empty).
    public var xTitle: String
    public var yLabel: String
    /// Name and one value per x position; NaN values leave a gap.
    public var series: [(name: String, values: [Double])]

    /// A chart over labelled points spaced evenly in order.
    public init(title: String, xLabels: [String], yLabel: String, series: [(name: String, values: [Double])]) {
        self.title = title
        self.xLabels = xLabels
        self.xValues = nil
        self.xScale = .linear
        self.xTitle = ""
        self.yLabel = yLabel
        self.series = series
    }

    /// A chart over lengths (positive numbers) on a linear or logarithmic axis titled `xTitle`.
    public init(title: String, xValues: [Double], scale: LengthAxis, xTitle: String, yLabel: String,
                series: [(name: String, values: [Double])]) {
        self.title = title
        self.xLabels = xValues.map(LengthScale.label)
        self.xValues = xValues
        self.xScale = scale
        self.xTitle = xTitle
        self.yLabel = yLabel
        self.series = series
    }

    public var svg: String {
        let maxValue = series.flatMap(\.values).filter(\.isFinite).max() ?? 1
        var canvas = ChartCanvas(title: title, yLabel: yLabel, yBottom: 0, yTop: ChartCanvas.niceTop(maxValue))
        let f = ChartCanvas.format
        // Positions depend only on the plot's frame, not on what is drawn into it.
        let frame = canvas
        let x: (Int) -> Double
        if let xValues {
            let scale = LengthScale(lengths: xValues, axis: xScale)
            x = { i in frame.x(fraction: xValues[i].isFinite && xValues[i] > 0 ? scale.fraction(xValues[i]) : .nan) }
            let bottom = ChartCanvas.top + ChartCanvas.plotHeight
            for tick in scale.ticks {
                let at = canvas.x(fraction: scale.fraction(tick.value))
                canvas.lines.append("<line x1=\"\(f(at))\" y1=\"\(f(bottom))\" x2=\"\(f(at))\" y2=\"\(f(bottom + 5))\" stroke=\"#888\"/>")
                if let label = tick.label { canvas.xLabel(label, at: at) }
            }
        } else {
            let count = xLabels.count
            x = { i in frame.x(fraction: count > 1 ? Double(i) / Double(count - 1) : 0.5) }
            for (i, label) in xLabels.enumerated() { canvas.xLabel(label, at: x(i)) }
        }
        if !xTitle.isEmpty {
            canvas.lines.append("<text x=\"\(f(canvas.x(fraction: 0.5)))\" y=\"\(f(ChartCanvas.height - 8))\" "
                                + "text-anchor=\"middle\">\(ChartCanvas.escape(xTitle))</text>")
        }
        canvas.drawFrame()
        for (k, s) in series.enumerated() {
            let color = ChartCanvas.colors[k % ChartCanvas.colors.count]
            var segment: [(Double, Double)] = []
            for (i, v) in s.values.enumerated() {
                let px = i < xLabels.count ? x(i) : .nan
                guard v.isFinite, px.isFinite else {
                    canvas.polyline(segment, color: color)
                    segment = []
                    continue
                }
                let point = (px, canvas.y(v))
                segment.append(point)
                canvas.lines.append("<circle cx=\"\(f(point.0))\" cy=\"\(f(point.1))\" r=\"3\" fill=\"\(color)\"/>")
            }
            canvas.polyline(segment, color: color)
            canvas.legend(k, name: s.name, color: color)
        }
        return canvas.svg
    }
}
