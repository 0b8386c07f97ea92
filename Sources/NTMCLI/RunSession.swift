// The part of the task commands and `train` that makes a long run survive faults: the output directory's lock,
// training checkpoints in DIR/train-state/, --resume, Ctrl-C and SIGTERM, the non-finite policy,
// and a report that says whether the run finished.
import Foundation
import NTMCore
import NTMModels
import NTMReport
@_spi(Testing) import NTMTraining

/// The reliability flags of a long command.
struct RunOptions {
    var resume: Bool
    var checkpointEvery: Int?
    var nonFinite: NonFinitePolicy

    static let flags: [FlagSpec] = [
        FlagSpec("checkpoint-every", "N", "write a training checkpoint every N sequences (default: every 5% of the budget or every minute, whichever comes first)"),
        FlagSpec("resume", nil, "continue the run in --out from its training checkpoints (refused if a setting differs)"),
        FlagSpec("on-nonfinite", "skip|stop", "a step with a non-finite loss or gradient is never applied; skip it (stopping after 10 in a row) or stop at once (default: skip)"),
    ]

    static func parse(_ args: Arguments) throws(NTMError) -> RunOptions {
        var policy = NonFinitePolicy.default
        if let mode = args.string("on-nonfinite") {
            guard let m = NonFinitePolicy.Mode(rawValue: mode) else {
                throw .usage("--on-nonfinite must be skip or stop, got '\(mode)'")
            }
            policy.mode = m
        }
        return RunOptions(resume: args.has("resume"), checkpointEvery: try args.int("checkpoint-every", in: 1...100_000_000),
                          nonFinite: policy)
    }
}

enum RunSession {
    static let stateFolder = "train-state"

    /// The command to record in reports: the one typed, without `--resume` (a resumed run reports the
    /// command that makes it from scratch).
    static func recordedCommand(_ command: String, _ raw: [String]) -> String {
        CommandLineText.render([command] + raw.filter { $0 != "--resume" })
    }

    /// What a run left: its exit status (0, or 130/143 when stopped by a signal) and its report.
    struct Outcome {
        var status: Int32
        var report: RunReport
    }

    /// Trains `config` into `out` and writes its report; returns the exit status and the report, or throws
    /// the error that stopped it.
    /// `claimed`: the caller already holds the run (a sweep's claim, which works where flock does not), so
    /// no lock is taken and no summary is printed.
    static func execute(config: ExperimentConfig, out: String, threads: Int, options: RunOptions, display: ProgressDisplay,
                        command: String, hooks: RunHooks, claimed: Bool = false) throws(NTMError) -> Outcome {
        try OutputDirectory.prepare(out)
        let lock: OutputLock? = claimed ? nil : try OutputLock.acquire(directory: out, command: command)
        defer { lock?.release() }
        let stop = hooks.stop ?? StopToken()
        let trap = hooks.stop == nil ? SignalTrap(token: stop, note: { display.alert($0) }) : nil
        defer { trap?.remove() }
        let stateDirectory = out + "/" + stateFolder
        OutputDirectory.removeStaleTemporaries(in: out)
        OutputDirectory.removeStaleTemporaries(in: stateDirectory)

        var resume: [ModelKind: TrainingState] = [:]
        if options.resume {
            resume = try Experiment.loadStates(config, directory: stateDirectory)
            display.note(resumeNote(config, resume, stateDirectory))
        } else {
            try refuseUnfinishedRun(out: out, stateDirectory: stateDirectory)
            try OutputDirectory.clearPreviousRun(out: out, stateDirectory: stateDirectory)
        }
        do { try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true) } catch {
            throw .runtime("cannot create \(stateDirectory): \(OutputDirectory.reason(error))")
        }

        var control = ExperimentControl(stop: stop, stateDirectory: stateDirectory,
                                        schedule: options.checkpointEvery.map { CheckpointSchedule(everySequences: $0) },
                                        nonFinite: options.nonFinite, resume: resume)
        control.gradientHook = hooks.gradientHook
        let run = Experiment.run(config, threads: threads, progress: display.board(order: config.models.map(\.rawValue)),
                                 control: control)
        display.finish()
        let report: RunReport
        switch run.status {
        case .finished:
            report = RunReport(config: config, results: run.results, command: command, manifest: .current(threads: threads), status: .finished)
        case .interrupted:
            report = RunReport(config: config, results: run.results, command: command, manifest: .current(threads: threads), status: .interrupted)
        case .failed(let error):
            report = RunReport(config: config, results: run.results, command: command, manifest: .current(threads: threads), status: .failed,
                               failure: error.message)
        }
        do { try report.write(to: out) } catch {
            // The error that stopped the run explains more than a report that could not be written after it.
            if case .failed(let cause) = run.status { throw cause }
            throw error
        }
        switch run.status {
        case .finished:
            if !claimed { TaskCommand.printSummary(report, out: out) }
            return Outcome(status: 0, report: report)
        case .interrupted:
            let done = run.results.map { r in
                r.finished ? "\(r.kind.rawValue) finished"
                    : r.outcome.sequences == r.training.sequences ? "\(r.kind.rawValue) trained, not evaluated"
                    : "\(r.kind.rawValue) \(r.outcome.sequences)/\(r.training.sequences)"
            }.joined(separator: ", ")
            display.alert("\(CommandLineText.program): interrupted (\(done)); checkpoints in \(stateDirectory), report in \(out)/report.md; "
                         + "continue with: \(command)\(claimed ? "" : " --resume")")
            return Outcome(status: SignalTrap.exitStatus(stop), report: report)
        case .failed(let error):
            throw error
        }
    }

    static func resumeNote(_ config: ExperimentConfig, _ states: [ModelKind: TrainingState], _ directory: String) -> String {
        if states.isEmpty { return "\(CommandLineText.program): no training checkpoint in \(directory); starting from the beginning" }
        let parts = config.models.map { kind -> String in
            guard let s = states[kind] else { return "\(kind.rawValue) from the beginning" }
            if s.status == .finished { return "\(kind.rawValue) finished" }
            return "\(kind.rawValue) at \(s.sequences)/\(config.plan(kind).training.sequences) sequences"
        }
        return "\(CommandLineText.program): resuming: " + parts.joined(separator: ", ")
    }

    /// A new run (without --resume) must not silently discard an unfinished one.
    static func refuseUnfinishedRun(out: String, stateDirectory: String) throws(NTMError) {
        for name in OutputDirectory.stateFiles(stateDirectory) {
            let path = stateDirectory + "/" + name
            let where_: String
            if let metadata = try? SafeTensorsFile.readMetadata(path: path), let peek = TrainingCheckpoint.peekStatus(metadata: metadata) {
                if peek.status == TrainingState.Status.finished.rawValue { continue }
                where_ = peek.sequences.map { "at \($0) sequences" } ?? "unfinished"
            } else {
                where_ = "unreadable"
            }
            throw .usage("--out \(out) holds an unfinished run (\(stateFolder)/\(name), \(where_)); continue it with --resume, "
                         + "or choose another --out")
        }
    }
}
