// `ntm-bench sweep run DIR`: the sweep's unfinished runs on this machine, N at a time (each in its own
// directory, claimed first so that other processes and array tasks leave it alone), or one run by its index
// (a Slurm array task). Every run resumes from its checkpoints; finished runs are skipped.
import Foundation
import NTMCore
import NTMReport
import NTMSweep
@_spi(Testing) import NTMTraining

final class SweepRunner: @unchecked Sendable {
    let sweep: String
    let plan: SweepPlan
    let threadsPerRun: Int
    let lease: Double
    let display: ProgressDisplay
    let owner: ClaimOwner
    /// Asked by a signal: every run stops after its current step and checkpoints.
    let stop: StopToken
    private let lock = NSLock()
    private var active: [StopToken] = []
    private var stopping = false

    /// How one run ended, for this invocation.
    enum Outcome {
        case finished
        case alreadyDone
        case busy(ClaimOwner?)
        case interrupted(Int32)
        case failed(String)
    }

    init(sweep: String, plan: SweepPlan, threadsPerRun: Int, lease: Double, display: ProgressDisplay, owner: ClaimOwner, stop: StopToken) {
        self.sweep = sweep
        self.plan = plan
        self.threadsPerRun = threadsPerRun
        self.lease = lease
        self.display = display
        self.owner = owner
        self.stop = stop
    }

    static func run(_ raw: [String], specs: [FlagSpec], hooks: RunHooks = RunHooks()) throws(NTMError) -> Int32 {
        guard let (dir, args) = try SweepCommand.operand(raw, sub: "run", what: "DIR (a sweep directory)", specs: specs) else { return 0 }
        let out: String
        if OutputDirectory.isFile(dir) {
            // A sweep file: planned first (planning an unchanged file again changes nothing).
            out = args.string("out") ?? SweepCommand.defaultDirectory(dir)
            let planned = try SweepCommand.plan(file: dir, into: out)
            if !args.has("quiet") { FileHandle.standardError.write(Data("\(CommandLineText.program) sweep: \(planned)\n".utf8)) }
        } else {
            if args.has("out") { throw .usage("sweep run: --out goes with a sweep file; \(dir) is already a sweep directory") }
            out = try SweepCommand.sweepDirectory(dir, sub: "run")
        }
        let plan = try SweepPlan.load(sweep: out)
        let jobs = try args.int("jobs", in: 1...256) ?? 1
        let threads = try args.int("threads", in: 1...1024) ?? ProcessInfo.processInfo.activeProcessorCount
        let lease = try args.double("lease", in: 1...86400 * 7) ?? RunClaim.defaultLease
        let display = ProgressDisplay(quiet: args.has("quiet"))
        if args.has("index") && args.has("run") { throw .usage("sweep run: --index and --run both name one run; give one") }
        var only: SweepPlan.Run?
        if let i = try args.int("index", in: 0...Int(Int32.max)) {
            guard i < plan.runs.count else {
                throw .usage("sweep run: --index \(i) is beyond the plan's \(plan.runs.count) runs (indices 0...\(plan.runs.count - 1))")
            }
            only = plan.runs[i]
        } else if let id = args.string("run") {
            guard let r = plan.run(id: id) else { throw .usage("sweep run: \(out)/\(SweepPlan.manifestFile) has no run '\(id)'") }
            only = r
        }
        if only != nil && args.has("jobs") { throw .usage("sweep run: --jobs runs several runs; --index and --run name one") }

        let stop = hooks.stop ?? StopToken()
        let runner = SweepRunner(sweep: out, plan: plan, threadsPerRun: max(1, threads / jobs), lease: lease, display: display,
                                 owner: .current(), stop: stop)
        // SIGUSR1 is Slurm's warning before the time limit (and `scancel --signal=USR1`): checkpoint, then requeue.
        let trap = hooks.stop == nil
            ? SignalTrap(token: stop, signals: [SIGINT, SIGTERM, SIGUSR1], note: { display.alert($0) }, then: { runner.stopAll() })
            : nil
        defer { trap?.remove() }
        if let only { return try runner.runOne(only) }
        return try runner.runAll(jobs: jobs, retryFailed: args.has("retry-failed"))
    }

    /// Asks every run in progress to stop after its current step.
    func stopAll() {
        let tokens: [StopToken] = lock.withLock {
            stopping = true
            return active
        }
        for t in tokens { t.request(signal: stop.signal) }
    }

    // MARK: - One run (a Slurm array task)

    func runOne(_ run: SweepPlan.Run) throws(NTMError) -> Int32 {
        guard run.planned else {
            display.note("\(CommandLineText.program) sweep: \(run.id) is no longer in the sweep file; nothing to do")
            return 0
        }
        switch execute(run) {
        case .finished, .alreadyDone:
            return 0
        case .busy(let holder):
            display.alert("\(CommandLineText.program) sweep: \(run.id) is being run by \(holder?.description ?? "another process"); nothing to do")
            return 0
        case .interrupted(let status):
            if stop.signal == SIGUSR1, let task = owner.slurmTask { return requeue(task, what: run.id) }
            return status
        case .failed(let message):
            throw .runtime("\(run.id): \(message)")
        }
    }

    /// Asks Slurm to queue this array task again; it resumes the run from the checkpoints just written.
    func requeue(_ task: String, what: String) -> Int32 {
        display.alert("\(CommandLineText.program) sweep: \(what) checkpointed; requeueing Slurm task \(task)")
        guard let scontrol = SweepCommand.findExecutable("scontrol") else {
            display.alert("\(CommandLineText.program) sweep: scontrol is not on PATH; the task is not requeued (resubmit with 'sweep slurm \(sweep) --submit')")
            return SignalTrap.exitStatus(stop)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: scontrol)
        process.arguments = ["requeue", task]
        do { try process.run() } catch { return SignalTrap.exitStatus(stop) }
        process.waitUntilExit()
        return process.terminationStatus == 0 ? 0 : SignalTrap.exitStatus(stop)
    }

    // MARK: - Many runs

    /// Seconds `sweep run` waits for another process's report of the same sweep before giving up on its own.
    static let reportWait: Double = 300

    func runAll(jobs: Int, retryFailed: Bool) throws(NTMError) -> Int32 {
        let started = Date()
        let before = SweepState.states(plan, sweep: sweep, as: owner, lease: lease)
        let candidates = before.filter { $0.state.isToDo(retryFailed: retryFailed) }.map(\.run)
        let skippedFailed = retryFailed ? 0 : before.filter(\.state.isFailed).count
        display.note("\(CommandLineText.program) sweep: \(candidates.count) of \(plan.plannedRuns.count) runs to do, \(min(jobs, max(1, candidates.count))) at a time, "
                     + "\(threadsPerRun) thread\(threadsPerRun == 1 ? "" : "s") each")
        let queue = WorkQueue(candidates)
        let group = DispatchGroup()
        for _ in 0..<min(jobs, max(1, candidates.count)) {
            group.enter()
            Thread.detachNewThread { [self] in
                defer { group.leave() }
                while !stop.isRequested, let run = queue.take() {
                    queue.record(run, execute(run))
                }
            }
        }
        group.wait()
        let outcomes = queue.outcomes

        var finished = 0, failed: [(SweepPlan.Run, String)] = [], busy = 0, interrupted = 0
        var interruptedStatus: Int32 = 0
        for (run, o) in outcomes {
            switch o {
            case .finished: finished += 1
            case .alreadyDone: break
            case .busy: busy += 1
            case .interrupted(let status):
                interrupted += 1
                interruptedStatus = status
            case .failed(let m): failed.append((run, m))
            }
        }
        let states = SweepState.states(plan, sweep: sweep, as: owner, lease: lease)
        let done = states.filter { $0.state == .done }.count
        print("\(sweep): \(finished) run\(finished == 1 ? "" : "s") finished in \(Markdown.duration(Date().timeIntervalSince(started))); \(done) of \(states.count) done"
              + (failed.isEmpty ? "" : ", \(failed.count) failed") + (skippedFailed > 0 ? ", \(skippedFailed) failed before (skipped; --retry-failed)" : "")
              + (busy > 0 ? ", \(busy) run by other processes" : "") + (interrupted > 0 ? ", \(interrupted) interrupted" : ""))
        for (run, m) in failed { print("failed: \(run.id): \(m)") }
        var reportFailed = false
        if done > 0 {
            // Other processes sharing the directory may be writing the report as they finish too: wait for them, then
            // build it under the lock, so that the last writer's report has every run finished before it.
            do throws(NTMError) {
                try ReportCommand.write(sweep, waiting: Self.reportWait) { d throws(NTMError) in
                    try SweepReport.build(directories: [sweep], command: CommandLineText.render(["report", sweep]), lease: lease)
                        .write(to: d)
                }
                print("report: \(sweep)/report.md")
            } catch {
                display.alert("\(CommandLineText.program) sweep: the report was not written (\(error.message)); "
                              + "rebuild it with '\(CommandLineText.render(["report", sweep]))'")
                reportFailed = true
            }
        }
        // A whole `sweep run --jobs N` inside one Slurm job is requeued like an array task.
        if stop.signal == SIGUSR1, let task = owner.slurmTask { return requeue(task, what: "\(interrupted) runs") }
        if stop.isRequested || interrupted > 0 {
            display.alert("\(CommandLineText.program) sweep: interrupted; the same command continues (interrupted runs resume from their checkpoints)")
            return stop.isRequested ? SignalTrap.exitStatus(stop) : interruptedStatus
        }
        return failed.isEmpty && !reportFailed ? 0 : 1
    }

    /// The runs still to start, handed to the workers one at a time, and how each ended.
    final class WorkQueue: @unchecked Sendable {
        private let lock = NSLock()
        private let runs: [SweepPlan.Run]
        private var next = 0
        private var ended: [(SweepPlan.Run, Outcome)] = []

        init(_ runs: [SweepPlan.Run]) { self.runs = runs }

        func take() -> SweepPlan.Run? {
            lock.withLock {
                guard next < runs.count else { return nil }
                defer { next += 1 }
                return runs[next]
            }
        }

        func record(_ run: SweepPlan.Run, _ outcome: Outcome) { lock.withLock { ended.append((run, outcome)) } }

        var outcomes: [(SweepPlan.Run, Outcome)] { lock.withLock { ended } }
    }

    // MARK: - Running a run

    /// Claims `run`, trains it (resuming from its checkpoints), and lets it go.
    func execute(_ run: SweepPlan.Run) -> Outcome {
        let dir = SweepPlan.runDirectory(sweep, run.id)
        let token = StopToken()
        if let limit = stop.stopAfterSteps { token.stopAfterSteps = limit }
        let registered: Bool = lock.withLock {
            guard !stopping else { return false }
            active.append(token)
            return true
        }
        guard registered else { return .interrupted(SignalTrap.exitStatus(stop)) }
        defer { lock.withLock { active.removeAll { $0 === token } } }
        do throws(NTMError) {
            try OutputDirectory.makeDirectories(dir)
            let attempt = try RunClaim.acquire(run: dir, owner: owner, lease: lease, done: {
                SweepState.state(of: run, sweep: sweep, as: owner, lease: lease) == .done
            }, onLost: { [display] in
                display.alert("\(CommandLineText.program) sweep: \(run.id) was taken over by another process (its lease ran out); stopping it here")
                token.request()
            })
            let claim: RunClaim
            switch attempt {
            case .acquired(let c): claim = c
            case .busy(let holder): return .busy(holder)
            case .done: return .alreadyDone
            }
            // Someone may have finished it between our look and our claim.
            if SweepState.state(of: run, sweep: sweep, as: owner, lease: lease) == .done {
                claim.release(outcome: "finished")
                return .alreadyDone
            }
            unlink("\(dir)/\(SweepState.failureFile)")
            let config = try Preset.decode(Array(run.config.serialized().utf8), source: "\(sweep)/\(SweepPlan.manifestFile): \(run.id)")
            let how = SweepState.progress(dir).map { "resumes from its \($0)" } ?? "started"
            display.note("\(CommandLineText.program) sweep: [\(run.index)] \(run.id) \(how) (\(threadsPerRun) thread\(threadsPerRun == 1 ? "" : "s"))")
            let began = Date()
            do throws(NTMError) {
                let outcome = try RunSession.execute(
                    config: config, out: dir, threads: threadsPerRun,
                    options: RunOptions(resume: true, checkpointEvery: nil, nonFinite: .default), display: ProgressDisplay(quiet: true),
                    command: CommandLineText.render(["sweep", "run", sweep, "--run", run.id]),
                    hooks: RunHooks(stop: token), claimed: true)
                if outcome.status != 0 || claim.lost {
                    claim.release(outcome: "interrupted")
                    display.note("\(CommandLineText.program) sweep: [\(run.index)] \(run.id) interrupted; it resumes from its checkpoints")
                    return .interrupted(outcome.status == 0 ? 1 : outcome.status)
                }
                claim.release(outcome: "finished")
                display.note("\(CommandLineText.program) sweep: [\(run.index)] \(run.id) done in \(Markdown.duration(Date().timeIntervalSince(began)))")
                return .finished
            } catch {
                try? AtomicFile.write(error.message + "\n", to: "\(dir)/\(SweepState.failureFile)")
                claim.release(outcome: "failed")
                display.alert("\(CommandLineText.program) sweep: [\(run.index)] \(run.id) failed: \(error.message)")
                return .failed(error.message)
            }
        } catch {
            return .failed(error.message)
        }
    }
}
