// How the generalisation figure spaces its evaluation points: a report setting, recorded in the
// resolved configuration beside the experiment, that changes no number of a run.

/// The x axis of `generalisation.svg` for tasks whose evaluation points are one length each (all but repeat
/// copy, whose `L x R` points stay evenly spaced in order).
public enum LengthAxis: String, Sendable, CaseIterable {
    /// Positions proportional to the length, ticks at round values.
    case linear
    /// Positions proportional to the logarithm of the length, ticks at the evaluated lengths: lengths that
    /// double sit equally apart, so 10, 20, 40, 80 spread out where a linear axis crowds the short ones.
    case log

    /// `linear, log`, for messages.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
