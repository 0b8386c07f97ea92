// The x axis of a chart over lengths (the generalisation figure): where a length sits, and which
// values are marked and labelled, on a linear or a logarithmic scale.
import NTMCore
import NTMTraining

/// Maps lengths (positive numbers) to fractions of the plot's width and chooses the axis's ticks.
///
/// - Linear: `x = (v - bottom) / (top - bottom)`, with `bottom` and `top` multiples of a step of 1, 2 or 5
///   times a power of ten (at least 1, as lengths are whole numbers), the smallest step that covers the lengths
///   in at most ``maxIntervals`` intervals; `bottom` is 0 when the shortest length is closer to zero than half
///   the range. Every tick is labelled.
/// - Log: `x = ln(v / low) / ln(high / low)` from the shortest length `low` to the longest `high`, so equal
///   ratios lie equally apart. The ticks are the lengths themselves; a label that would overlap the one before
///   it or the longest length's is left out (its mark stays), and the longest length is always labelled.
struct LengthScale {
    let axis: LengthAxis
    /// The lengths at the ends of the axis.
    let low: Double, high: Double
    /// Marked values, each with its label (nil: marked only).
    let ticks: [(value: Double, label: String?)]

    static let maxIntervals = 6
    /// Width of a digit of the 12-pixel sans-serif labels, and the gap kept between two labels, in pixels.
    static let digitWidth = 7.0, labelGap = 6.0

    init(lengths: [Double], axis: LengthAxis) {
        self.axis = axis
        let values = Array(Set(lengths.filter { $0.isFinite && $0 > 0 })).sorted()
        switch axis {
        case .linear:
            let (bottom, top, step) = Self.linearRange(low: values.first ?? 1, high: values.last ?? 1)
            low = bottom
            high = top
            ticks = stride(from: bottom, through: top + step / 2, by: step).map { ($0, Self.label($0)) }
        case .log:
            let low = values.first ?? 1, high = values.last ?? 1
            self.low = low
            self.high = high
            // Pixels from the axis's start, and whether two labels centred at their lengths leave a gap.
            func x(_ v: Double) -> Double {
                high > low ? KitMath.log(v / low) / KitMath.log(high / low) * ChartCanvas.plotWidth : 0
            }
            func fits(_ u: Double, _ v: Double) -> Bool {
                x(v) - x(u) >= Double(Self.label(u).count + Self.label(v).count) * Self.digitWidth / 2 + Self.labelGap
            }
            // Left to right, a length is labelled when it clears the last label and leaves room for the longest's.
            var previous: Double?
            ticks = values.map { v in
                let isLongest = v == high
                guard isLongest || (previous.map { fits($0, v) } ?? true) && fits(v, high) else { return (v, nil) }
                previous = v
                return (v, Self.label(v))
            }
        }
    }

    /// The position of `v` as a fraction of the plot's width (0.5 when the axis has one length).
    func fraction(_ v: Double) -> Double {
        switch axis {
        case .linear:
            return (v - low) / (high - low)
        case .log:
            guard high > low else { return 0.5 }
            return KitMath.log(v / low) / KitMath.log(high / low)
        }
    }

    /// The linear axis's ends and step (see the type's description). One length `v` gets `v - 1 ... v + 1`.
    static func linearRange(low: Double, high: Double) -> (bottom: Double, top: Double, step: Double) {
        var low = low, high = high
        if high <= low {
            low = Swift.max(0, low - 1)
            high = low + 2
        }
        if low < (high - low) / 2 { low = 0 }
        var power = 1.0
        while true {
            for m in [1.0, 2, 5] {
                let step = m * power
                let bottom = (low / step).rounded(.down) * step, top = (high / step).rounded(.up) * step
                if (top - bottom) / step <= Double(maxIntervals) { return (bottom, top, step) }
            }
            power *= 10
        }
    }

    /// A length as a label: the whole number, or the shortest form of a fraction.
    static func label(_ v: Double) -> String {
        v == v.rounded() && v.magnitude < 1e15 ? String(Int(v)) : "\(v)"
    }
}
