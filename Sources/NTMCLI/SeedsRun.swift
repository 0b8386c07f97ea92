// `--seeds`: the same experiment over several training seeds, one seed after another, each into its
// own complete run directory (DIR/seed<S>/, the run that `--seed S --out DIR/seed<S>` makes alone),
// then the comparison across seeds in DIR.
import Foundation
import NTMCore
import NTMReport
@_spi(Testing) import NTMTraining

struct SeedsRun {
    let command: TaskCommand
    let config: ExperimentConfig
    let seeds: [UInt64]
    let out: String
    /// The flags as given (for the per-seed commands).
    let raw: [String]
    let threads: Int
    let options: RunOptions
    let display: ProgressDisplay
    let hooks: RunHooks

    /// `--seeds 1,2,3` (those seeds) or `--seeds N` (seeds 1...N).
    static func parse(_ text: String) throws(NTMError) -> [UInt64] {
        let bad = NTMError.usage("--seeds must be a count N (seeds 1...N, N in 1...1000) or seeds separated by commas, got '\(text)'")
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        if parts.count == 1 {
            guard let n = Int(text), (1...1000).contains(n) else { throw bad }
            return (1...n).map(UInt64.init)
        }
        var seeds: [UInt64] = []
        for part in parts {
            guard let s = Int(part), (0...Int(Int32.max)).contains(s) else { throw bad }
            guard !seeds.contains(UInt64(s)) else { throw .usage("--seeds: seed \(s) is listed twice") }
            seeds.append(UInt64(s))
        }
        return seeds
    }

    /// `1-5` for consecutive seeds, else `1,3,7`: the default directory's suffix.
    static func label(_ seeds: [UInt64]) -> String {
        if seeds.count > 1, zip(seeds, seeds.dropFirst()).allSatisfy({ $1 == $0 + 1 }) {
            return "\(seeds.first!)-\(seeds.last!)"
        }
        return seeds.map(String.init).joined(separator: ",")
    }

    static func directory(_ out: String, seed: UInt64) -> String { "\(out)/seed\(seed)" }

    /// The command that makes one seed's run alone: the flags given, without --seeds, --out and --resume,
    /// with --seed S --out DIR/seed<S>.
    func seedCommand(_ seed: UInt64) -> String {
        var kept: [String] = []
        var i = 0
        while i < raw.count {
            let a = raw[i]
            if a == "--seeds" || a == "--out" {
                i += 2
                continue
            }
            if a.hasPrefix("--seeds=") || a.hasPrefix("--out=") || a == "--resume" {
                i += 1
                continue
            }
            kept.append(a)
            i += 1
        }
        return CommandLineText.render([command.name] + kept + ["--seed", "\(seed)", "--out", Self.directory(out, seed: seed)])
    }

    func execute() throws(NTMError) -> Int32 {
        try OutputDirectory.prepare(out)
        let recorded = RunSession.recordedCommand(command.name, raw)
        let lock = try OutputLock.acquire(directory: out, command: recorded)
        defer { lock.release() }
        OutputDirectory.removeStaleTemporaries(in: out)
        // One stop token and one signal trap for every seed, so Ctrl-C between seeds stops cleanly too.
        let stop = hooks.stop ?? StopToken()
        let trap = hooks.stop == nil ? SignalTrap(token: stop, note: { display.alert($0) }) : nil
        defer { trap?.remove() }
        var seedHooks = hooks
        seedHooks.stop = stop

        var reports: [RunReport] = []
        var status = RunReport.Status.finished
        var failure: NTMError?
        var exitStatus: Int32 = 0
        for (i, seed) in seeds.enumerated() {
            if stop.isRequested {
                status = .interrupted
                exitStatus = SignalTrap.exitStatus(stop)
                break
            }
            var c = config
            c.seed = seed
            display.note("\(CommandLineText.program) \(command.name): seed \(seed) (\(i + 1) of \(seeds.count)) into \(Self.directory(out, seed: seed))")
            display.note(command.startNote(c, threads: threads))
            do {
                let outcome = try RunSession.execute(config: c, out: Self.directory(out, seed: seed), threads: threads,
                                                     options: options, display: display, command: seedCommand(seed),
                                                     hooks: seedHooks)
                reports.append(outcome.report)
                if outcome.status != 0 {
                    status = .interrupted
                    exitStatus = outcome.status
                    break
                }
            } catch {
                // A seed that could not start (a usage error) stops everything without a report; one that
                // failed while training leaves its own report, and the comparison says so.
                if error.kind == .usage && reports.isEmpty { throw error }
                status = .failed
                failure = error
                break
            }
        }
        let report = SeedsReport(config: config, seeds: seeds, runs: reports, command: recorded, manifest: .current(threads: threads),
                                 status: status, failure: failure?.message)
        do { try report.write(to: out) } catch {
            if let failure { throw failure }
            throw error
        }
        if let failure { throw failure }
        if status == .finished {
            Self.printSummary(report, out: out)
        } else {
            display.alert("\(CommandLineText.program): interrupted after \(reports.filter { $0.status == .finished }.count) of \(seeds.count) seeds; "
                          + "comparison so far in \(out)/report.md; continue with: \(recorded) --resume")
        }
        return exitStatus
    }

    static func printSummary(_ report: SeedsReport, out: String) {
        let points = report.config.evaluationPoints
        print("mean bit errors over \(report.runs.count) seeds")
        let width = TaskCommand.summaryColumnWidth(points), nameWidth = TaskCommand.nameColumnWidth(report.models)
        print("model".padding(toLength: nameWidth, withPad: " ", startingAt: 0) + points.map { "errors@\($0)".padding(toLength: width, withPad: " ", startingAt: 0) }.joined())
        for kind in report.models {
            let cells = points.map { p in
                Markdown.bits(report.statistics(kind, p, \.bitErrors).mean).padding(toLength: width, withPad: " ", startingAt: 0)
            }
            print(kind.rawValue.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + cells.joined())
        }
        print("report: \(out)/report.md")
    }
}
