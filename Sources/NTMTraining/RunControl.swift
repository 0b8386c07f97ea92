// What steers a long training from outside its numbers: a stop request (Ctrl-C, SIGTERM, a failing
// sibling model), when to write training checkpoints, and what to do with non-finite steps.
// None of it changes the numbers a run produces.
import Foundation
import NTMCore

/// A thread-safe request to stop: set by a signal handler (or a test), polled by trainers between steps.
public final class StopToken: @unchecked Sendable {
    private let lock = NSLock()
    private var requested = false
    private var requestedSignal: Int32?
    private var stepLimit: Int?

    public init() {}

    /// Asks every trainer polling this token to stop after its current step. `signal` is the signal
    /// that asked (SIGINT, SIGTERM), or nil for other reasons.
    public func request(signal: Int32? = nil) {
        lock.lock()
        defer { lock.unlock() }
        if !requested { requestedSignal = signal }
        requested = true
    }

    public var isRequested: Bool {
        lock.lock()
        defer { lock.unlock() }
        return requested
    }

    /// The signal of the first request, if a signal made it.
    public var signal: Int32? {
        lock.lock()
        defer { lock.unlock() }
        return requestedSignal
    }

    /// Test-only: every trainer polling this token stops once it has done `steps` steps in total
    /// (counted from the start of training, across resumes), as if a signal had arrived during that step.
    @_spi(Testing) public var stopAfterSteps: Int? {
        get { lock.lock(); defer { lock.unlock() }; return stepLimit }
        set { lock.lock(); stepLimit = newValue; lock.unlock() }
    }

    /// Whether a trainer that has done `steps` steps should stop now.
    func shouldStop(steps: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if let stepLimit, steps >= stepLimit { return true }
        return requested
    }
}

/// What the trainer does with a step whose loss or gradient is not finite (such a step never reaches
/// the weights).
public struct NonFinitePolicy: Sendable, Equatable {
    public enum Mode: String, Sendable, CaseIterable {
        /// Drop the step, count it, and go on; stop with an error after `maxConsecutive` in a row.
        case skip
        /// Stop with an error at the first one.
        case stop
    }

    public var mode: Mode
    /// Consecutive skipped steps after which `skip` gives up (a model that only produces NaNs).
    public var maxConsecutive: Int

    public init(mode: Mode = .skip, maxConsecutive: Int = 10) {
        precondition(maxConsecutive >= 1, "maxConsecutive must be at least 1")
        self.mode = mode
        self.maxConsecutive = maxConsecutive
    }

    /// The command line's default: skip, and give up after 10 consecutive non-finite steps.
    public static let `default` = NonFinitePolicy()
    /// Skip forever (the library's historical behaviour of `Trainer.run(progress:)`).
    public static let skipAlways = NonFinitePolicy(mode: .skip, maxConsecutive: .max)
}

/// When a trainer writes its training checkpoint. Checkpoints are taken between steps only, and
/// where they fall never changes the numbers.
public struct CheckpointSchedule: Sendable, Equatable {
    /// Write after every step that crosses a multiple of this many sequences (nil: no sequence rule).
    public var everySequences: Int?
    /// Write after a step when this many seconds of training passed since the last checkpoint (nil: no time rule).
    public var everySeconds: Double?

    public init(everySequences: Int? = nil, everySeconds: Double? = nil) {
        precondition(everySequences.map { $0 >= 1 } ?? true, "everySequences must be at least 1")
        self.everySequences = everySequences
        self.everySeconds = everySeconds
    }

    /// The command line's default for a budget: every 5% of the budget or every minute, whichever comes first.
    public static func `default`(budget: Int, batch: Int) -> CheckpointSchedule {
        CheckpointSchedule(everySequences: max(batch, budget / 20), everySeconds: 60)
    }

    func isDue(seen: Int, batch: Int, secondsSinceLast: Double) -> Bool {
        if let n = everySequences, seen / n != (seen - batch) / n { return true }
        if let s = everySeconds, secondsSinceLast >= s { return true }
        return false
    }
}

/// How one `Trainer.run` is steered.
public struct TrainerControl {
    /// Polled between steps; when it asks to stop, the trainer writes a checkpoint and returns `.interrupted`.
    public var stop: StopToken?
    /// Where the training checkpoint goes (nil: none is written).
    public var checkpointPath: String?
    /// Extra metadata for the training checkpoint (for example the experiment's resolved configuration).
    public var checkpointMetadata: [String: String]
    public var schedule: CheckpointSchedule
    public var nonFinite: NonFinitePolicy
    /// Test-only: called after every backward pass, before clipping, with the step number (from 1) and the
    /// parameters, so a test can plant a NaN in a gradient.
    @_spi(Testing) public var gradientHook: ((Int, [Parameter]) -> Void)?

    public init(stop: StopToken? = nil, checkpointPath: String? = nil, checkpointMetadata: [String: String] = [:],
                schedule: CheckpointSchedule = CheckpointSchedule(), nonFinite: NonFinitePolicy = .skipAlways) {
        self.stop = stop
        self.checkpointPath = checkpointPath
        self.checkpointMetadata = checkpointMetadata
        self.schedule = schedule
        self.nonFinite = nonFinite
    }
}

/// How a `Trainer.run` ended.
public enum TrainingEnd {
    /// The whole budget was trained (the weights are the final, possibly best-validation, ones).
    case finished(TrainingOutcome)
    /// Stopped on request after a step; a checkpoint was written when a path was given.
    case interrupted(TrainingOutcome)
    /// Stopped by an error: non-finite steps under the policy, or a checkpoint that could not be written.
    case failed(NTMError, TrainingOutcome)

    public var outcome: TrainingOutcome {
        switch self {
        case .finished(let o), .interrupted(let o), .failed(_, let o): return o
        }
    }
}
