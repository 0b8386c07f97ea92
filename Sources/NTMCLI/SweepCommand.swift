// `ntm-bench sweep plan|run|slurm|status`: a sweep file expanded once into runs (one directory per run,
// named by a hash of its configuration), run on this machine N at a time or as a Slurm job array, its state
// read back at any time; `ntm-bench report SWEEP_DIR...` merges it into one report.
import Foundation
import NTMCore
import NTMReport
import NTMSweep
import NTMTraining

enum SweepCommand {
    static let summary = "plan a sweep (tasks x models x seeds x a grid) and run it here or as a Slurm job array"

    static let planSpecs: [FlagSpec] = [
        FlagSpec("out", "DIR", "the sweep directory (default: runs/sweeps/<the file's name>)"),
        SharedFlags.help,
    ]
    static let runSpecs: [FlagSpec] = [
        FlagSpec("out", "DIR", "given a sweep FILE instead of a directory: plan it into DIR first (default: runs/sweeps/<the file's name>)"),
        FlagSpec("jobs", "N", "runs at once (default 1); the threads are split between them"),
        FlagSpec("threads", "N", "threads in all (default: the number of cores; results do not depend on it)"),
        FlagSpec("index", "I", "run only the run of index I in sweep.json (what a Slurm array task does)"),
        FlagSpec("run", "ID", "run only the run ID"),
        FlagSpec("retry-failed", nil, "run failed runs again (by default they are skipped)"),
        FlagSpec("lease", "SECONDS", "a run whose owner has not written a heartbeat for this long is taken over (default 600)"),
        FlagSpec("quiet", nil, "no progress on stderr"),
        SharedFlags.help,
    ]
    static let slurmSpecs: [FlagSpec] = [
        FlagSpec("partition", "P", "the partition (default: the sweep file's resources.partition, else the cluster's default)"),
        FlagSpec("time", "T", "time limit of one array task, as 4:00:00 (default: the sweep file's resources.time); longer runs are requeued and resume"),
        FlagSpec("cpus", "C", "cores of one array task (default: resources.cpus)"),
        FlagSpec("mem", "M", "memory of one array task, as 4G (default: resources.memory)"),
        FlagSpec("max-parallel", "K", "at most K array tasks at once"),
        FlagSpec("retry-failed", nil, "include failed runs"),
        FlagSpec("submit", nil, "submit the script with sbatch and print the job id"),
        FlagSpec("wait", nil, "with --submit: wait until every array task has ended (sbatch --wait); exit with its status"),
        FlagSpec("dry-run", nil, "print the script; write and submit nothing"),
        SharedFlags.help,
    ]
    static let statusSpecs: [FlagSpec] = [
        FlagSpec("all", nil, "list every run, the done ones too"),
        FlagSpec("lease", "SECONDS", "as for sweep run (default 600)"),
        SharedFlags.help,
    ]

    static let help = """

        sweep plan FILE [--out DIR]       expand the sweep file into runs and write DIR/sweep.json (planning again adds only new runs)
        sweep run DIR [--jobs N]          run the unfinished runs here, N at a time; finished ones are skipped, interrupted ones resume
        sweep run FILE [--out DIR]        plan the sweep file into DIR, then run it
        sweep slurm DIR [--submit]        write DIR/slurm/array.sbatch: one array task per unfinished run
        sweep status DIR                  done / running / failed / pending, with each failed run's error
        report DIR [DIR...] [--out DIR]   the sweep's report (several directories of one sweep are merged)

        A sweep file (tasks/sweeps/*.json) has: tasks (names, or {"preset": "FILE.json"}), models, seeds (N or a list), grid
        ({"ntm.memoryRows": [64, 128]}: every combination) or points (a list of such objects), set (values for every run,
        as {"*.sequences": 2000}), resources ({"cpus": 2, "memory": "4G", "time": "4:00:00"}). Each run is one model on one
        seed, in runs/<task>-<model>-s<seed>-<hash>/, a complete run directory; a run is claimed with mkdir(2) and a heartbeat,
        which works on NFS and Lustre where flock does not.
        """

    static func run(_ raw: [String]) throws(NTMError) -> Int32 {
        guard let sub = raw.first, !sub.hasPrefix("-") else {
            print(Arguments.help(command: "sweep", summary: summary, usage: "plan|run|slurm|status ...", specs: [SharedFlags.help]) + "\n" + help)
            return raw.contains("--help") || raw.contains("-h") ? 0 : 2
        }
        let rest = Array(raw.dropFirst())
        switch sub {
        case "plan": return try plan(rest)
        case "run": return try SweepRunner.run(rest, specs: runSpecs)
        case "slurm": return try slurm(rest)
        case "status": return try status(rest)
        default:
            throw .usage("sweep: unknown subcommand '\(sub)' (expected plan, run, slurm or status)")
        }
    }

    /// The operand of a subcommand, or its help.
    static func operand(_ raw: [String], sub: String, what: String, specs: [FlagSpec]) throws(NTMError) -> (String, Arguments)? {
        let (operands, flags) = Arguments.separatingOperands(raw, specs: specs)
        let args = try Arguments(command: "sweep \(sub)", arguments: flags, specs: specs)
        if args.has("help") {
            print(Arguments.help(command: "sweep \(sub)", summary: summary, usage: "\(what) [flags]", specs: specs) + "\n" + help)
            return nil
        }
        guard operands.count == 1 else {
            throw .usage("sweep \(sub): give one \(what)" + (operands.count > 1 ? ", got \(operands.count): \(operands.joined(separator: " "))" : ""))
        }
        return (operands[0], args)
    }

    static func sweepDirectory(_ path: String, sub: String) throws(NTMError) -> String {
        guard OutputDirectory.isDirectory(path) else {
            throw .usage("sweep \(sub): \(path) is not a directory; give the directory of 'sweep plan FILE --out DIR'")
        }
        return path
    }

    // MARK: - plan

    static func plan(_ raw: [String]) throws(NTMError) -> Int32 {
        guard let (file, args) = try operand(raw, sub: "plan", what: "FILE (a sweep file)", specs: planSpecs) else { return 0 }
        let out = args.string("out") ?? defaultDirectory(file)
        print(try plan(file: file, into: out))
        print("next: \(CommandLineText.program) sweep run \(out) --jobs N, or \(CommandLineText.program) sweep slurm \(out) --submit")
        return 0
    }

    static func defaultDirectory(_ file: String) -> String {
        "runs/sweeps/" + URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
    }

    /// Plans the sweep file `file` into `out` (adding to an earlier plan there) and says what changed.
    static func plan(file: String, into out: String) throws(NTMError) -> String {
        let sweep = try SweepFile.load(path: file)
        let fresh = try SweepPlan.expand(sweep, source: file)
        try OutputDirectory.prepare(out)
        let lock = try OutputLock.acquire(directory: out, command: "sweep plan")
        defer { lock.release() }
        var plan = fresh
        var added = fresh.runs.count, dropped = 0
        if FileManager.default.fileExists(atPath: "\(out)/\(SweepPlan.manifestFile)") {
            let earlier = try SweepPlan.load(sweep: out)
            plan = fresh.merged(over: earlier)
            added = plan.runs.count - earlier.runs.count
            dropped = plan.runs.filter { !$0.planned }.count
        }
        try OutputDirectory.makeDirectories("\(out)/\(SweepPlan.runsFolder)")
        let wrote = try plan.write(sweep: out)
        let planned = plan.plannedRuns.count
        if !wrote { return "\(out)/\(SweepPlan.manifestFile) unchanged: \(planned) runs" }
        return "planned \(planned) run\(planned == 1 ? "" : "s") in \(out)/\(SweepPlan.manifestFile) (\(added) new"
            + (dropped > 0 ? ", \(dropped) no longer in the file, kept aside" : "") + ")"
    }

    // MARK: - status

    static func status(_ raw: [String]) throws(NTMError) -> Int32 {
        guard let (dir, args) = try operand(raw, sub: "status", what: "DIR (a sweep directory)", specs: statusSpecs) else { return 0 }
        let out = try sweepDirectory(dir, sub: "status")
        let plan = try SweepPlan.load(sweep: out)
        let lease = try args.double("lease", in: 1...86400 * 7) ?? RunClaim.defaultLease
        let states = SweepState.states(plan, sweep: out, lease: lease)
        var counts: [String: Int] = [:]
        for s in states { counts[s.state.name, default: 0] += 1 }
        print("\(out): \(states.count) runs: " + ["done", "running", "failed", "pending"].map { "\(counts[$0] ?? 0) \($0)" }.joined(separator: ", "))
        for (run, state) in states {
            if state == .done && !args.has("all") { continue }
            print("  \(run.index)\t\(run.id)\t\(SweepReport.describe(state))")
        }
        return 0
    }

    // MARK: - slurm

    static func slurm(_ raw: [String]) throws(NTMError) -> Int32 {
        guard let (dir, args) = try operand(raw, sub: "slurm", what: "DIR (a sweep directory)", specs: slurmSpecs) else { return 0 }
        let out = try sweepDirectory(dir, sub: "slurm")
        let plan = try SweepPlan.load(sweep: out)
        if args.has("submit") && args.has("dry-run") { throw .usage("sweep slurm: --submit and --dry-run exclude each other; give one") }
        if args.has("wait") && !args.has("submit") { throw .usage("sweep slurm: --wait waits for a submitted job; add --submit") }
        var options = SlurmScript.Options(partition: plan.resources.partition, timeSeconds: plan.resources.timeSeconds,
                                          cpus: plan.resources.cpus, memoryMB: plan.resources.memoryMB, maxParallel: nil)
        if let p = args.string("partition") { options.partition = try SlurmScript.checkPartition(p, what: "--partition") }
        if let t = args.string("time") { options.timeSeconds = try SweepFile.parseTime(t, path: "--time") }
        if let c = try args.int("cpus", in: 1...1024) { options.cpus = c }
        if let m = args.string("mem") { options.memoryMB = try SweepFile.parseMemory(m, path: "--mem") }
        options.maxParallel = try args.int("max-parallel", in: 1...100_000)
        let states = SweepState.states(plan, sweep: out)
        let indices = states.filter { $0.state.isToDo(retryFailed: args.has("retry-failed")) }.map(\.run.index)
        let failed = states.filter(\.state.isFailed).count
        guard !indices.isEmpty else {
            print("nothing to submit: \(states.filter { $0.state == .done }.count) of \(states.count) runs done"
                  + (failed > 0 ? ", \(failed) failed (add --retry-failed to run them again)" : "")
                  + (states.contains { if case .running = $0.state { return true } else { return false } } ? ", the others running" : ""))
            return 0
        }
        if let last = indices.last, last >= 1001 {
            // Slurm refuses array indices at or above MaxArraySize (1001 unless the cluster raises it).
            FileHandle.standardError.write(Data(("\(CommandLineText.program) sweep slurm: the array reaches index \(last); Slurm accepts it only if "
                + "the cluster's MaxArraySize exceeds it (1001 by default: scontrol show config | grep MaxArraySize)\n").utf8))
        }
        let cwd = FileManager.default.currentDirectoryPath
        let absolute = out.hasPrefix("/") ? out : cwd + "/" + out
        let jobName = "ntm-sweep-" + URL(fileURLWithPath: absolute).lastPathComponent
        let script = try SlurmScript.render(sweep: out, sweepAbsolute: absolute, workingDirectory: cwd, binary: executablePath,
                                        indices: indices, options: options, jobName: jobName)
        if args.has("dry-run") {
            print(String(script.dropLast()))
            return 0
        }
        try OutputDirectory.makeDirectories("\(out)/slurm")
        let path = "\(out)/slurm/array.sbatch"
        try AtomicFile.write(script, to: path)
        guard args.has("submit") else {
            print("wrote \(path): \(indices.count) array tasks; submit with: sbatch \(path)")
            return 0
        }
        guard let sbatch = findExecutable("sbatch") else {
            throw .runtime("sbatch is not on PATH: run this on a Slurm login node (the script is in \(path))")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: sbatch)
        process.arguments = ["--parsable"] + (args.has("wait") ? ["--wait"] : []) + [path]
        do { try process.run() } catch { throw .runtime("cannot start \(sbatch): \(error.localizedDescription)") }
        process.waitUntilExit()
        let status = process.terminationStatus
        if status != 0 && !args.has("wait") { throw .runtime("sbatch \(path) failed (exit status \(status)); its message is above") }
        FileHandle.standardError.write(Data("\(CommandLineText.program): \(indices.count) array tasks; follow them with: \(CommandLineText.program) sweep status \(out)\n".utf8))
        return status
    }

    /// The absolute path of the running program (what the array tasks execute).
    static var executablePath: String {
        if let link = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return link }
        let arg0 = CommandLine.arguments.first ?? CommandLineText.program
        return arg0.hasPrefix("/") ? arg0 : FileManager.default.currentDirectoryPath + "/" + arg0
    }

    static func findExecutable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
            return "\(dir)/\(name)"
        }
        return nil
    }
}
