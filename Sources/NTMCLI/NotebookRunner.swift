// Running one notebook block: an `ntm-bench` command in this process (so a binary that registers its own
// models runs notebooks about them), or a check script in python3 or sh; or, with --from, reading the run a
// block made earlier back from its directory. A block's output is what the notebook shows under it.
import Foundation
import NTMCore
import NTMReport
import NTMSweep
import NTMTraining

struct NotebookRunner {
    /// The notebook's absolute path.
    let notebook: String
    /// Its file name without `.md`: the prefix of its figures.
    let stem: String
    /// One directory per block: `runs/NAME`.
    let runs: String
    /// Read saved runs instead of training (`--from`).
    let fromSaved: Bool

    enum Output {
        /// The output lines, and the figures (file name in the run, SVG text) shown with them.
        case made([String], figures: [(name: String, content: String)])
        case skipped(String)
    }

    var folder: String { URL(fileURLWithPath: notebook).deletingLastPathComponent().path }

    /// Where a block's figure lives beside the notebook: `STEM-NAME-FILE`.
    func figurePath(_ block: NotebookBlock, _ file: String) -> String {
        "\(folder)/\(stem)-\(block.name)-\(file.replacingOccurrences(of: "/", with: "-"))"
    }

    func existingFigures(of block: NotebookBlock) -> [String] {
        let prefix = "\(stem)-\(block.name)-"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasPrefix(prefix) && $0.hasSuffix(".svg") }.map { "\(folder)/\($0)" }
    }

    func output(of block: NotebookBlock) throws(NTMError) -> Output {
        switch block.kind {
        case .command: return try command(block)
        case .check(let language): return try check(block, language: language)
        }
    }

    // MARK: - ntm-bench blocks

    func command(_ block: NotebookBlock) throws(NTMError) -> Output {
        var words = try Self.words(of: block.body).map(substitutingRuns)
        guard let program = words.first else { throw .usage("the block is empty; write one command, as in 'ntm-bench copy'") }
        guard program == "ntm-bench" || program == CommandLineText.program else {
            throw .usage("the block runs '\(program)'; a notebook block runs \(CommandLineText.program) (a binary that registers "
                         + "its own models checks notebooks about them)")
        }
        words.removeFirst()
        guard let name = words.first else { throw .usage("the block names no command (as in 'ntm-bench copy --length 20')") }
        guard name != "notebook" else { throw .usage("a notebook block cannot run another notebook") }
        let trains = TaskCommand.named(name) != nil || name == "train"
        let directory = "\(runs)/\(block.name)"
        // `sweep run FILE`: the sweep planned and run into $RUNS/NAME; its output is the sweep's report.
        if name == "sweep" && words.dropFirst().first == "run" {
            guard words.count > 2, !words[2].hasPrefix("-"), FileManager.default.fileExists(atPath: words[2]) else {
                throw .usage("a notebook's sweep block is 'ntm-bench sweep run FILE.json [--jobs N]', with a sweep file that exists")
            }
            if words.contains(where: { $0 == "--out" || $0.hasPrefix("--out=") }) {
                throw .usage("the block gives --out; the notebook chooses the sweep's directory ($RUNS/\(block.name)): remove it")
            }
            let command = CommandLineText.render(words + ["--out", directory, "--quiet"])
            if fromSaved { return try sweepOutput(block, file: words[2], directory: directory, command: command) }
            let (status, _) = try StandardOutput.capturing { () throws(NTMError) -> Int32 in try NTMCLI.dispatch(words + ["--out", directory, "--quiet"]) }
            guard status == 0 else { throw .runtime("'\(command)' exited with status \(status)") }
            return try sweepOutput(block, file: words[2], directory: directory, command: command)
        }
        if trains {
            if words.contains(where: { $0 == "--out" || $0.hasPrefix("--out=") }) {
                throw .usage("the block gives --out; the notebook chooses each run's directory ($RUNS/\(block.name)): remove it")
            }
            if fromSaved { return try savedReport(block, words: words, directory: directory) }
            words += ["--out", directory, "--quiet"]
        }
        let (status, text) = try StandardOutput.capturing { () throws(NTMError) -> Int32 in try NTMCLI.dispatch(words) }
        guard status == 0 else { throw .runtime("'\(CommandLineText.render(words))' exited with status \(status)") }
        if trains { return try reportOutput(block, directory: directory, command: CommandLineText.render(words)) }
        return .made(Self.fenced(unsubstitutingRuns(text)), figures: [])
    }

    /// A run made earlier: its report rebuilt from its files, then shown as a fresh run's would be.
    func savedReport(_ block: NotebookBlock, words: [String], directory: String) throws(NTMError) -> Output {
        guard FileManager.default.fileExists(atPath: directory + "/results.json") else {
            throw .usage("\(directory) holds no run (no results.json); run the notebook without --from to make it")
        }
        let command = CommandLineText.render(words + ["--out", directory, "--quiet"])
        // The saved run must be the block's experiment: the same resolved settings, seed for seed. It may have
        // trained more models than the block names: each model's run depends on its own settings and seed
        // only (random streams are per model), so the block's models are taken from it.
        let rest = Array(words.dropFirst())
        let experiment = try words[0] == "train" ? (config: TrainCommand.resolvedExperiment(rest), seeds: nil)
            : TaskCommand.named(words[0])!.resolvedExperiment(rest)
        let runs: [RunReport]
        var seedsReport: SeedsReport?
        switch try SavedRun.kind(of: directory) {
        case .run: runs = [try SavedRun.report(directory: directory, models: experiment.config.models)]
        case .seeds:
            let report = try SavedRun.seedsReport(directories: [directory], models: experiment.config.models)
            runs = report.runs
            seedsReport = report
        }
        let (config, seeds) = experiment
        let made = runs.map(\.config.seed)
        if let seeds, seeds != made {
            throw .usage("\(directory) holds seeds \(made.map(String.init).joined(separator: ",")), the block asks for "
                         + "\(seeds.map(String.init).joined(separator: ",")); run the block again without --from")
        }
        if seeds == nil && made != [config.seed] {
            throw .usage("\(directory) holds a run of seed \(made.map(String.init).joined(separator: ",")), the block asks for seed \(config.seed)")
        }
        // Each run's configuration as read, with the block's models (the others were not read).
        for run in runs {
            var wanted = config
            wanted.seed = run.config.seed
            let (then, now) = Experiment.comparableParts(Preset.encode(run.config), Preset.encode(wanted))
            if let difference = Experiment.firstDifference(checkpoint: then, now: now) {
                throw .usage("the saved run in \(directory) is not the block's experiment: "
                             + difference.replacingOccurrences(of: "in the checkpoint", with: "in the saved run")
                                 .replacingOccurrences(of: " now", with: " in the block")
                             + "; run the block again without --from")
            }
        }
        // Rendered in memory: the saved run is only read, and nothing is written to show it.
        let (markdown, figures) = seedsReport.map { ($0.markdown, $0.figures) } ?? (runs[0].markdown, runs[0].figures)
        return reportOutput(block, markdown: markdown, figures: figures.map { (name: $0.file, content: $0.svg) }, command: command)
    }

    /// A sweep's report, rebuilt from its directory, which must hold the plan of the block's sweep file.
    func sweepOutput(_ block: NotebookBlock, file: String, directory: String, command: String) throws(NTMError) -> Output {
        guard FileManager.default.fileExists(atPath: "\(directory)/\(SweepPlan.manifestFile)") else {
            throw .usage("\(directory) holds no sweep (no \(SweepPlan.manifestFile)); run the notebook without --from to make it")
        }
        let wanted = try SweepPlan.expand(try SweepFile.load(path: file), source: file)
        let saved = try SweepPlan.load(sweep: directory)
        let missing = wanted.runs.filter { saved.run(id: $0.id)?.planned != true }
        guard wanted.groups == saved.groups, missing.isEmpty else {
            throw .usage("the sweep in \(directory) is not the block's sweep (\(missing.first.map { "it has no run \($0.id)" } ?? "its comparisons differ")); "
                         + "run the block again without --from")
        }
        let report = try SweepReport.build(directories: [directory], command: command)
        guard report.unfinished.isEmpty else {
            throw .runtime("the sweep in \(directory) has \(report.unfinished.count) runs not finished (first: \(report.unfinished[0].run.id), "
                           + "\(SweepReport.describe(report.unfinished[0].state))); finish it with '\(CommandLineText.program) sweep run \(directory)'")
        }
        return reportOutput(block, markdown: report.markdown, figures: report.figures.map { (name: $0.file, content: $0.svg) },
                            command: command, inlineFigures: true)
    }

    /// A run's report.md, its headings moved to the block's level and its directory written `$RUNS/NAME`,
    /// followed by its figures.
    func reportOutput(_ block: NotebookBlock, directory: String, command: String) throws(NTMError) -> Output {
        guard let data = FileManager.default.contents(atPath: directory + "/report.md") else {
            throw .runtime("the run wrote no report (\(directory)/report.md)")
        }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".svg") }
        let figures = names.compactMap { name in
            FileManager.default.contents(atPath: "\(directory)/\(name)").map { (name, String(decoding: $0, as: UTF8.self)) }
        }
        return reportOutput(block, markdown: String(decoding: data, as: UTF8.self), figures: figures, command: command)
    }

    /// A report's markdown and figures as a block's output (see the other `reportOutput`).
    /// `inlineFigures`: the report links its figures itself (`![…](figures/FILE)`); the links are pointed at the
    /// notebook's copies instead of being listed after it.
    func reportOutput(_ block: NotebookBlock, markdown: String, figures unsorted: [(name: String, content: String)],
                      command: String, inlineFigures: Bool = false) -> Output {
        let level = block.attributes["level"].flatMap(Int.init) ?? 3
        var lines: [String] = []
        var inFence = false, afterRegenerate = false
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("```") { inFence.toggle() }
            if !inFence && line.hasPrefix("#") {
                lines.append(String(repeating: "#", count: level - 1) + line)
                continue
            }
            if line == "Regenerate with:" { afterRegenerate = true }
            if inFence && afterRegenerate && !line.hasPrefix("```") {
                // The block's command, as the notebook ran it (a saved run may have been made elsewhere, under
                // another directory, with other threads: none of which changes a number).
                lines.append(unsubstitutingRuns(command))
                afterRegenerate = false
                continue
            }
            lines.append(unsubstitutingRuns(inlineFigures ? line.replacingOccurrences(of: "](figures/", with: "](\(stem)-\(block.name)-figures-") : line))
        }
        while lines.last == "" { lines.removeLast() }
        let figures = unsorted.sorted { $0.name < $1.name }
        if !figures.isEmpty && !inlineFigures {
            lines.append("")
            for f in figures {
                let file = URL(fileURLWithPath: figurePath(block, f.name)).lastPathComponent
                lines.append("![\(block.name): \(f.name)](\(file))")
            }
        }
        return .made(lines, figures: figures)
    }

    // MARK: - check blocks

    func check(_ block: NotebookBlock, language: String) throws(NTMError) -> Output {
        let python = ProcessInfo.processInfo.environment["NTM_NOTEBOOK_PYTHON"] ?? "python3"
        let interpreter = language == "python" ? python : "sh"
        if !block.requires.isEmpty {
            let probe = "import " + block.requires.joined(separator: ", ")
            let (status, _, _) = try run(interpreter, ["-c", probe])
            if status != 0 {
                return .skipped("needs the Python module\(block.requires.count == 1 ? "" : "s") \(block.requires.joined(separator: ", ")) "
                                + "(not importable by \(interpreter); set NTM_NOTEBOOK_PYTHON to a Python that has them)")
            }
        }
        let (status, out, err) = try run(interpreter, ["-c", substitutingRuns(block.body)])
        guard status == 0 else {
            let last = err.split(separator: "\n").last.map(String.init) ?? "no message"
            throw .runtime("the \(language) check exited with status \(status): \(last)")
        }
        return .made(Self.fenced(unsubstitutingRuns(out)), figures: [])
    }

    func run(_ program: String, _ arguments: [String]) throws(NTMError) -> (Int32, String, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        var environment = ProcessInfo.processInfo.environment
        environment["NTM_RUNS"] = runs
        process.environment = environment
        // Standard error goes to a file, so that a chatty script cannot fill a pipe nobody reads and stall.
        let errPath = NSTemporaryDirectory() + "ntm-notebook-stderr-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)"
        guard FileManager.default.createFile(atPath: errPath, contents: nil), let errHandle = FileHandle(forWritingAtPath: errPath) else {
            throw .runtime("cannot create \(errPath)")
        }
        defer { try? FileManager.default.removeItem(atPath: errPath) }
        let outPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errHandle
        do { try process.run() } catch { throw .runtime("cannot start \(program): \(error.localizedDescription)") }
        let outData = outPipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try? errHandle.close()
        let errData = FileManager.default.contents(atPath: errPath) ?? Data()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }

    // MARK: - Text

    func substitutingRuns(_ text: String) -> String {
        text.replacingOccurrences(of: "${RUNS}", with: runs).replacingOccurrences(of: "$RUNS", with: runs)
    }

    func unsubstitutingRuns(_ text: String) -> String { text.replacingOccurrences(of: runs, with: "$RUNS") }

    /// Standard output shown as a fenced text block.
    static func fenced(_ text: String) -> [String] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        while lines.last == "" { lines.removeLast() }
        return ["```text"] + lines + ["```"]
    }

    /// A block's command split into words as a shell would for simple commands: whitespace separates,
    /// '…' and "…" quote, a backslash at the end of a line continues it.
    static func words(of body: String) throws(NTMError) -> [String] {
        let text = body.replacingOccurrences(of: "\\\n", with: " ")
        guard !text.contains("\n") || text.split(separator: "\n").filter({ !$0.trimmingCharacters(in: .whitespaces).isEmpty }).count <= 1 else {
            throw .usage("the block holds more than one command; give each its own block (or continue a line with a trailing \\)")
        }
        var words: [String] = [], current = "", quote: Character?, hasWord = false
        for c in text {
            if let q = quote {
                if c == q { quote = nil } else { current.append(c) }
            } else if c == "'" || c == "\"" {
                quote = c
                hasWord = true
            } else if c == " " || c == "\t" || c == "\n" {
                if hasWord { words.append(current) }
                current = ""
                hasWord = false
            } else {
                current.append(c)
                hasWord = true
            }
        }
        guard quote == nil else { throw .usage("a quote in the block is never closed") }
        if hasWord { words.append(current) }
        return words
    }
}
