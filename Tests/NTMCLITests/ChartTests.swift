// The reports' SVG charts: the learning-curve band chart draws a median line and a min–max band per
// model on axes that cover the data, leaves out non-finite points, and the single-seed and
// comparison reports write it.
import Foundation
import Testing
import NTMKit

@Suite("Charts")
struct ChartTests {
    /// The `text` of every `<text ...>label</text>` element.
    static func labels(_ svg: String) -> [String] {
        svg.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("<text"), let open = line.firstIndex(of: ">"), let close = line.range(of: "</text>") else { return nil }
            return String(line[line.index(after: open)..<close.lowerBound])
        }
    }

    static func count(_ element: String, in svg: String) -> Int {
        svg.components(separatedBy: "<\(element) ").count - 1
    }

    /// Every element on its own line is closed or a group that a later line closes, and the document
    /// is one `<svg>`.
    static func expectWellFormed(_ svg: String) {
        let lines = svg.split(separator: "\n")
        #expect(lines.first?.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\"") == true)
        #expect(lines.last == "</svg>")
        var open = 0
        for line in lines.dropFirst().dropLast() {
            if line.hasPrefix("<g ") && line.hasSuffix(">") && !line.hasSuffix("/>") {
                open += 1
                #expect(open == 1, "nested group: \(line)")
            } else if line == "</g>" {
                open -= 1
                #expect(open == 0, "unopened group")
            } else {
                #expect(line.hasSuffix("/>") || line.hasSuffix("</text>"), "unclosed: \(line)")
            }
        }
        #expect(open == 0, "unclosed group")
    }

    @Test func bandChartDrawsMedianAndRangeOnCoveringAxes() {
        let spread = (0...10).map { i in
            BandChart.Point(x: Double(i) * 10_000, median: 125 - Double(i), min: 124 - Double(i) * 1.1, max: 127.9 - Double(i) * 0.5)
        }
        let single = (0...5).map { i in BandChart.Point(x: Double(i) * 10_000, median: 120, min: 120, max: 120) }
        let svg = BandChart(title: "sort <5 seeds>", xLabel: "training sequences", yLabel: "cost",
                            series: [("ntm", spread), ("lstm", single)]).svg
        Self.expectWellFormed(svg)
        // One band (the model with a spread), one median line per model, a legend entry per model.
        #expect(Self.count("polygon", in: svg) == 1)
        #expect(Self.count("polyline", in: svg) == 2)
        let labels = Self.labels(svg)
        #expect(labels.contains("ntm") && labels.contains("lstm"))
        #expect(labels.contains("sort &lt;5 seeds&gt;"), "the title is escaped")
        // The x axis runs to a round number at or above the last point, in short labels.
        #expect(["0", "25k", "50k", "75k", "100k"].allSatisfy(labels.contains), "\(labels)")
        // The y axis covers 113–127.9 in round steps without starting at zero: 110 to 130 by 5.
        #expect(["110.0", "115.0", "120.0", "125.0", "130.0"].allSatisfy(labels.contains), "\(labels)")
        // The only "0" is the x axis's first label: the y axis does not start at zero.
        #expect(labels.filter { $0 == "0" }.count == 1)
    }

    /// A budget of 40,000 ends the x axis at 40k in steps of 10k, not at the next power-of-ten multiple (50k).
    @Test func bandChartEndsTheXAxisAtTheNearestRoundTop() {
        let points = (0...4).map { i in BandChart.Point(x: Double(i) * 10_000, median: 1, min: 0, max: 2) }
        let labels = Self.labels(BandChart(title: "copy", xLabel: "x", yLabel: "y", series: [("ntm", points)]).svg)
        #expect(["0", "10k", "20k", "30k", "40k"].allSatisfy(labels.contains), "\(labels)")
        #expect(!labels.contains("50k"))
    }

    @Test func nonFiniteValuesAreLeftOutAndEmptyChartsStayValid() {
        let points = [BandChart.Point(x: 0, median: 5, min: 4, max: 6), BandChart.Point(x: 1, median: .nan, min: 1, max: 2),
                      BandChart.Point(x: 2, median: 3, min: .infinity, max: 4), BandChart.Point(x: 3, median: 1, min: 0.5, max: 2)]
        let svg = BandChart(title: "t", xLabel: "x", yLabel: "y", series: [("ntm", points)]).svg
        Self.expectWellFormed(svg)
        #expect(!svg.contains("nan") && !svg.contains("inf"))
        // Two finite points remain: the median line has two vertices.
        let polyline = svg.split(separator: "\n").first { $0.hasPrefix("<polyline") }!
        #expect(polyline.split(separator: "\"")[7].split(separator: " ").count == 2)
        for empty in [BandChart(title: "t", xLabel: "x", yLabel: "y", series: []),
                      BandChart(title: "t", xLabel: "x", yLabel: "y", series: [("ntm", [])])] {
            Self.expectWellFormed(empty.svg)
            #expect(!empty.svg.contains("nan") && !empty.svg.contains("inf"))
        }
    }

    @Test func lineChartKeepsItsZeroBasedAxisAndGaps() {
        let svg = LineChart(title: "g", xLabels: ["6", "8", "10"], yLabel: "bit errors",
                            series: [("ntm", [0.5, .nan, 3]), ("lstm", [7, 8, 9])]).svg
        Self.expectWellFormed(svg)
        #expect(Self.labels(svg).contains("0") && Self.labels(svg).contains("10.0"))
        // The gap splits the NTM's line into single points, which draw no polyline; the LSTM has one.
        #expect(Self.count("polyline", in: svg) == 1)
        #expect(Self.count("circle", in: svg) == 5)
    }

    // MARK: - Length axes

    /// The `cx` of every `<circle>`, in order.
    static func circleXs(_ svg: String) -> [Double] {
        svg.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("<circle cx=\"") else { return nil }
            return Double(line.dropFirst(12).prefix { $0 != "\"" })
        }
    }

    /// The x-axis tick labels (the text under the plot) with their positions.
    static func xTicks(_ svg: String) -> [(x: Double, label: String)] {
        let row = "y=\"368.0\""
        return svg.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("<text x=\""), line.contains(row) else { return nil }
            let x = Double(line.dropFirst(9).prefix { $0 != "\"" })!
            return (x, labels(String(line))[0])
        }
    }

    static let lengths: [Double] = [10, 20, 30, 40, 50, 80, 120]
    /// The plot area of every chart: from x = 70 to 510, its x labels on the line y = 368.
    static let left = 70.0, plotWidth = 440.0

    /// On the linear axis (the default of the generalisation figure) a point's distance from the axis's start
    /// is proportional to its length, and the ticks are round: 0 to 120 in steps of 20 for 10...120.
    @Test func linearLengthAxisPlacesPointsInProportionToLength() {
        let svg = LineChart(title: "copy", xValues: Self.lengths, scale: .linear, xTitle: "sequence length", yLabel: "bit errors",
                            series: [("ntm", [0, 0, 0, 0.5, 1, 30, 120])]).svg
        Self.expectWellFormed(svg)
        let xs = Self.circleXs(svg)
        #expect(xs.count == 7)
        for (x, v) in zip(xs, Self.lengths) {
            #expect(abs((x - Self.left) - v / 120 * Self.plotWidth) <= 0.05, "\(v) at \(x)")
        }
        #expect(Self.xTicks(svg).map(\.label) == ["0", "20", "40", "60", "80", "100", "120"])
        #expect(Self.labels(svg).contains("sequence length"))
        // Ticks at round values covering the lengths: the axis starts at zero only when the lengths come close.
        let ticks = { (values: [Double]) in
            Self.xTicks(LineChart(title: "t", xValues: values, scale: .linear, xTitle: "", yLabel: "y",
                                  series: [("m", values.map { _ in 1 })]).svg).map(\.label)
        }
        #expect(ticks([6, 8, 10, 12]) == ["6", "7", "8", "9", "10", "11", "12"])
        #expect(ticks([20, 40]) == ["20", "25", "30", "35", "40"])
        #expect(ticks([20, 40, 80]) == ["0", "20", "40", "60", "80"])
        #expect(ticks([200]) == ["199", "200", "201"])
    }

    /// On the log axis positions are proportional to the logarithm of the length (doublings equally apart),
    /// and the ticks are the evaluated lengths, a label that would collide with the one before left out.
    @Test func logLengthAxisPlacesPointsInProportionToLogLength() {
        let svg = LineChart(title: "copy", xValues: Self.lengths, scale: .log, xTitle: "sequence length, logarithmic scale",
                            yLabel: "bit errors", series: [("ntm", [0, 0, 0, 0.5, 1, 30, 120])]).svg
        Self.expectWellFormed(svg)
        let xs = Self.circleXs(svg)
        for (x, v) in zip(xs, Self.lengths) {
            let expected = Foundation.log(v / 10) / Foundation.log(12.0) * Self.plotWidth
            #expect(abs((x - Self.left) - expected) <= 0.05, "\(v) at \(x), expected \(expected)")
        }
        #expect(Self.xTicks(svg).map(\.label) == ["10", "20", "30", "40", "50", "80", "120"])
        let doublings = Self.circleXs(LineChart(title: "t", xValues: [5, 10, 20, 40, 80], scale: .log, xTitle: "", yLabel: "y",
                                                series: [("m", [1, 1, 1, 1, 1])]).svg)
        let gaps = zip(doublings.dropFirst(), doublings).map { $0 - $1 }
        #expect(gaps.allSatisfy { abs($0 - Self.plotWidth / 4) <= 0.1 }, "\(gaps)")
        // 11 and 12 sit too close to 10 for their labels: their marks stay, the longest length keeps its label.
        let crowded = LineChart(title: "t", xValues: [10, 11, 12, 1000], scale: .log, xTitle: "", yLabel: "y",
                                series: [("m", [1, 2, 3, 4])]).svg
        #expect(Self.xTicks(crowded).map(\.label) == ["10", "1000"])
        let marks = crowded.split(separator: "\n").filter { $0.hasPrefix("<line") && $0.contains("y1=\"350.0\" x2=") && $0.contains("y2=\"355.0\"") }
        #expect(marks.count == 4, "a mark under the plot for every length")
        #expect(Self.circleXs(crowded).count == 4)
    }

    // MARK: - Heatmaps

    /// The `<rect>` elements inside the group filled with `color`.
    static func cells(_ svg: String, color: String) -> [Substring] {
        let lines = svg.split(separator: "\n")
        guard let start = lines.firstIndex(of: Substring("<g fill=\"\(color)\">")) else { return [] }
        return Array(lines[(start + 1)...].prefix { $0 != "</g>" })
    }

    @Test func heatmapShadesMergesRunsAndLeavesWhiteUndrawn() {
        // Row 0: 0, 1, 1.7 (drawn as 1), 0.5 — the two full cells are one rectangle two cells wide. Row 1: 0.02
        // (rounds to white), 0.5, NaN (magenta), -0.25 (red).
        let panel = HeatmapChart.Panel(name: "w <0>", rows: 2, values: [0, 1, 1.7, 0.5, 0.02, 0.5, .nan, -0.25])
        let svg = HeatmapChart(title: "t & u", steps: 4, panels: [panel]).svg
        Self.expectWellFormed(svg)
        #expect(!svg.contains("nan") && !svg.contains("inf"))
        #expect(Self.labels(svg).contains("w &lt;0&gt;") && Self.labels(svg).contains("t &amp; u"))
        let ink = Self.cells(svg, color: HeatmapChart.ink)
        #expect(ink.count == 3, "\(ink)")
        // The plot is 470 pixels wide: cells of 117.5.
        #expect(ink[0].contains("x=\"267.5\"") && ink[0].contains("width=\"235.0\"") && ink[0].contains("fill-opacity=\"1.00\""))
        #expect(ink[1].contains("x=\"502.5\"") && ink[1].contains("fill-opacity=\"0.50\""))
        #expect(ink[2].contains("x=\"267.5\"") && ink[2].contains("width=\"117.5\"") && ink[2].contains("fill-opacity=\"0.50\""))
        let invalid = Self.cells(svg, color: HeatmapChart.invalid)
        #expect(invalid.count == 1 && invalid[0].contains("x=\"385.0\"") && !invalid[0].contains("opacity"))
        let negative = Self.cells(svg, color: HeatmapChart.negative)
        #expect(negative.count == 1 && negative[0].contains("x=\"502.5\"") && negative[0].contains("fill-opacity=\"0.25\""))
    }

    @Test func heatmapPanelsComeFromTimeMajorTensorsAndTheirRange() {
        // [T = 2, width = 3] time-major becomes [3 rows, 2 steps].
        let panel = HeatmapChart.Panel(name: "p", timeMajor: [1, 2, 3, 4, 5, 6], steps: 2, scale: 6)
        #expect(panel.rows == 3 && panel.values == [1, 4, 2, 5, 3, 6] && panel.scale == 6)
        #expect(HeatmapChart.shade(3, scale: 6) == 10 && HeatmapChart.shade(-3, scale: 1) == -20 && HeatmapChart.shade(0.01, scale: 1) == 0)
        #expect(HeatmapChart.shade(0.96, scale: 1) == 19 && HeatmapChart.shade(-0.5, scale: 1) == -10)
        #expect(HeatmapChart.shade(.infinity, scale: 1) == nil && HeatmapChart.shade(.nan, scale: 1) == nil)
        // Time steps are labelled every 1, 2 or 5 times a power of ten, at most about ten of them.
        let long = HeatmapChart(title: "copy", steps: 41, panels: [HeatmapChart.Panel(name: "w", rows: 128, values: [Float](repeating: 0, count: 128 * 41))])
        Self.expectWellFormed(long.svg)
        #expect(["0", "5", "10", "35", "40"].allSatisfy(Self.labels(long.svg).contains))
        #expect(!Self.labels(long.svg).contains("45") && !Self.labels(long.svg).contains("2"))
        // A panel of zeros draws no cells at all, and 128 rows fit the tallest panel.
        #expect(Self.cells(long.svg, color: HeatmapChart.ink).isEmpty)
        #expect(long.svg.contains("height=\"160.0\" fill=\"none\""))
    }

    @Test func heatmapPanelsCropToTheRowsTheyDraw() {
        // 10 rows x 2 steps; rows 4 and 6 draw, row 2 holds a value that rounds to white.
        var values = [Float](repeating: 0, count: 20)
        values[4 * 2] = 1
        values[6 * 2 + 1] = 0.5
        values[2 * 2] = 0.02
        let cropped = HeatmapChart.Panel(name: "w", rows: 10, values: values).cropped(margin: 1)
        #expect(cropped.name == "w" && cropped.detail == "rows 3–7, top to bottom" && cropped.rows == 5)
        #expect(Self.labels(HeatmapChart(title: "t", steps: 2, panels: [cropped]).svg).contains("rows 3–7, top to bottom"))
        #expect(cropped.values == Array(values[6..<16]))
        // Against the edges the margin stops at the first and last rows; nothing drawn or everything drawn: whole.
        var edge = [Float](repeating: 0, count: 20)
        edge[1] = 1
        #expect(HeatmapChart.Panel(name: "e", rows: 10, values: edge).cropped(margin: 2).detail == "rows 0–2, top to bottom")
        let blank = HeatmapChart.Panel(name: "b", rows: 10, values: [Float](repeating: 0.01, count: 20))
        #expect(blank.cropped() == blank)
        var full = [Float](repeating: 0, count: 20)
        full[0] = 1
        full[19] = 1
        let whole = HeatmapChart.Panel(name: "f", rows: 10, values: full)
        #expect(whole.cropped() == whole)
    }
}
