// Stacked heatmaps over time for the reports' memory figures: input and target bits, the model's
// outputs, and each head's weighting over the memory rows, as in Figure 6 of Graves et al. (2014).
import Foundation

/// Panels of values over the same time steps, one above the other, as a self-contained SVG.
///
/// A cell's shade is `clamp(v / scale, -1, 1)` rounded to twentieths: positive values dark, negative
/// ones red, both more opaque the larger they are, so bits and weightings (0 to 1) run from white to
/// dark and a priority in [-1, 1] shows its sign. Cells that round to white are not drawn and equal
/// neighbours in a row are drawn as one rectangle, so a sharp weighting over 128 rows costs a few
/// elements per step. Non-finite values are drawn magenta.
public struct HeatmapChart {
    /// `values` is `[rows, steps]`, row-major: row `r` at step `t` is `values[r * steps + t]`.
    public struct Panel: Sendable, Equatable {
        public var name: String
        public var rows: Int
        public var values: [Float]
        /// The value drawn at full strength; larger magnitudes are drawn as it.
        public var scale: Float
        /// A second, smaller label under the name (a cropped panel's row range).
        public var detail = ""

        public init(name: String, rows: Int, values: [Float], scale: Float = 1) {
            precondition(scale > 0, "a heatmap panel's scale must be positive")
            self.name = name
            self.rows = rows
            self.values = values
            self.scale = scale
        }

        /// A panel from a time-major `[steps, width]` array: row `r` is channel `r` over time.
        public init(name: String, timeMajor: [Float], steps: Int, scale: Float = 1) {
            precondition(steps > 0 && timeMajor.count % steps == 0, "\(timeMajor.count) values are not \(steps) steps")
            let width = timeMajor.count / steps
            var values = [Float](repeating: 0, count: timeMajor.count)
            for t in 0..<steps {
                for r in 0..<width { values[r * steps + t] = timeMajor[t * width + r] }
            }
            self.init(name: name, rows: width, values: values, scale: scale)
        }

        /// The panel cut down to the rows that draw anything, with `margin` rows either side and their
        /// range as the panel's detail (`rows 87–127, top to bottom`): a weighting that visits 20 of 128 rows is
        /// then drawn 6 times taller. A panel that draws nothing, or everything, is returned whole.
        public func cropped(margin: Int = 2) -> Panel {
            let steps = values.count / Swift.max(rows, 1)
            let drawn = (0..<rows).filter { r in
                (0..<steps).contains { t in HeatmapChart.shade(values[r * steps + t], scale: scale) != 0 }
            }
            guard let first = drawn.first, let last = drawn.last else { return self }
            let from = Swift.max(first - margin, 0), to = Swift.min(last + margin, rows - 1)
            if from == 0 && to == rows - 1 { return self }
            var panel = Panel(name: name, rows: to - from + 1, values: Array(values[(from * steps)..<((to + 1) * steps)]),
                              scale: scale)
            panel.detail = "rows \(from)–\(to), top to bottom"
            return panel
        }
    }

    public var title: String
    public var steps: Int
    public var panels: [Panel]

    public init(title: String, steps: Int, panels: [Panel]) {
        precondition(steps > 0, "a heatmap needs at least one step")
        for p in panels { precondition(p.values.count == p.rows * steps, "panel \(p.name) is not \(p.rows) x \(steps)") }
        self.title = title
        self.steps = steps
        self.panels = panels
    }

    static let width = 640.0, left = 150.0, right = 20.0, top = 40.0, gap = 12.0, bottom = 40.0
    /// Pixels per row, and the tallest a panel may be (128 memory rows fit in 160 pixels).
    static let rowHeight = 6.0, maxPanelHeight = 160.0
    public static let ink = "#1f2a44", negative = "#c0392b", invalid = "#ff00ff"

    static func panelHeight(_ rows: Int) -> Double { Swift.min(Double(Swift.max(rows, 1)) * rowHeight, maxPanelHeight) }

    /// The shade of `v` in signed twentieths, -20...20 (0 = not drawn), or nil for a non-finite value.
    public static func shade(_ v: Float, scale: Float) -> Int? {
        guard v.isFinite else { return nil }
        let f = Double(v) / Double(scale)
        return Int((Swift.min(Swift.max(f, -1), 1) * 20).rounded())
    }

    public var svg: String {
        let f = ChartCanvas.format, escape = ChartCanvas.escape
        let plotWidth = Self.width - Self.left - Self.right, cell = plotWidth / Double(steps)
        let heights = panels.map { Self.panelHeight($0.rows) }
        let height = Self.top + heights.reduce(0, +) + Double(Swift.max(panels.count - 1, 0)) * Self.gap + Self.bottom
        var lines = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(Self.width))\" height=\"\(Int(height.rounded(.up)))\" "
                + "font-family=\"sans-serif\" font-size=\"12\">",
            "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
            "<text x=\"\(f(Self.width / 2))\" y=\"20\" text-anchor=\"middle\" font-size=\"14\">\(escape(title))</text>",
        ]
        var y = Self.top
        for (panel, h) in zip(panels, heights) {
            let rowHeight = h / Double(Swift.max(panel.rows, 1))
            if panel.detail.isEmpty {
                lines.append("<text x=\"\(f(Self.left - 8))\" y=\"\(f(y + h / 2 + 4))\" text-anchor=\"end\">\(escape(panel.name))</text>")
            } else {
                lines.append("<text x=\"\(f(Self.left - 8))\" y=\"\(f(y + h / 2 - 2))\" text-anchor=\"end\">\(escape(panel.name))</text>")
                lines.append("<text x=\"\(f(Self.left - 8))\" y=\"\(f(y + h / 2 + 12))\" text-anchor=\"end\" font-size=\"10\" "
                             + "fill=\"#555\">\(escape(panel.detail))</text>")
            }
            var cells: [String] = [], negatives: [String] = [], invalid: [String] = []
            for r in 0..<panel.rows {
                let ry = f(y + Double(r) * rowHeight), rh = f(rowHeight)
                var t = 0
                while t < steps {
                    let s = Self.shade(panel.values[r * steps + t], scale: panel.scale)
                    var end = t + 1
                    while end < steps && Self.shade(panel.values[r * steps + end], scale: panel.scale) == s { end += 1 }
                    let rect = "<rect x=\"\(f(Self.left + Double(t) * cell))\" y=\"\(ry)\" "
                        + "width=\"\(f(Double(end - t) * cell))\" height=\"\(rh)\""
                    if let s {
                        let opacity = " fill-opacity=\"\(String(format: "%.2f", Double(abs(s)) / 20))\"/>"
                        if s > 0 { cells.append(rect + opacity) } else if s < 0 { negatives.append(rect + opacity) }
                    } else {
                        invalid.append(rect + "/>")
                    }
                    t = end
                }
            }
            if !cells.isEmpty { lines += ["<g fill=\"\(Self.ink)\">"] + cells + ["</g>"] }
            if !negatives.isEmpty { lines += ["<g fill=\"\(Self.negative)\">"] + negatives + ["</g>"] }
            if !invalid.isEmpty { lines += ["<g fill=\"\(Self.invalid)\">"] + invalid + ["</g>"] }
            lines.append("<rect x=\"\(f(Self.left))\" y=\"\(f(y))\" width=\"\(f(plotWidth))\" height=\"\(f(h))\" "
                         + "fill=\"none\" stroke=\"#888\"/>")
            y += h + Self.gap
        }
        // Time steps under the last panel, every 1, 2 or 5 times a power of ten so that at most ten show.
        let bottomY = y - Self.gap
        let every = Swift.max(1, Int(ChartCanvas.niceTop(Double(steps) / 10)))
        for t in stride(from: 0, to: steps, by: every) {
            lines.append("<text x=\"\(f(Self.left + (Double(t) + 0.5) * cell))\" y=\"\(f(bottomY + 16))\" "
                         + "text-anchor=\"middle\">\(t)</text>")
        }
        lines.append("<text x=\"\(f(Self.left + plotWidth / 2))\" y=\"\(f(bottomY + 32))\" text-anchor=\"middle\">time step</text>")
        return (lines + ["</svg>"]).joined(separator: "\n") + "\n"
    }
}
