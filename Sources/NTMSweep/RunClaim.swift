// Who runs a run of a sweep, on a shared file system (NFS, Lustre) where flock(2) cannot be trusted.
//
// A claim is a generation directory `RUN/.claims/gNNNNNNNN`, taken with mkdir(2): creating a directory is
// exclusive on every file system a cluster shares (the server decides; it needs no lock manager), so of
// two array tasks that try the same generation exactly one succeeds. The highest generation is the
// current claim. Its owner writes `owner.json` (host, process, Slurm job) and rewrites `heartbeat` every
// lease/20; when it ends it writes `released`. A contender takes the next generation only when the current
// one is released or its owner is known to be gone:
//   - on the same host, the owner's process no longer exists (process id and start time);
//   - the contender is the same Slurm array task, requeued (a higher SLURM_RESTART_COUNT): Slurm starts a
//     requeued task only after the earlier one has ended;
//   - the heartbeat is older than the lease (a node that died without a requeue).
// Generations are never removed, so a stale directory listing can never let mkdir succeed on a taken one.
// An owner that finds a later generation (its lease ran out while it was stalled) stops after its current
// step. Until it notices, both write the same run deterministically through atomic renames: no file is
// torn or wrong; at worst a checkpoint of an earlier step replaces a later one.
import Foundation
import NTMCore

/// The process holding, or asking for, a claim.
public struct ClaimOwner: Sendable, Equatable {
    public var host: String
    public var pid: Int32
    /// The process's start time in clock ticks since boot (`/proc/PID/stat` field 22), so that a recycled
    /// process id is not mistaken for the owner.
    public var processStart: String
    /// `ARRAYJOB_TASK` (or the job id) under Slurm.
    public var slurmTask: String?
    /// `SLURM_RESTART_COUNT`: how often Slurm has requeued the task.
    public var restarts: Int
    /// Seconds since 1970 when the claim was taken.
    public var started: Double

    public init(host: String, pid: Int32, processStart: String, slurmTask: String?, restarts: Int, started: Double) {
        self.host = host
        self.pid = pid
        self.processStart = processStart
        self.slurmTask = slurmTask
        self.restarts = restarts
        self.started = started
    }

    /// This process.
    public static func current(environment: [String: String] = ProcessInfo.processInfo.environment) -> ClaimOwner {
        var task: String?
        if let job = environment["SLURM_ARRAY_JOB_ID"], let index = environment["SLURM_ARRAY_TASK_ID"] {
            task = "\(job)_\(index)"
        } else if let job = environment["SLURM_JOB_ID"] {
            task = job
        }
        return ClaimOwner(host: hostName, pid: getpid(), processStart: processStartTime(getpid()) ?? "", slurmTask: task,
                          restarts: environment["SLURM_RESTART_COUNT"].flatMap(Int.init) ?? 0,
                          started: Date().timeIntervalSince1970)
    }

    public static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Field 22 of `/proc/PID/stat`, or nil when the process does not exist (or the system has no procfs).
    static func processStartTime(_ pid: Int32) -> String? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // Fields after the command start at field 3.
        return fields.count > 19 ? String(fields[19]) : nil
    }

    /// `owner.json`.
    public var json: JSONValue {
        var members: [JSONMember] = [
            .init(key: "host", value: .string(host)), .init(key: "pid", value: .number(Double(pid))),
            .init(key: "process_start", value: .string(processStart)),
            .init(key: "restarts", value: .number(Double(restarts))), .init(key: "started", value: .number(started)),
        ]
        if let slurmTask { members.append(.init(key: "slurm_task", value: .string(slurmTask))) }
        return .object(members)
    }

    static func decode(_ json: JSONValue) -> ClaimOwner? {
        guard let host = json["host"]?.stringValue, let pid = json["pid"]?.intValue, let start = json["process_start"]?.stringValue,
              let restarts = json["restarts"]?.intValue, let started = json["started"]?.doubleValue,
              let p = Int32(exactly: pid) else { return nil }
        return ClaimOwner(host: host, pid: p, processStart: start, slurmTask: json["slurm_task"]?.stringValue, restarts: restarts,
                          started: started)
    }

    /// `pid 4021 on node07 (Slurm task 812_3)`.
    public var description: String {
        "pid \(pid) on \(host)" + (slurmTask.map { " (Slurm task \($0)\(restarts > 0 ? ", restart \(restarts)" : ""))" } ?? "")
    }
}

/// The state of a run's claim, as a contender sees it.
public enum ClaimState: Sendable, Equatable {
    /// Never claimed.
    case none
    /// The last owner ended and let go (`outcome`: finished, interrupted, failed).
    case released(outcome: String)
    /// Held by a live owner; `heartbeatAge` seconds since it last wrote.
    case live(ClaimOwner?, heartbeatAge: Double)
    /// Held by an owner that is gone, for `reason`.
    case stale(ClaimOwner?, reason: String)
}

/// A claim held by this process: its heartbeat runs until `release`.
public final class RunClaim: @unchecked Sendable {
    public static let folder = ".claims"
    /// How long an owner may go without a heartbeat before others take its run over.
    public static let defaultLease: Double = 600
    /// An owner that has not yet written `owner.json` after this long is taken to have died while claiming.
    static let startGrace: Double = 60

    public let runDirectory: String
    public let generation: Int
    public let owner: ClaimOwner
    private let lease: Double
    private var timer: DispatchSourceTimer?
    private let lock = NSLock()
    private var beats = 0
    private var released = false
    private var lostFlag = false
    private let onLost: @Sendable () -> Void

    /// True once a later generation exists: the run was taken over and this owner must stop.
    public var lost: Bool { lock.withLock { lostFlag } }

    private init(runDirectory: String, generation: Int, owner: ClaimOwner, lease: Double, onLost: @escaping @Sendable () -> Void) {
        self.runDirectory = runDirectory
        self.generation = generation
        self.owner = owner
        self.lease = lease
        self.onLost = onLost
    }

    static func claimsDirectory(_ run: String) -> String { "\(run)/\(folder)" }
    static func generationName(_ g: Int) -> String { "g" + String(repeating: "0", count: max(0, 8 - String(g).count)) + String(g) }

    /// The generations present, ascending.
    public static func generations(_ run: String) -> [Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: claimsDirectory(run))) ?? []
        return names.compactMap { name in name.hasPrefix("g") && name.count == 9 ? Int(name.dropFirst()) : nil }.sorted()
    }

    /// The state of `run`'s claim as `me` sees it (the requeue rule needs to know who asks).
    public static func inspect(run: String, as me: ClaimOwner = .current(), lease: Double = defaultLease,
                               now: Double = Date().timeIntervalSince1970) -> ClaimState {
        guard let g = generations(run).last else { return .none }
        let dir = "\(claimsDirectory(run))/\(generationName(g))"
        if let outcome = FileManager.default.contents(atPath: "\(dir)/released") {
            return .released(outcome: String(decoding: outcome, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        guard let data = FileManager.default.contents(atPath: "\(dir)/owner.json"), let json = try? JSONValue.parse(Array(data)),
              let owner = ClaimOwner.decode(json) else {
            let age = now - modificationTime(dir)
            return age > startGrace ? .stale(nil, reason: "its claim has no owner after \(Int(age)) s") : .live(nil, heartbeatAge: age)
        }
        if owner.host == me.host {
            let alive = owner.processStart.isEmpty ? kill(owner.pid, 0) == 0 || errno == EPERM
                : ClaimOwner.processStartTime(owner.pid) == owner.processStart
            if !alive { return .stale(owner, reason: "process \(owner.pid) on \(owner.host) is gone") }
        }
        if let task = me.slurmTask, task == owner.slurmTask, me.restarts > owner.restarts {
            return .stale(owner, reason: "Slurm requeued task \(task)")
        }
        var beat = owner.started
        if let data = FileManager.default.contents(atPath: "\(dir)/heartbeat"), let json = try? JSONValue.parse(Array(data)),
           let t = json["time"]?.doubleValue {
            beat = max(beat, t)
        }
        let age = now - beat
        if age > lease { return .stale(owner, reason: "no heartbeat for \(Int(age)) s (lease \(Int(lease)) s)") }
        return .live(owner, heartbeatAge: max(0, age))
    }

    static func modificationTime(_ path: String) -> Double {
        var s = stat()
        guard stat(path, &s) == 0 else { return 0 }
        return Double(s.st_mtim.tv_sec) + Double(s.st_mtim.tv_nsec) / 1e9
    }

    public enum Attempt {
        case acquired(RunClaim)
        /// Another live owner holds it.
        case busy(ClaimOwner?)
        /// Its last owner finished it (and `done` agrees): nothing to take.
        case done
    }

    /// Takes `run`'s claim unless a live owner holds it. `onLost` is called (on the heartbeat's queue) if the
    /// claim is later taken over.
    /// `done` says whether the run's files show it finished: a claim released as finished is then left alone
    /// (a process that listed the run as pending before another finished it takes nothing).
    public static func acquire(run: String, owner: ClaimOwner = .current(), lease: Double = defaultLease,
                               done: () -> Bool = { false },
                               onLost: @escaping @Sendable () -> Void = {}) throws(NTMError) -> Attempt {
        let claims = claimsDirectory(run)
        if mkdir(claims, 0o755) != 0 && errno != EEXIST {
            throw .runtime("cannot create \(claims): \(String(cString: strerror(errno)))")
        }
        for _ in 0..<8 {
            let top = generations(run).last
            if top != nil {
                switch inspect(run: run, as: owner, lease: lease) {
                case .live(let holder, _): return .busy(holder)
                case .released(let outcome) where outcome == "finished" && done(): return .done
                default: break
                }
            }
            let next = (top ?? 0) + 1
            let dir = "\(claims)/\(generationName(next))"
            if mkdir(dir, 0o755) == 0 {
                let claim = RunClaim(runDirectory: run, generation: next, owner: owner, lease: lease, onLost: onLost)
                try AtomicFile.write(claim.owner.json.serialized() + "\n", to: "\(dir)/owner.json")
                claim.beat()
                claim.start()
                return .acquired(claim)
            }
            guard errno == EEXIST else { throw .runtime("cannot create \(dir): \(String(cString: strerror(errno)))") }
        }
        return .busy(nil)
    }

    private var directory: String { "\(Self.claimsDirectory(runDirectory))/\(Self.generationName(generation))" }

    private func start() {
        let interval = max(0.2, lease / 20)
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "ntm-bench.claim"))
        timer.schedule(deadline: .now() + interval, repeating: interval)
        timer.setEventHandler { [weak self] in self?.beat() }
        timer.resume()
        lock.withLock { self.timer = timer }
    }

    /// Rewrites the heartbeat, and checks that no one has taken the run over.
    func beat() {
        let done: Bool = lock.withLock {
            beats += 1
            return released
        }
        if done { return }
        if FileManager.default.fileExists(atPath: "\(Self.claimsDirectory(runDirectory))/\(Self.generationName(generation + 1))") {
            let first: Bool = lock.withLock {
                defer { lostFlag = true }
                return !lostFlag
            }
            if first { onLost() }
            return
        }
        let text = JSONValue.object([.init(key: "time", value: .number(Date().timeIntervalSince1970)),
                                     .init(key: "count", value: .number(Double(lock.withLock { beats })))]).serialized() + "\n"
        try? AtomicFile.write(text, to: "\(directory)/heartbeat")
    }

    /// Stops the heartbeat and lets go of the run, saying how it ended (unless it was taken over).
    public func release(outcome: String) {
        let first: Bool = lock.withLock {
            defer { released = true }
            return !released
        }
        guard first else { return }
        lock.withLock { timer }?.cancel()
        if !lost { try? AtomicFile.write(outcome + "\n", to: "\(directory)/released") }
    }

    deinit { timer?.cancel() }
}
