// The curriculum of a training run: which level (length parameter) each batch is drawn at, and when
// the level advances. See `CurriculumConfig` for the schedules.
import NTMCore
import NTMTasks

/// Where an advancing curriculum stands: the current level and the window of training errors at it.
/// Saved in training checkpoints (`curriculum` metadata) so that a resumed run continues exactly.
public struct CurriculumState: Sendable, Equatable {
    public var level: Int
    /// Sum of bit errors per sequence times sequences, and sequences, of the window in progress.
    public var windowErrors: Double
    public var windowCount: Int

    public init(level: Int, windowErrors: Double = 0, windowCount: Int = 0) {
        self.level = level
        self.windowErrors = windowErrors
        self.windowCount = windowCount
    }
}

/// A curriculum in progress: `CurriculumConfig` over the levels of one task.
///
/// Random draws come from the training data stream, before the batch's own draws; `none` draws
/// nothing, so a run without a curriculum sees exactly the sequences it always did.
public struct Curriculum: Sendable {
    public let config: CurriculumConfig
    /// The levels the curriculum moves over: `start...length`.
    public let levels: ClosedRange<Int>
    /// The state of an advancing curriculum (naive, lookback); nil for the others.
    public private(set) var state: CurriculumState?

    public init(config: CurriculumConfig, levels: ClosedRange<Int>) {
        self.config = config
        self.levels = levels
        state = config.advances ? CurriculumState(level: levels.lowerBound) : nil
    }

    /// No curriculum: the task's own training distribution.
    public static let none = Curriculum(config: .none, levels: 1...1)

    /// The level of the next batch (drawing from `rng` when the schedule needs it), or nil for the task's
    /// own training distribution.
    public func nextLevel(rng: inout RandomSource) -> Int? {
        switch config.kind {
        case .none:
            return nil
        case .uniform:
            return rng.int(in: levels)
        case .naive:
            return state!.level
        case .lookback:
            let current = state!.level
            return rng.uniformDouble() < config.probability ? rng.int(in: levels.lowerBound...current) : current
        }
    }

    /// Records a trained batch of `sequences` sequences at `level` with `bitErrors` training bit errors
    /// per sequence. Batches at the current level fill the window; when it holds `window` sequences, the
    /// level advances by `step` (up to the top) if their mean is under `threshold`, and a new window starts.
    public mutating func record(level: Int, bitErrors: Double, sequences: Int) {
        guard var s = state, level == s.level else { return }
        s.windowErrors += bitErrors * Double(sequences)
        s.windowCount += sequences
        if s.windowCount >= config.window {
            if s.windowErrors / Double(s.windowCount) < config.threshold {
                s.level = min(levels.upperBound, s.level + config.step)
            }
            s.windowErrors = 0
            s.windowCount = 0
        }
        state = s
    }

    /// Continues from a saved state; refuses one that does not fit this curriculum.
    public mutating func restore(_ saved: CurriculumState?) throws(NTMError) {
        guard (saved != nil) == config.advances else {
            throw .runtime(saved == nil ? "the training state has no curriculum state, but this run's curriculum is \(config.kind.rawValue)"
                                        : "the training state has a curriculum state, but this run's curriculum is \(config.kind.rawValue)")
        }
        if let saved {
            guard levels.contains(saved.level), saved.windowCount >= 0, saved.windowErrors.isFinite,
                  saved.windowErrors >= 0 else {
                throw .runtime("the training state's curriculum (level \(saved.level), window of \(saved.windowCount)) "
                               + "does not fit the levels \(levels.lowerBound)...\(levels.upperBound)")
            }
        }
        state = saved
    }
}
