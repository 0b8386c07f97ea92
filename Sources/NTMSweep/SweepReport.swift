// A sweep's report, merged from one or more sweep directories of the same plan (the runs of one sweep done
// on several clusters and copied back): a table per task and grid point (mean and spread over seeds, each
// model), its learning-curve and generalisation figures, and the runs that are missing or failed. Numbers
// are read from the runs' files, never recomputed.
import Foundation
import NTMCore
import NTMModels
import NTMReport
import NTMTasks
import NTMTraining

public struct SweepReport {
    /// One comparison: a task at one grid point.
    public struct Section {
        public var group: SweepPlan.Group
        /// The comparison's settings (its task, evaluation, every model's section).
        public var config: ExperimentConfig
        /// The comparison over the seeds that have at least one finished run.
        public var seeds: SeedsReport?
        /// `copy` or `copy-3` (the group's position when a task has several grid points): the figures' prefix.
        public var slug: String
    }

    /// A planned run that is not done, and where it stands.
    public struct Unfinished {
        public var run: SweepPlan.Run
        public var task: String
        public var state: RunState
    }

    public var plan: SweepPlan
    public var sections: [Section]
    public var unfinished: [Unfinished]
    /// Finished runs, and the machines and builds that made them (a summary line each, with its count).
    public var finishedRuns: Int
    public var machines: [(summary: String, runs: Int)]
    public var command: String
    public var manifest: RunManifest

    public static let figuresFolder = "figures"

    /// Reads the sweep directories `directories` (the first one's plan; the others must hold the same runs).
    public static func build(directories: [String], command: String, lease: Double = RunClaim.defaultLease) throws(NTMError) -> SweepReport {
        guard let first = directories.first else { throw .usage("report: no sweep directories given") }
        let plan = try SweepPlan.load(sweep: first)
        for other in directories.dropFirst() {
            let p = try SweepPlan.load(sweep: other)
            guard p.groups == plan.groups else {
                throw .usage("\(other) is not the same sweep as \(first) (its comparisons differ); merge directories planned from the same sweep file")
            }
        }
        // Each run from the first directory where it is done; else its most advanced state anywhere.
        var done: [String: String] = [:]
        var states: [String: RunState] = [:]
        for run in plan.plannedRuns {
            for d in directories {
                let s = SweepState.state(of: run, sweep: d, lease: lease)
                if s == .done {
                    done[run.id] = SweepPlan.runDirectory(d, run.id)
                    break
                }
                if states[run.id] == nil || rank(s) > rank(states[run.id]!) { states[run.id] = s }
            }
        }
        // Each finished run read once (a baseline may serve several grid points), checked against its plan.
        var reports: [String: RunReport] = [:]
        for (id, dir) in done.sorted(by: { $0.key < $1.key }) {
            let report = try SavedRun.report(directory: dir)
            let (then, now) = Experiment.comparableParts(plan.run(id: id)!.config, Preset.encode(report.config))
            if let difference = Experiment.firstDifference(checkpoint: then, now: now) {
                throw .runtime("\(dir) is not the run the sweep planned as \(id): \(difference.replacingOccurrences(of: "in the checkpoint", with: "in the plan")); "
                               + "the directory was copied into the wrong place")
            }
            reports[id] = report
        }
        var sections: [Section] = []
        var taskCount: [String: Int] = [:]
        for group in plan.groups { taskCount[group.task, default: 0] += 1 }
        var taskSeen: [String: Int] = [:]
        for group in plan.groups {
            taskSeen[group.task, default: 0] += 1
            let config = try groupConfig(group, plan: plan)
            var runs: [RunReport] = []
            for (s, _) in group.seeds.enumerated() {
                var results: [ModelResult] = []
                var runManifest: RunManifest?
                for (m, model) in group.models.enumerated() {
                    let id = group.runs[m][s]
                    guard let report = reports[id] else { continue }
                    guard let result = report.results.first(where: { $0.kind == model }) else {
                        throw .runtime("\(done[id]!)/results.json: no result of \(model.rawValue)")
                    }
                    results.append(result)
                    runManifest = runManifest ?? report.manifest
                }
                guard let runManifest else { continue }
                var c = config
                c.seed = group.seeds[s]
                runs.append(RunReport(config: c, results: results, command: command, manifest: runManifest, status: .finished))
            }
            let slug = taskCount[group.task]! > 1 ? "\(config.task.name)-\(taskSeen[group.task]!)" : config.task.name
            let seeds = runs.isEmpty ? nil : SeedsReport(config: config, seeds: runs.map(\.config.seed), runs: runs, command: command,
                                                         manifest: runs[0].manifest, status: .finished)
            sections.append(Section(group: group, config: config, seeds: seeds, slug: uniqueSlug(slug, sections.map(\.slug))))
        }
        var unfinished: [Unfinished] = []
        for run in plan.plannedRuns where done[run.id] == nil {
            let task = (try? Preset.decode(Array(run.config.serialized().utf8), source: run.id).task.name) ?? "?"
            unfinished.append(Unfinished(run: run, task: task, state: states[run.id] ?? .pending(progress: nil)))
        }
        // What made the runs: each summary once, in plan order, with how many runs it made.
        var machines: [(summary: String, runs: Int)] = []
        for run in plan.plannedRuns {
            guard let summary = reports[run.id]?.manifest.summary else { continue }
            if let i = machines.firstIndex(where: { $0.summary == summary }) { machines[i].runs += 1 } else { machines.append((summary, 1)) }
        }
        return SweepReport(plan: plan, sections: sections, unfinished: unfinished, finishedRuns: done.count, machines: machines,
                           command: command, manifest: .current())
    }

    static func rank(_ s: RunState) -> Int {
        switch s {
        case .done: return 3
        case .running: return 2
        case .failed: return 1
        case .pending: return 0
        }
    }

    static func uniqueSlug(_ slug: String, _ taken: [String]) -> String {
        var s = slug, n = 2
        while taken.contains(s) {
            s = "\(slug)-\(n)"
            n += 1
        }
        return s
    }

    /// The comparison's configuration: the task settings of its first run, every model's own section.
    static func groupConfig(_ group: SweepPlan.Group, plan: SweepPlan) throws(NTMError) -> ExperimentConfig {
        func decode(_ id: String) throws(NTMError) -> ExperimentConfig {
            try Preset.decode(Array(plan.run(id: id)!.config.serialized().utf8), source: "\(SweepPlan.manifestFile): \(id)")
        }
        var config = try decode(group.runs[0][0])
        config.models = group.models
        for (m, model) in group.models.enumerated() {
            config.plans[model] = try decode(group.runs[m][0]).plans[model]
        }
        config.seed = group.seeds[0]
        return config
    }

    // MARK: - Files

    public var figures: [(file: String, svg: String)] {
        sections.flatMap { section -> [(file: String, svg: String)] in
            guard let seeds = section.seeds else { return [] }
            return seeds.figures.map { ("\(Self.figuresFolder)/\(section.slug)-\($0.file)", $0.svg) }
        }
    }

    public var markdown: String {
        let planned = plan.plannedRuns.count
        let failed = unfinished.filter(\.state.isFailed).count
        var out = ["# Sweep: \(plan.source)", ""]
        if !plan.about.isEmpty { out += [plan.about, ""] }
        let tasks = Set(plan.groups.map(\.task)).count
        let points = plan.groups.count / max(1, tasks)
        let seeds = plan.groups.first?.seeds.count ?? 0
        out.append("\(planned) runs planned (\(tasks) task\(tasks == 1 ? "" : "s")" + (points > 1 ? " at \(points) grid points" : "")
                   + ", each model on \(seeds) seed\(seeds == 1 ? "" : "s"), one run per model and seed): \(finishedRuns) finished, "
                   + "\(failed) failed, \(unfinished.count - failed) not finished.")
        out += ["", "Regenerate with:", "", "```", command, "```", ""]
        out.append("Each run is a complete run directory, `runs/<id>/`, with its own report; the tables give bit errors per "
                   + "sequence on each task's evaluation set, mean ± standard deviation (min–max) over the seeds whose run "
                   + "finished, and how many seeds solved the task (validation under \(RunReport.solvedBitErrors) bit errors).")
        out.append("")
        var lastTask = ""
        for section in sections {
            let g = section.group
            let heading = section.config.task.heading
            if g.point.isEmpty {
                out += ["## \(heading)" + (g.task.hasSuffix(".json") ? " (`\(g.task)`)" : ""), ""]
            } else {
                if g.task != lastTask { out += ["## \(heading)" + (g.task.hasSuffix(".json") ? " (`\(g.task)`)" : ""), ""] }
                out += ["### \(g.pointLabel)", ""]
            }
            lastTask = g.task
            guard let seeds = section.seeds else {
                out += ["No run of this comparison has finished.", ""]
                continue
            }
            out += [seeds.acrossSeedsTable, ""]
            if seeds.optimalCosts != nil {
                // N-grams are judged by cost against the optimal predictor, not by bit errors.
                out += ["Evaluation cost in bits per sequence, against the optimal (Bayesian) predictor's on the same sequences:", "",
                        seeds.costTable, ""]
            }
            out += seeds.figures.map { f in
                "![\(f.file == RunReport.learningCurvesFile ? "learning curves" : "generalisation")](\(Self.figuresFolder)/\(section.slug)-\(f.file))"
            }
            out.append("")
        }
        out += ["## Runs not finished", ""]
        if unfinished.isEmpty {
            out += ["None: every planned run finished.", ""]
        } else {
            out.append(Markdown.table(header: ["index", "run", "task", "model", "seed", "state"], rows: unfinished.map { u in
                ["\(u.run.index)", "`\(u.run.id)`", u.task, u.run.model.rawValue, "\(u.run.seed)", Self.describe(u.state)]
            }, alignRight: [0, 4]))
            out += ["", "`ntm-bench sweep run DIR` (or `sweep slurm DIR --submit`) runs them; failed ones again with `--retry-failed`.", ""]
        }
        out += ["## Run", ""]
        out.append("- plan: `\(SweepPlan.manifestFile)` (\(plan.runs.count) runs in all" + (plan.runs.count > planned ? ", \(plan.runs.count - planned) no longer in the sweep file" : "") + ")")
        out += manifest.markdownLines.map { $0.replacingOccurrences(of: "- machine: ", with: "- machine: report written on ") }
        if !machines.isEmpty {
            out.append("- machines: " + machines.map { "\($0.runs) run\($0.runs == 1 ? "" : "s") on \($0.summary)" }.joined(separator: "; "))
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// One line for a run's state: `running, pid 4021 on node07, heartbeat 12 s ago`, `failed: ...`.
    public static func describe(_ s: RunState) -> String {
        switch s {
        case .done: return "done"
        case .running(let owner, let age): return "running" + (owner.map { ", \($0.description)" } ?? "") + ", heartbeat \(Int(age)) s ago"
        case .failed(let reason): return "failed: " + reason.replacingOccurrences(of: "|", with: "\\|")
        case .pending(let progress): return "pending" + (progress.map { ", \($0)" } ?? "")
        }
    }

    public var resultsJSON: JSONValue {
        func int(_ i: Int) -> JSONValue { .number(Double(i)) }
        return .object([
            .init(key: "sweep", value: .string(plan.source)),
            .init(key: "command", value: .string(command)),
            .init(key: "runs_planned", value: int(plan.plannedRuns.count)),
            .init(key: "runs_finished", value: int(finishedRuns)),
            .init(key: "comparisons", value: .array(sections.map { s in
                var members: [JSONMember] = [
                    .init(key: "task", value: .string(s.group.task)),
                    .init(key: "point", value: .object(s.group.point.map { JSONMember(key: $0.path, value: $0.value) })),
                ]
                if let seeds = s.seeds, let models = seeds.resultsJSON["models"] {
                    members.append(.init(key: "models", value: models))
                }
                return .object(members)
            })),
            .init(key: "unfinished", value: .array(unfinished.map { u in
                .object([.init(key: "index", value: int(u.run.index)), .init(key: "id", value: .string(u.run.id)),
                         .init(key: "state", value: .string(u.state.name)), .init(key: "detail", value: .string(Self.describe(u.state)))])
            })),
        ])
    }

    /// Writes `report.md`, the figures and `results.json` (last) into `directory`; figures the report no longer
    /// draws are removed.
    public func write(to directory: String) throws(NTMError) {
        let folder = "\(directory)/\(Self.figuresFolder)"
        if mkdir(folder, 0o755) != 0 && errno != EEXIST { throw .runtime("cannot create \(folder): \(String(cString: strerror(errno)))") }
        let keep = Set(figures.map { "\(directory)/\($0.file)" })
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where name.hasSuffix(".svg") && !keep.contains("\(folder)/\(name)") {
            unlink("\(folder)/\(name)")
        }
        for f in figures { try AtomicFile.write(f.svg, to: "\(directory)/\(f.file)") }
        try AtomicFile.write(markdown, to: "\(directory)/report.md")
        try AtomicFile.write(resultsJSON.serialized(pretty: true) + "\n", to: "\(directory)/results.json")
    }
}
