// What each run of a sweep has become, read from its directory and its claim: done, running, failed or
// pending (never started, or interrupted with checkpoints to resume from).
import Foundation
import NTMCore
import NTMTraining

/// The state of one run of a sweep.
public enum RunState: Sendable, Equatable {
    /// Trained and evaluated: `results.json` says finished.
    case done
    /// A live owner holds its claim.
    case running(ClaimOwner?, heartbeatAge: Double)
    /// It stopped on an error; `reason` is the error's line.
    case failed(reason: String)
    /// Not finished and no one runs it; `progress` says how far its checkpoints reach, if it has any.
    case pending(progress: String?)

    /// Whether a run in this state is one to start: pending, or failed when failures are retried (done and
    /// running runs are left alone).
    public func isToDo(retryFailed: Bool) -> Bool {
        switch self {
        case .done, .running: return false
        case .failed: return retryFailed
        case .pending: return true
        }
    }

    public var isFailed: Bool {
        if case .failed = self { return true }
        return false
    }

    public var name: String {
        switch self {
        case .done: return "done"
        case .running: return "running"
        case .failed: return "failed"
        case .pending: return "pending"
        }
    }
}

public enum SweepState {
    /// Written into a run's directory when the run stops on an error that left no report (its line).
    public static let failureFile = ".sweep-failure"

    /// The state of `run` in `sweep` as `me` sees it.
    public static func state(of run: SweepPlan.Run, sweep: String, as me: ClaimOwner = .current(),
                             lease: Double = RunClaim.defaultLease) -> RunState {
        let dir = SweepPlan.runDirectory(sweep, run.id)
        let results = resultsStatus(dir)
        if results?.status == "finished" { return .done }
        if case .live(let owner, let age) = RunClaim.inspect(run: dir, as: me, lease: lease) {
            return .running(owner, heartbeatAge: age)
        }
        if let data = FileManager.default.contents(atPath: "\(dir)/\(failureFile)") {
            let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
            return .failed(reason: line.isEmpty ? "stopped on an error (no message)" : line)
        }
        if results?.status == "failed" { return .failed(reason: results?.error ?? "stopped on an error") }
        return .pending(progress: progress(dir))
    }

    /// `status` and `error` of `DIR/results.json`, or nil when it is missing or unreadable.
    static func resultsStatus(_ dir: String) -> (status: String, error: String?)? {
        guard let data = FileManager.default.contents(atPath: "\(dir)/results.json"),
              let json = try? JSONValue.parse(Array(data)), let status = json["status"]?.stringValue else { return nil }
        return (status, json["error"]?.stringValue)
    }

    /// `at 12000 of 40000 sequences` from the run's training checkpoint, when it has one.
    public static func progress(_ dir: String) -> String? {
        let stateDir = "\(dir)/train-state"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: stateDir)) ?? []).filter { $0.hasSuffix(".safetensors") && !$0.hasPrefix(".") }
        guard let name = names.sorted().first, let metadata = try? SafeTensorsFile.readMetadata(path: "\(stateDir)/\(name)"),
              let peek = TrainingCheckpoint.peekStatus(metadata: metadata) else { return nil }
        if peek.status == TrainingState.Status.finished.rawValue { return "trained, not evaluated" }
        return peek.sequences.map { "checkpoint at \($0) sequences" }
    }

    /// Every planned run's state, in manifest order.
    public static func states(_ plan: SweepPlan, sweep: String, as me: ClaimOwner = .current(),
                              lease: Double = RunClaim.defaultLease) -> [(run: SweepPlan.Run, state: RunState)] {
        plan.plannedRuns.map { ($0, state(of: $0, sweep: sweep, as: me, lease: lease)) }
    }
}
