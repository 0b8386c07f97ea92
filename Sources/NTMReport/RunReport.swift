// The files a run leaves behind: report.md, results.json, learning curves as CSV, the resolved
// configuration, and each model's checkpoint — all written atomically.
import Foundation
import NTMCore
import NTMModels
import NTMTasks
import NTMTraining

/// An experiment, finished or stopped, ready to be written out.
public struct RunReport {
    /// How the run ended; `results.json` says it, and `report.md` says so when it is not `finished`.
    public enum Status: String, Sendable {
        case finished
        /// Stopped on request (Ctrl-C, SIGTERM): the numbers are those reached so far.
        case interrupted
        /// Stopped by an error (`failure`): the numbers are those reached so far.
        case failed
    }

    public var config: ExperimentConfig
    public var results: [ModelResult]
    /// The command as the user typed it (`ntm-bench copy --length 50`).
    public var command: String
    public var manifest: RunManifest
    public var status: Status
    /// Why a failed run stopped.
    public var failure: String?
    /// The optimal Bayesian predictor's cost at each evaluation point (dynamic N-grams only).
    public var optimalCosts: [TaskPoint: Double]?

    /// Set for runs that did not finish (the report says so).
    public var interrupted: Bool {
        get { status != .finished }
        set { status = newValue ? .interrupted : .finished }
    }

    public init(config: ExperimentConfig, results: [ModelResult], command: String, manifest: RunManifest,
                interrupted: Bool = false) {
        self.init(config: config, results: results, command: command, manifest: manifest,
                  status: interrupted ? .interrupted : .finished)
    }

    public init(config: ExperimentConfig, results: [ModelResult], command: String, manifest: RunManifest,
                status: Status, failure: String? = nil) {
        self.config = config
        self.results = results
        self.command = command
        self.manifest = manifest
        self.status = status
        self.failure = failure
        optimalCosts = config.optimalCosts()
    }

    /// A model has solved the task at a validation with fewer bit errors per sequence than this.
    public static let solvedBitErrors = 0.1

    // MARK: - results.json

    public var resultsJSON: JSONValue {
        func num(_ d: Double) -> JSONValue { .number(d) }
        func int(_ i: Int) -> JSONValue { .number(Double(i)) }
        let models: [JSONValue] = results.map { r in
            .object([
                .init(key: "model", value: .string(r.kind.rawValue)),
                .init(key: "finished", value: .bool(r.finished)),
                .init(key: "parameters", value: int(r.parameters)),
                .init(key: "sequences", value: int(r.outcome.sequences)),
                .init(key: "wall_seconds", value: num((r.outcome.wallSeconds * 1000).rounded() / 1000)),
                .init(key: "final_cost_bits", value: num(r.outcome.curve.last?.costBits ?? .nan)),
                .init(key: "skipped_steps", value: int(r.outcome.skippedSteps)),
                .init(key: "selected_at_sequences", value: r.outcome.selected.map { int($0.sequences) } ?? .null),
                .init(key: "solved_at_sequences", value: r.outcome.firstSolved(below: Self.solvedBitErrors).map { int($0.sequences) } ?? .null),
            ] + (r.outcome.curriculumLevel.map { [JSONMember(key: "curriculum_level", value: int($0))] } ?? []) + [
                .init(key: "validation", value: .array(r.outcome.validation.map { v in
                    .object([
                        .init(key: "sequences", value: int(v.sequences)),
                        .init(key: "cost_bits", value: num(v.costBits)),
                        .init(key: "bit_errors", value: num(v.bitErrors)),
                    ])
                })),
                .init(key: "config", value: r.config.json),
                .init(key: "eval", value: .array(r.evaluation.map { e in
                    .object([.init(key: "length", value: int(e.length))]
                        + (e.repeats.map { [JSONMember(key: "repeats", value: int($0))] } ?? []) + [
                        .init(key: "sequences", value: int(e.sequences)),
                        .init(key: "cost_bits", value: num(e.costBits)),
                        .init(key: "bit_errors", value: num(e.bitErrors)),
                    ])
                })),
            ])
        }
        var top: [JSONMember] = [
            .init(key: "task", value: .string(config.task.name)),
            .init(key: "seed", value: int(Int(config.seed))),
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
        ]
        if config.curriculum.kind != .none {
            top.append(.init(key: "curriculum", value: .string(config.curriculum.kind.rawValue)))
        }
        if let optimalCosts {
            top.append(.init(key: "optimal_cost_bits", value: .array(config.evaluationPoints.map { p in
                .object([.init(key: "length", value: int(p.length)), .init(key: "cost_bits", value: num(optimalCosts[p] ?? .nan))])
            })))
        }
        return .object(top + [.init(key: "models", value: .array(models))])
    }

    // MARK: - learning curves

    /// `model,sequences,cost_bits,bit_errors,seconds`, one row per curve point of every model.
    public var curvesCSV: String {
        var lines = ["model,sequences,cost_bits,bit_errors,seconds"]
        for r in results {
            for p in r.outcome.curve {
                lines.append("\(r.kind.rawValue),\(p.sequences),\(p.costBits),\(p.bitErrors),\(Markdown.fixed(p.seconds, 3))")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `model,sequences,cost_bits,bit_errors,seconds`, one row per validation of every model.
    public var validationCSV: String {
        var lines = ["model,sequences,cost_bits,bit_errors,seconds"]
        for r in results {
            for v in r.outcome.validation {
                lines.append("\(r.kind.rawValue),\(v.sequences),\(v.costBits),\(v.bitErrors),\(Markdown.fixed(v.seconds, 3))")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: - report.md

    public var markdown: String {
        let points = config.evaluationPoints
        var out: [String] = []
        out.append("# \(config.task.heading), seed \(config.seed)")
        out.append("")
        switch status {
        case .finished: break
        case .interrupted:
            out.append("**This run was interrupted; the numbers are those reached so far. "
                       + "The same command with `--resume` continues it.**\n")
        case .failed:
            out.append("**This run stopped on an error; the numbers are those reached so far.** \(failure ?? "")\n")
        }
        out.append("Regenerate with:")
        out.append("")
        out.append("```")
        out.append(command)
        out.append("```")
        out.append("")
        out.append("## Results")
        out.append("")
        var header = ["model", "parameters", "training sequences", "wall time", "final cost (bits/seq)"]
        header += points.map { "bit errors @ \($0)" }
        let rows = results.map { r -> [String] in
            var row = [r.kind.rawValue, Markdown.count(r.parameters), Markdown.count(r.outcome.sequences),
                       Markdown.duration(r.outcome.wallSeconds), Markdown.bits(r.outcome.curve.last?.costBits ?? .nan)]
            row += points.map { p in Markdown.bits(r.result(at: p)?.bitErrors ?? .nan) }
            return row
        }
        out.append(Markdown.table(header: header, rows: rows, alignRight: Set(1..<header.count)))
        out.append("")
        out.append("Cost in bits per sequence on the evaluation set (\(config.evalSequences) sequences per "
                   + (config.task.kind == .copy ? "length" : "point") + ", evaluation seed \(config.evalSeed)):")
        out.append("")
        out.append(costTable)
        out.append("")
        if config.validationEvery > 0 {
            out.append("Validation during training (\(config.validationSequences) sequences \(config.task.phrase(config.validation.point)) every "
                       + "\(Markdown.count(config.validationEvery)) training sequences, drawn from the training seed):")
            out.append("")
            out.append(Markdown.table(
                header: ["model", "first under 1 bit error", "first under \(Self.solvedBitErrors) bit errors", "weights kept from"],
                rows: results.map { r in
                    let o = r.outcome
                    func when(_ p: ValidationPoint?) -> String {
                        p.map { "\(Markdown.count($0.sequences)) sequences (\(Markdown.duration($0.seconds)))" } ?? "not reached"
                    }
                    let kept = o.selected.map { "validation at \(Markdown.count($0.sequences)) (cost \(Markdown.bits($0.costBits)))" }
                        ?? "the end of training"
                    return [r.kind.rawValue, when(o.firstSolved(below: 1)), when(o.firstSolved(below: Self.solvedBitErrors)), kept]
                }))
            out.append("")
        }
        if config.task.kind != .copy && points.count > 1 {
            out.append("## Generalisation")
            out.append("")
            out.append("Bit errors per sequence at each evaluation point (the training distribution reaches "
                       + "\(config.task.hardestPoint)); the same curve is drawn in `\(Self.generalisationFile)`.")
            out.append("")
            out.append(generalisationTable)
            out.append("")
        }
        out.append("## Reading")
        out.append("")
        out.append(config.task.kind == .copy ? reading : taskReading)
        out.append("")
        if !examples.isEmpty {
            out.append("## Memory use")
            out.append("")
            out.append(memoryUse)
            out.append("")
        }
        out.append("## Models and training")
        out.append("")
        for r in results {
            out.append(Self.trainingLine(r)
                       + (r.outcome.skippedSteps > 0 ? "; \(r.outcome.skippedSteps) non-finite steps skipped" : ""))
        }
        out.append("")
        out.append(config.task.layoutSentence)
        if let curriculum = config.curriculum.summary(levels: config.makeCurriculum().levels) {
            let reached = results.compactMap { r in r.outcome.curriculumLevel.map { "\(r.kind.rawValue) \($0)" } }
            out.append("")
            out.append("Curriculum: \(curriculum)." + (reached.isEmpty ? "" : " Level reached: \(reached.joined(separator: ", "))."))
        }
        if !config.about.isEmpty {
            out.append("")
            out.append("Preset notes: \(config.about)")
        }
        out.append("")
        out.append("## Learning curves")
        out.append("")
        out.append("Mean training cost (bits per sequence) over each stretch of training; full curves in `learning-curves.csv`, "
                   + "drawn in `\(Self.learningCurvesFile)`.")
        out.append("")
        out.append(curveTable)
        out.append("")
        out.append("## Run")
        out.append("")
        out.append("- seed \(config.seed); evaluation seed \(config.evalSeed); resolved configuration in `config.json`")
        out += manifest.markdownLines
        out.append("- files: `results.json`, `learning-curves.csv`, `\(Self.learningCurvesFile)`, `validation.csv`, `config.json`, "
                   + (writesGeneralisationCurve ? "`\(Self.generalisationFile)`, " : "")
                   + examples.map { "`\(Self.memoryFile($0.kind))`, " }.joined()
                   + results.map { "`\($0.kind.rawValue).safetensors`" }.joined(separator: ", "))
        return out.joined(separator: "\n") + "\n"
    }

    /// A model's size and training settings as a list item: `- **ntm**: ntm with ...; 40,000 sequences in batches of 1, ...`.
    static func trainingLine(_ r: ModelResult) -> String {
        let t = r.training
        return "- **\(r.kind.rawValue)**: \(r.config.summary); \(Markdown.count(t.sequences)) sequences in batches of \(t.batch) "
            + "(\(t.shards) shard\(t.shards == 1 ? "" : "s")), "
            + "\(t.optimizer.summary), "
            + (t.clipNorm > 0 ? "gradient norm clipped at \(t.clipNorm)" : "gradient norm not clipped")
            + (t.clipGradValue > 0 ? ", values at ±\(t.clipGradValue)" : "")
    }

    /// Every model's training cost at ten evenly spaced sequence counts (the curve point at or just
    /// before each count), side by side.
    var curveTable: String {
        let points = 10
        let budget = results.map { $0.outcome.curve.last?.sequences ?? 0 }.max() ?? 0
        guard budget > 0 else { return "(no training steps)" }
        let header = ["sequences"] + results.map { "\($0.kind.rawValue) cost" }
        let rows = (1...points).map { k -> [String] in
            let at = k * budget / points
            return [Markdown.count(at)] + results.map { r in
                guard let p = r.outcome.curve.last(where: { $0.sequences <= at }),
                      at <= (r.outcome.curve.last?.sequences ?? 0) else { return "" }
                return Markdown.bits(p.costBits)
            }
        }
        return Markdown.table(header: header, rows: rows, alignRight: Set(0..<header.count))
    }

    /// Cost per model at each point; for N-grams beside the optimal Bayesian predictor's and the excess over it.
    var costTable: String {
        let points = config.evaluationPoints
        var header = ["model"]
        for p in points {
            header.append("cost @ \(p)")
            if optimalCosts != nil { header += ["optimal (Bayesian) @ \(p)", "above optimal @ \(p)"] }
        }
        let rows = results.map { r -> [String] in
            var row = [r.kind.rawValue]
            for p in points {
                let cost = r.result(at: p)?.costBits ?? .nan
                row.append(Markdown.bits(cost))
                if let optimal = optimalCosts?[p] { row += [Markdown.bits(optimal), Markdown.bits(cost - optimal)] }
            }
            return row
        }
        return Markdown.table(header: header, rows: rows, alignRight: Set(1..<header.count))
    }

    /// Bit errors per sequence, one row per evaluation point, one column per model.
    var generalisationTable: String {
        let points = config.evaluationPoints
        return Markdown.table(
            header: ["point"] + results.map { "\($0.kind.rawValue) bit errors" },
            rows: points.map { p in ["\(p)"] + results.map { r in Markdown.bits(r.result(at: p)?.bitErrors ?? .nan) } },
            alignRight: Set(0...results.count))
    }

    public static let generalisationFile = "generalisation.svg"
    public static let learningCurvesFile = "learning-curves.svg"

    /// Every model's training cost against sequences seen, one line each.
    public var learningCurvesSVG: String {
        BandChart(
            title: "\(config.task.title): training cost, seed \(config.seed)",
            xLabel: "training sequences", yLabel: "cost (bits per sequence)",
            series: results.map { r in
                (r.kind.rawValue, r.outcome.curve.map {
                    BandChart.Point(x: Double($0.sequences), median: $0.costBits, min: $0.costBits, max: $0.costBits)
                })
            }).svg
    }

    /// The figure of a model's recorded example: `memory-<model>.svg`.
    public static func memoryFile(_ kind: ModelKind) -> String { "memory-\(kind.rawValue).svg" }

    /// The finished models that recorded an example (those with memory), in the report's order.
    var examples: [(kind: ModelKind, example: RecordedExample)] {
        results.compactMap { r in r.finished ? r.example.map { (r.kind, $0) } : nil }
    }

    /// The "Memory use" section: what the figures show, and how focused each head's weighting is.
    var memoryUse: String {
        var out: [String] = []
        for (kind, example) in examples {
            let name = kind.rawValue.uppercased()
            // A blank line between two models' tables (a report with one memory model is as before).
            if !out.isEmpty { out.append("") }
            out.append("The \(name) on the first evaluation sequence \(config.task.phrase(example.point)) (evaluation seed "
                       + "\(config.evalSeed)): its inputs, targets and outputs, and each head's weighting over the memory rows "
                       + "at every step (only the rows it visits), drawn in `\(Self.memoryFile(kind))`. A head that addresses one row at a time has a "
                       + "largest weight near 1; a copy that writes and then reads every input in its own row visits about "
                       + "as many rows as the sequence has inputs.")
            out.append("")
            out.append(Markdown.table(
                header: ["head", "mean largest weight per step", "rows holding the largest weight"],
                rows: example.recorded.map { channel in
                    let focus = example.focus(of: channel)
                    return ["`\(channel.name)`", Markdown.fixed(focus.meanPeak, 3), "\(focus.peakRows)"]
                }, alignRight: [1, 2]))
        }
        return out.joined(separator: "\n")
    }

    /// A model's example as stacked heatmaps (``MemoryFigure``).
    func memorySVG(_ kind: ModelKind, _ example: RecordedExample) -> String {
        MemoryFigure.svg(example, title: "\(kind.rawValue): one sequence \(config.task.phrase(example.point)), seed \(config.seed)")
    }

    /// Tasks other than copy with more than one evaluation point get the curve of bit errors against the point.
    var writesGeneralisationCurve: Bool { config.task.kind != .copy && config.evaluationPoints.count > 1 }

    /// The generalisation curve as an SVG line chart.
    public var generalisationSVG: String {
        let points = config.evaluationPoints
        return config.generalisationChart(
            title: "\(config.task.title): bit errors per sequence against the evaluation point",
            series: results.map { r in (r.kind.rawValue, points.map { r.result(at: $0)?.bitErrors ?? .nan }) }).svg
    }

    /// The reading of tasks other than copy: each model at the hardest training point and at the farthest point,
    /// then the NTM against the best baseline beyond the training distribution.
    var taskReading: String {
        let points = config.evaluationPoints
        let train = config.readingPoint
        let farthest = points.last!
        var sentences: [String] = []
        for r in results where !r.finished {
            sentences.append("The \(r.kind.rawValue.uppercased()) stopped after \(Markdown.count(r.outcome.sequences)) of "
                             + "\(Markdown.count(r.training.sequences)) training sequences and was not evaluated.")
        }
        for r in results where r.finished {
            let e = r.result(at: train)?.bitErrors ?? .nan
            if let optimal = optimalCosts?[train] {
                let cost = r.result(at: train)?.costBits ?? .nan
                sentences.append("The \(r.kind.rawValue.uppercased()) costs \(Markdown.bits(cost)) bits per sequence \(config.task.phrase(train)), "
                                 + "\(Markdown.bits(cost - optimal)) above the optimal Bayesian predictor's \(Markdown.bits(optimal)).")
                continue
            }
            var s = "The \(r.kind.rawValue.uppercased()) "
                + (e < 1 ? "solves the task" : "does not solve the task") + " at the hardest training point "
                + "(\(Markdown.bits(e)) bit errors per sequence \(config.task.phrase(train)))"
            if farthest != train, let far = r.result(at: farthest) {
                s += " and makes \(Markdown.bits(far.bitErrors)) \(config.task.phrase(farthest))"
            }
            sentences.append(s + ".")
        }
        if optimalCosts == nil, farthest != train, let ntm = results.first(where: { $0.kind == .ntm && $0.finished }) {
            let baselines = results.filter { $0.kind.isBuiltIn && $0.kind != .ntm && $0.finished }
            func errors(_ r: ModelResult) -> Double { r.result(at: farthest)?.bitErrors ?? .nan }
            if let best = baselines.min(by: { errors($0) < errors($1) }) {
                let n = errors(ntm), b = errors(best)
                sentences.append("Beyond the training distribution, \(config.task.phrase(farthest)), the NTM makes "
                                 + (n < b ? "fewer" : "no fewer") + " errors than the best baseline "
                                 + Self.versus(best.kind.rawValue.uppercased(), best: b, ntm: n) + ".")
            }
        }
        return sentences.joined(separator: " ")
    }

    /// A few sentences that compare the models in plain words.
    var reading: String {
        let lengths = config.evaluationPoints.map(\.length)
        let train = config.task.length
        func errors(_ r: ModelResult, _ l: Int) -> Double { r.evaluation.first { $0.length == l }?.bitErrors ?? .nan }
        var sentences: [String] = []
        let bitsPerSeq = Double(config.task.bits)
        for r in results where !r.finished {
            sentences.append("The \(r.kind.rawValue.uppercased()) stopped after \(Markdown.count(r.outcome.sequences)) of "
                             + "\(Markdown.count(r.training.sequences)) training sequences and was not evaluated.")
        }
        for r in results where r.finished {
            let at = lengths.map { "\(Markdown.bits(errors(r, $0))) at length \($0)" }.joined(separator: ", ")
            let verdict: String
            let e = errors(r, train)
            if e < 1 {
                verdict = "solves the task at the training length"
            } else if e < bitsPerSeq * Double(train) * 0.05 {
                verdict = "learns most of the task but still makes errors at the training length"
            } else {
                verdict = "does not learn to copy at the training length"
            }
            sentences.append("The \(r.kind.rawValue.uppercased()) \(verdict) (bit errors per sequence: \(at)).")
        }
        if let ntm = results.first(where: { $0.kind == .ntm && $0.finished }), let longest = lengths.last, longest > train {
            let baselines = results.filter { $0.kind.isBuiltIn && $0.kind != .ntm && $0.finished }
            if let best = baselines.min(by: { errors($0, longest) < errors($1, longest) }) {
                sentences.append(Self.beyondTraining(length: longest, ntm: errors(ntm, longest), best: errors(best, longest),
                                                     baseline: best.kind.rawValue.uppercased()))
            }
        }
        return sentences.joined(separator: " ")
    }

    /// The copy report's sentence on the NTM against the best baseline (`best` bit errors per sequence) at a
    /// length beyond training. "Carries over" only when the NTM copies that length (under 1 bit error per
    /// sequence); fewer errors than the baseline with more than that is said to be short of it.
    @_spi(Testing) public static func beyondTraining(length: Int, ntm n: Double, best b: Double, baseline: String) -> String {
        let numbers = versus(baseline, best: b, ntm: n)
        guard n < b else {
            return "At length \(length), beyond the training distribution, the NTM does not beat the best baseline \(numbers)."
        }
        let start = "Beyond the training distribution, at length \(length), the NTM makes fewer errors than the best baseline \(numbers)"
        return n < 1 ? start + ": it has learned an algorithm that carries over to longer sequences."
            : start + ", but it does not copy sequences of that length exactly."
    }

    /// "(GRU: 129.8 against the NTM's 0)": the numbers every reading gives for the NTM against a baseline.
    static func versus(_ baseline: String, best b: Double, ntm n: Double) -> String {
        "(\(baseline): \(Markdown.bits(b)) against the NTM's \(Markdown.bits(n)))"
    }

    // MARK: - Writing

    /// The names of every file ``write(to:)`` may write, for any models: what a new run in the same
    /// directory removes first, so that nothing of an earlier run (a checkpoint of a model this run does not
    /// train, a figure it does not draw) seems to belong to it.
    /// Registered models included, so computed on each call.
    public static var fileNames: [String] {
        ModelKind.allCases.map { "\($0.rawValue).safetensors" } + ModelKind.allCases.map(memoryFile)
            + ["learning-curves.csv", learningCurvesFile, "validation.csv", "config.json", generalisationFile,
               "report.md", "results.json"]
    }

    /// Writes every file of the run into `directory` (which must exist), each atomically, `results.json`
    /// (which says whether the run finished) last.
    /// Every figure of the run, by file name: the learning curves, the generalisation curve when drawn, and
    /// each model's memory use.
    public var figures: [(file: String, svg: String)] {
        [(Self.learningCurvesFile, learningCurvesSVG)]
            + (writesGeneralisationCurve ? [(Self.generalisationFile, generalisationSVG)] : [])
            + examples.map { (Self.memoryFile($0.kind), memorySVG($0.kind, $0.example)) }
    }

    public func write(to directory: String) throws(NTMError) {
        for r in results {
            try r.checkpoint.write(path: "\(directory)/\(r.kind.rawValue).safetensors")
        }
        try AtomicFile.write(curvesCSV, to: "\(directory)/learning-curves.csv")
        try AtomicFile.write(validationCSV, to: "\(directory)/validation.csv")
        try AtomicFile.write(Preset.encode(config).serialized(pretty: true) + "\n", to: "\(directory)/config.json")
        for figure in figures { try AtomicFile.write(figure.svg, to: "\(directory)/\(figure.file)") }
        try AtomicFile.write(markdown, to: "\(directory)/report.md")
        try AtomicFile.write(resultsJSON.serialized(pretty: true) + "\n", to: "\(directory)/results.json")
    }
}

extension ModelResult {
    /// The evaluation at `point`, if the model was evaluated there.
    public func result(at point: TaskPoint) -> EvaluationResult? { evaluation.first { $0.point == point } }
}
