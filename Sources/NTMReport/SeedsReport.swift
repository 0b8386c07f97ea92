// The comparison of one experiment over several training seeds: per-seed numbers, mean and spread
// per model and evaluation point, and learning curves as median and range across seeds.
import Foundation
import NTMCore
import NTMModels
import NTMTasks
import NTMTraining

/// Mean, sample standard deviation, minimum and maximum of a few numbers (NaN-free; `count` 0 gives NaNs).
public struct SpreadStatistics: Sendable, Equatable {
    public var count: Int
    public var mean: Double
    /// Sample standard deviation (n − 1); 0 for a single value.
    public var standardDeviation: Double
    public var min: Double
    public var max: Double

    public init(_ values: [Double]) {
        let v = values.filter(\.isFinite)
        count = v.count
        guard !v.isEmpty else {
            mean = .nan; standardDeviation = .nan; min = .nan; max = .nan
            return
        }
        mean = v.reduce(0, +) / Double(v.count)
        let m = mean
        standardDeviation = v.count > 1 ? (v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1)).squareRoot() : 0
        min = v.min()!
        max = v.max()!
    }

    /// The median of finite values (NaN when there are none).
    public static func median(_ values: [Double]) -> Double {
        let v = values.filter(\.isFinite).sorted()
        guard !v.isEmpty else { return .nan }
        return v.count % 2 == 1 ? v[v.count / 2] : (v[v.count / 2 - 1] + v[v.count / 2]) / 2
    }

    /// `mean ± sd (min–max)`.
    public var text: String {
        count == 0 ? "n/a" : "\(Markdown.bits(mean)) ± \(Markdown.bits(standardDeviation)) (\(Markdown.bits(min))–\(Markdown.bits(max)))"
    }

    public var json: JSONValue {
        func num(_ d: Double) -> JSONValue { d.isFinite ? .number(d) : .null }
        return .object([
            .init(key: "seeds", value: .number(Double(count))), .init(key: "mean", value: num(mean)),
            .init(key: "sd", value: num(standardDeviation)), .init(key: "min", value: num(min)), .init(key: "max", value: num(max)),
        ])
    }
}

/// The runs of one experiment over several seeds, ready to be written out.
public struct SeedsReport {
    /// The experiment (its `seed` is that of the first run; each run has its own).
    public var config: ExperimentConfig
    /// The seeds asked for, in order.
    public var seeds: [UInt64]
    /// The runs made so far, in seed order (fewer than `seeds` when stopped).
    public var runs: [RunReport]
    public var command: String
    public var manifest: RunManifest
    /// `finished` when every seed finished.
    public var status: RunReport.Status
    public var failure: String?
    public var optimalCosts: [TaskPoint: Double]?

    public init(config: ExperimentConfig, seeds: [UInt64], runs: [RunReport], command: String, manifest: RunManifest,
                status: RunReport.Status, failure: String? = nil) {
        self.config = config
        self.seeds = seeds
        self.runs = runs
        self.command = command
        self.manifest = manifest
        self.status = status
        self.failure = failure
        optimalCosts = config.optimalCosts()
    }

    public var models: [ModelKind] { config.models }

    /// The finished results of `kind`, one per finished seed, with the seed.
    func finished(_ kind: ModelKind) -> [(seed: UInt64, result: ModelResult)] {
        runs.compactMap { run in
            run.results.first { $0.kind == kind && $0.finished }.map { (run.config.seed, $0) }
        }
    }

    /// Statistics across seeds of one evaluation number of `kind` at `point`.
    public func statistics(_ kind: ModelKind, _ point: TaskPoint, _ value: KeyPath<EvaluationResult, Double>) -> SpreadStatistics {
        SpreadStatistics(finished(kind).map { $0.result.result(at: point)?[keyPath: value] ?? .nan })
    }

    func finalCost(_ r: ModelResult) -> Double { r.outcome.curve.last?.costBits ?? .nan }

    // MARK: - results.json

    public var resultsJSON: JSONValue {
        func num(_ d: Double) -> JSONValue { d.isFinite ? .number(d) : .null }
        func int(_ i: Int) -> JSONValue { .number(Double(i)) }
        let points = config.evaluationPoints
        func pointMembers(_ p: TaskPoint) -> [JSONMember] {
            [.init(key: "length", value: int(p.length))] + (p.repeats.map { [JSONMember(key: "repeats", value: int($0))] } ?? [])
        }
        let modelsJSON: [JSONValue] = models.map { kind in
            let perSeed: [JSONValue] = runs.compactMap { run in
                guard let r = run.results.first(where: { $0.kind == kind }) else { return nil }
                return .object([
                    .init(key: "seed", value: int(Int(run.config.seed))),
                    .init(key: "finished", value: .bool(r.finished)),
                    .init(key: "sequences", value: int(r.outcome.sequences)),
                    .init(key: "wall_seconds", value: num((r.outcome.wallSeconds * 1000).rounded() / 1000)),
                    .init(key: "final_cost_bits", value: num(finalCost(r))),
                    .init(key: "solved_at_sequences",
                          value: r.outcome.firstSolved(below: RunReport.solvedBitErrors).map { int($0.sequences) } ?? .null),
                ] + (r.outcome.curriculumLevel.map { [JSONMember(key: "curriculum_level", value: int($0))] } ?? []) + [
                    .init(key: "eval", value: .array(r.evaluation.map { e in
                        .object(pointMembers(e.point) + [
                            .init(key: "cost_bits", value: num(e.costBits)), .init(key: "bit_errors", value: num(e.bitErrors)),
                        ])
                    })),
                ])
            }
            let done = finished(kind)
            return .object([
                .init(key: "model", value: .string(kind.rawValue)),
                .init(key: "seeds_finished", value: int(done.count)),
                .init(key: "final_cost_bits", value: SpreadStatistics(done.map { finalCost($0.result) }).json),
                .init(key: "eval", value: .array(points.map { p in
                    .object(pointMembers(p) + [
                        .init(key: "cost_bits", value: statistics(kind, p, \.costBits).json),
                        .init(key: "bit_errors", value: statistics(kind, p, \.bitErrors).json),
                    ])
                })),
                .init(key: "per_seed", value: .array(perSeed)),
            ])
        }
        var top: [JSONMember] = [
            .init(key: "task", value: .string(config.task.name)),
            .init(key: "seeds", value: .array(seeds.map { int(Int($0)) })),
            .init(key: "command", value: .string(command)),
            .init(key: "kernels", value: .string(manifest.kernels)),
            .init(key: "provenance", value: manifest.json),
            .init(key: "status", value: .string(status.rawValue)),
        ]
        if let failure { top.append(.init(key: "error", value: .string(failure))) }
        top += [
            .init(key: "train_length", value: int(config.task.length)),
            .init(key: "min_length", value: int(config.task.minLength)),
            .init(key: "eval_seed", value: int(Int(config.evalSeed))),
            .init(key: "runs", value: .array(runs.map { .string("seed\($0.config.seed)") })),
        ]
        if Set(runs.map(\.manifest.summary)).count > 1 {
            // Seeds made on other machines or by other builds: what made each.
            top.append(.init(key: "seed_provenance", value: .array(runs.map { run in
                .object([.init(key: "seed", value: int(Int(run.config.seed)))] + (run.manifest.json.objectMembers ?? []))
            })))
        }
        if config.curriculum.kind != .none {
            top.append(.init(key: "curriculum", value: .string(config.curriculum.kind.rawValue)))
        }
        if let optimalCosts {
            top.append(.init(key: "optimal_cost_bits", value: .array(points.map { p in
                .object(pointMembers(p) + [.init(key: "cost_bits", value: num(optimalCosts[p] ?? .nan))])
            })))
        }
        return .object(top + [.init(key: "models", value: .array(modelsJSON))])
    }

    // MARK: - learning curves

    /// Each model's training cost across seeds at each sequence count of the curves: how many seeds have a
    /// point there, their median, minimum and maximum.
    func curveStatistics(_ kind: ModelKind) -> [(sequences: Int, seeds: Int, median: Double, min: Double, max: Double)] {
        let curves = runs.compactMap { run in run.results.first { $0.kind == kind }?.outcome.curve }
        let counts = Set(curves.flatMap { $0.map(\.sequences) }).sorted()
        return counts.map { n in
            let values = curves.compactMap { c in c.first { $0.sequences == n }?.costBits }
            let s = SpreadStatistics(values)
            return (n, s.count, SpreadStatistics.median(values), s.min, s.max)
        }
    }

    /// `model,sequences,seeds,median_cost_bits,min_cost_bits,max_cost_bits`.
    public var curvesCSV: String {
        var lines = ["model,sequences,seeds,median_cost_bits,min_cost_bits,max_cost_bits"]
        for kind in models {
            for p in curveStatistics(kind) {
                lines.append("\(kind.rawValue),\(p.sequences),\(p.seeds),\(p.median),\(p.min),\(p.max)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Median (min–max) of the training cost across seeds at ten evenly spaced sequence counts (each seed's
    /// curve point at or just before the count).
    /// One row per tenth of training; each model's cells are at that fraction of its own budget (the
    /// models' budgets differ), so every model has a value in every row.
    var curveTable: String {
        let budgets = models.map { kind in
            runs.compactMap { $0.results.first { $0.kind == kind }?.outcome.curve.last?.sequences }.max() ?? 0
        }
        guard budgets.contains(where: { $0 > 0 }) else { return "(no training steps)" }
        let rows = (1...10).map { k -> [String] in
            ["\(k * 10) %"] + zip(models, budgets).map { kind, budget in
                let at = k * budget / 10
                let values: [Double] = runs.compactMap { run in
                    guard budget > 0, let curve = run.results.first(where: { $0.kind == kind })?.outcome.curve,
                          let last = curve.last, at <= last.sequences else { return nil }
                    return curve.last { $0.sequences <= at }?.costBits
                }
                guard !values.isEmpty else { return "" }
                let s = SpreadStatistics(values)
                return "\(Markdown.bits(SpreadStatistics.median(values))) (\(Markdown.bits(s.min))–\(Markdown.bits(s.max)))"
            }
        }
        let header = ["training"] + zip(models, budgets).map { "\($0.rawValue) cost (of \(Markdown.count($1)))" }
        return Markdown.table(header: header, rows: rows, alignRight: Set(0...models.count))
    }

    // MARK: - report.md

    /// Each model's seeds, final cost and bit errors at every evaluation point (mean ± sd (min–max) over the
    /// finished seeds), and how many seeds solved the task (N-grams, judged by cost, have no such column).
    public var acrossSeedsTable: String {
        let points = config.evaluationPoints
        let judgesSolved = optimalCosts == nil
        let header = ["model", "seeds", "final cost (bits/seq)"] + points.map { "bit errors @ \($0)" } + (judgesSolved ? ["solved"] : [])
        let rows = models.map { kind -> [String] in
            let done = finished(kind)
            let solved = done.filter { $0.result.outcome.firstSolved(below: RunReport.solvedBitErrors) != nil }.count
            return [kind.rawValue, "\(done.count)", SpreadStatistics(done.map { finalCost($0.result) }).text]
                + points.map { statistics(kind, $0, \.bitErrors).text } + (judgesSolved ? ["\(solved) of \(done.count)"] : [])
        }
        return Markdown.table(header: header, rows: rows, alignRight: Set(1..<(header.count - (judgesSolved ? 1 : 0))))
    }

    /// Each model's evaluation cost at every point (mean ± sd (min–max) over the finished seeds), and for N-grams
    /// the optimal predictor's cost and the mean excess over it.
    public var costTable: String {
        let points = config.evaluationPoints
        var header = ["model"]
        for p in points {
            header.append("cost @ \(p)")
            if optimalCosts != nil { header += ["optimal (Bayesian) @ \(p)", "mean above optimal @ \(p)"] }
        }
        let rows = models.map { kind in
            var row = [kind.rawValue]
            for p in points {
                let s = statistics(kind, p, \.costBits)
                row.append(s.text)
                if let optimal = optimalCosts?[p] { row += [Markdown.bits(optimal), Markdown.bits(s.mean - optimal)] }
            }
            return row
        }
        return Markdown.table(header: header, rows: rows, alignRight: Set(1..<header.count))
    }

    public var markdown: String {
        let points = config.evaluationPoints
        let seedList = seeds.map(String.init).joined(separator: ", ")
        var out: [String] = ["# \(config.task.heading), seeds \(seedList)", ""]
        switch status {
        case .finished: break
        case .interrupted:
            out.append("**This comparison was interrupted after \(runs.count) of \(seeds.count) seeds; the numbers are those of the "
                       + "finished seeds. The same command with `--resume` continues it.**\n")
        case .failed:
            out.append("**A seed stopped on an error; the numbers are those of the finished seeds.** \(failure ?? "")\n")
        }
        out += ["Regenerate with:", "", "```", command, "```", "",
                "Each seed's run is a complete run directory (`seed<S>/`, with its own report and the command that makes "
                    + "it alone); a seed counts below once all its models finished.", ""]
        out.append("## Across seeds")
        out.append("")
        out.append("Bit errors per sequence on the evaluation set (\(config.evalSequences) sequences per point, evaluation seed "
                   + "\(config.evalSeed), the same for every seed): mean ± standard deviation (min–max) over the seeds.")
        out.append("")
        out.append(acrossSeedsTable)
        out.append("")
        if optimalCosts == nil {
            out.append("\"Solved\": the validation during training fell under \(RunReport.solvedBitErrors) bit errors per sequence.")
            out.append("")
        }
        var header: [String]
        var rows: [[String]]
        out.append("Cost in bits per sequence on the evaluation set, mean ± standard deviation (min–max):")
        out.append("")
        out.append(costTable)
        out.append("")
        if points.count > 1 {
            out.append("## Generalisation")
            out.append("")
            out.append("Mean bit errors per sequence (min–max over the seeds) at each evaluation point; the training "
                       + "distribution reaches \(config.task.hardestPoint). The means are drawn in `\(RunReport.generalisationFile)`.")
            out.append("")
            out.append(Markdown.table(
                header: ["point"] + models.map { "\($0.rawValue) bit errors" },
                rows: points.map { p in
                    ["\(p)"] + models.map { kind in
                        let s = statistics(kind, p, \.bitErrors)
                        return s.count == 0 ? "n/a" : "\(Markdown.bits(s.mean)) (\(Markdown.bits(s.min))–\(Markdown.bits(s.max)))"
                    }
                },
                alignRight: Set(0...models.count)))
            out.append("")
        }
        out.append("## Per seed")
        out.append("")
        header = ["seed", "model", "final cost (bits/seq)"] + points.map { "bit errors @ \($0)" } + ["solved at", "wall time"]
        if config.curriculum.advances { header.insert("level reached", at: header.count - 2) }
        rows = []
        for run in runs {
            for r in run.results {
                var row = ["\(run.config.seed)", r.kind.rawValue, Markdown.bits(finalCost(r))]
                row += points.map { p in r.finished ? Markdown.bits(r.result(at: p)?.bitErrors ?? .nan) : "not evaluated" }
                if config.curriculum.advances { row.append(r.outcome.curriculumLevel.map(String.init) ?? "") }
                row.append(r.outcome.firstSolved(below: RunReport.solvedBitErrors).map { Markdown.count($0.sequences) } ?? "not reached")
                row.append(Markdown.duration(r.outcome.wallSeconds))
                rows.append(row)
            }
        }
        out.append(Markdown.table(header: header, rows: rows, alignRight: Set(2..<header.count)))
        out.append("")
        if let memory = memoryUse {
            out.append("## Memory use")
            out.append("")
            out.append(memory)
            out.append("")
        }
        out.append("## Learning curves")
        out.append("")
        out.append("Training cost (bits per sequence) across seeds: median (min–max) of each seed's mean over the stretch of "
                   + "training before each tenth of the model's own budget (in brackets in the header); every point in "
                   + "`learning-curves.csv`, drawn in `\(RunReport.learningCurvesFile)`.")
        out.append("")
        out.append(curveTable)
        out.append("")
        out.append("## Models and training")
        out.append("")
        if let run = runs.first {
            for r in run.results { out.append(RunReport.trainingLine(r)) }
            out.append("")
        }
        out.append(config.task.layoutSentence)
        if let curriculum = config.curriculum.summary(levels: config.makeCurriculum().levels) {
            out.append("")
            out.append("Curriculum: \(curriculum).")
        }
        if !config.about.isEmpty {
            out.append("")
            out.append("Preset notes: \(config.about)")
        }
        out.append("")
        out.append("## Run")
        out.append("")
        out.append("- seeds \(seedList); evaluation seed \(config.evalSeed); each seed's resolved configuration in `seed<S>/config.json`")
        out += manifest.markdownLines
        // Seeds run apart (on other machines, or with other builds) and merged by `report`: each one's own.
        if Set(runs.map(\.manifest.summary)).count > 1 {
            out.append("- machines: " + runs.map { "seed \($0.config.seed) on \($0.manifest.summary)" }.joined(separator: "; "))
        }
        out.append("- files: `results.json`, `learning-curves.csv`, `\(RunReport.learningCurvesFile)`" + (points.count > 1 ? ", `\(RunReport.generalisationFile)`" : "")
                   + ", and one run directory per seed: " + runs.map { "`seed\($0.config.seed)/`" }.joined(separator: ", "))
        return out.joined(separator: "\n") + "\n"
    }

    /// The mean bit errors against the evaluation point, one line per model.
    public var generalisationSVG: String {
        let points = config.evaluationPoints
        return config.generalisationChart(
            title: "\(config.task.title): mean bit errors per sequence over " + (runs.count == 1 ? "1 seed" : "\(runs.count) seeds"),
            series: models.map { kind in (kind.rawValue, points.map { statistics(kind, $0, \.bitErrors).mean }) }).svg
    }

    /// Every model's training cost against sequences seen: the median across seeds and its min–max band.
    public var learningCurvesSVG: String {
        BandChart(
            title: "\(config.task.title): training cost over " + (runs.count == 1 ? "1 seed" : "\(runs.count) seeds") + " (median, min–max)",
            xLabel: "training sequences", yLabel: "cost (bits per sequence)",
            series: models.map { kind in
                (kind.rawValue, curveStatistics(kind).map {
                    BandChart.Point(x: Double($0.sequences), median: $0.median, min: $0.min, max: $0.max)
                })
            }).svg
    }

    /// Writes `report.md`, the learning curves (CSV and SVG), the generalisation curve and `results.json`
    /// (last) into `directory`.
    /// Each seed's heads, by how focused their weightings are on the example sequence that the seed's
    /// own report draws; nil when no model has memory.
    var memoryUse: String? {
        let examples = runs.flatMap { run in run.examples.map { (seed: run.config.seed, kind: $0.kind, example: $0.example) } }
        guard let first = examples.first else { return nil }
        let heads = first.example.recorded.map(\.name)
        var files: [String] = []
        for e in examples where !files.contains(RunReport.memoryFile(e.kind)) { files.append(RunReport.memoryFile(e.kind)) }
        var out = ["The mean largest weight per step of each head, and in brackets how many rows held it, on the first "
                   + "evaluation sequence \(config.task.phrase(first.example.point)): near 1, the head addresses one row at a "
                   + "time. Each seed's report draws that sequence in `seed<S>/\(files.joined(separator: "`, `seed<S>/"))`.", ""]
        let rows = examples.map { e -> [String] in
            ["\(e.seed)", e.kind.rawValue] + e.example.recorded.map { channel in
                let focus = e.example.focus(of: channel)
                return "\(Markdown.fixed(focus.meanPeak, 3)) (\(focus.peakRows))"
            }
        }
        let width = rows.map(\.count).max() ?? 2
        out.append(Markdown.table(header: ["seed", "model"] + heads.map { "`\($0)`" } + Array(repeating: "", count: Swift.max(0, width - 2 - heads.count)),
                                  rows: rows.map { $0 + Array(repeating: "", count: width - $0.count) }, alignRight: Set(2..<width)))
        return out.joined(separator: "\n")
    }

    /// The comparison's figures, by file name: the learning curves, and the generalisation curve when there
    /// is more than one evaluation point.
    public var figures: [(file: String, svg: String)] {
        [(RunReport.learningCurvesFile, learningCurvesSVG)]
            + (config.evaluationPoints.count > 1 ? [(RunReport.generalisationFile, generalisationSVG)] : [])
    }

    public func write(to directory: String) throws(NTMError) {
        try AtomicFile.write(curvesCSV, to: "\(directory)/learning-curves.csv")
        for figure in figures { try AtomicFile.write(figure.svg, to: "\(directory)/\(figure.file)") }
        try AtomicFile.write(markdown, to: "\(directory)/report.md")
        try AtomicFile.write(resultsJSON.serialized(pretty: true) + "\n", to: "\(directory)/results.json")
    }
}
