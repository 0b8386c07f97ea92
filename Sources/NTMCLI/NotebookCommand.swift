// `ntm-bench notebook run|check FILE.md`: a notebook's blocks run (or their runs read back with --from), their
// outputs written into the file between generated markers, or compared against what is committed there.
import Foundation
import NTMCore
import NTMReport

enum NotebookCommand {
    static let specs: [FlagSpec] = [
        FlagSpec("runs", "DIR", "where the blocks' runs go, one directory per block (default: run, $TMPDIR/ntm-notebook-runs/NOTEBOOK; check, a fresh directory removed when the check passes)"),
        FlagSpec("from", "DIR", "rebuild from the runs a previous 'notebook run --runs DIR' left, without training"),
        FlagSpec("only", "NAME,...", "only these blocks (the others keep their committed outputs and are not checked)"),
        SharedFlags.help,
    ]

    static let summary = "run a markdown notebook's blocks and write their outputs into it, or check them"

    static let help = """

        A block is a fenced code block whose info string is `ntm-bench NAME` (one command) or `python check NAME` /
        `sh check NAME` (a script; `requires=torch` names the Python modules it needs). Task commands and train get
        --out RUNS/NAME --quiet; their output is the run's report and figures. Other commands and checks: their standard
        output. `$RUNS` in a block is the runs directory; checks see it as NTM_RUNS and run in the notebook's folder with
        python3 (or $NTM_NOTEBOOK_PYTHON). check compares every output except wall times and the machine and build lines,
        and fails naming the block and the first difference.
        """

    static func run(_ raw: [String]) throws(NTMError) -> Int32 {
        let (operands, flags) = Arguments.separatingOperands(raw, specs: specs)
        let args = try Arguments(command: "notebook", arguments: flags, specs: specs)
        if args.has("help") || operands.isEmpty {
            print(Arguments.help(command: "notebook", summary: summary, usage: "run|check FILE.md [--runs DIR | --from DIR] [--only NAME,...]",
                                 specs: specs) + "\n" + help)
            return args.has("help") ? 0 : 2
        }
        guard operands.count == 2, ["run", "check"].contains(operands[0]) else {
            throw .usage("notebook: expected 'run FILE.md' or 'check FILE.md', got '\(operands.joined(separator: " "))'")
        }
        if args.has("runs") && args.has("from") {
            throw .usage("notebook: --runs says where new runs go and --from where saved ones are; give one")
        }
        let path = operands[1]
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .usage("notebook: cannot read \(path); give a markdown notebook")
        }
        let document = try NotebookDocument.parse(String(decoding: data, as: UTF8.self), source: path)
        var blocks = document.blocks
        guard !blocks.isEmpty else {
            throw .usage("\(path): no blocks to run (a block is a fence opened with ```ntm-bench NAME or ```python check NAME)")
        }
        if let only = args.string("only") {
            let names = only.split(separator: ",").map(String.init)
            for n in names where !blocks.contains(where: { $0.name == n }) {
                throw .usage("notebook: --only: \(path) has no block '\(n)' (its blocks: \(blocks.map(\.name).joined(separator: ", ")))")
            }
            blocks = blocks.filter { names.contains($0.name) }
        }
        let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let runs: String
        if let from = args.string("from") {
            guard OutputDirectory.isDirectory(from) else {
                throw .usage("notebook: --from \(from) is not a directory; give the --runs directory of an earlier run")
            }
            runs = absolute(from)
        } else if let given = args.string("runs") {
            runs = absolute(given)
        } else if operands[0] == "run" {
            // Kept in one place per notebook, so that a later run can rebuild from it (--from).
            runs = absolute(NSTemporaryDirectory() + "ntm-notebook-runs/" + stem)
        } else {
            // A check starts from nothing: a run left unfinished by an earlier check must not stop it.
            runs = absolute(NSTemporaryDirectory() + "ntm-notebook-check-\(stem)-\(ProcessInfo.processInfo.processIdentifier)")
        }
        let runner = NotebookRunner(notebook: absolute(path), stem: stem, runs: runs, fromSaved: args.has("from"))
        if operands[0] == "run" { return try runNotebook(document, blocks, runner, path: path) }
        let status = try checkNotebook(document, blocks, runner, path: path)
        if !args.has("runs") && !args.has("from") {
            if status == 0 { try? FileManager.default.removeItem(atPath: runs) } else { note("notebook: the runs of this check are in \(runs)") }
        }
        return status
    }

    static func absolute(_ path: String) -> String {
        let url = path.hasPrefix("/") ? URL(fileURLWithPath: path)
            : URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(path)
        return url.standardizedFileURL.path
    }

    static func note(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    static func runNotebook(_ document: NotebookDocument, _ blocks: [NotebookBlock], _ runner: NotebookRunner,
                            path: String) throws(NTMError) -> Int32 {
        var outputs: [String: [String]] = [:]
        var figures: [(path: String, content: String)] = []
        for block in blocks {
            note("notebook: \(block.name) (line \(block.line))" + (runner.fromSaved ? ", from \(runner.runs)/\(block.name)" : ""))
            let start = Date()
            let output: NotebookRunner.Output
            do { output = try runner.output(of: block) } catch {
                throw NTMError(error.kind, "\(path): block '\(block.name)' (line \(block.line)): \(error.message); "
                               + "the notebook was not changed" + (runner.fromSaved ? "" : " (runs so far in \(runner.runs))"))
            }
            switch output {
            case .skipped(let why):
                note("notebook: \(block.name) not run: \(why); its committed output is kept")
            case .made(let lines, let blockFigures):
                outputs[block.name] = lines
                figures += blockFigures.map { (runner.figurePath(block, $0.name), $0.content) }
                note(String(format: "notebook: %@ done in %.1f s", block.name, Date().timeIntervalSince(start)))
            }
        }
        for figure in figures { try AtomicFile.write(figure.content, to: figure.path) }
        // Figures of these blocks that this run no longer draws would seem to belong to it: removed.
        let written = Set(figures.map(\.path))
        for block in blocks where outputs[block.name] != nil {
            for stale in runner.existingFigures(of: block) where !written.contains(stale) { try? FileManager.default.removeItem(atPath: stale) }
        }
        try AtomicFile.write(document.rendered(outputs: outputs), to: path)
        note("notebook: wrote \(outputs.count) output\(outputs.count == 1 ? "" : "s") into \(path)"
             + (runner.fromSaved ? "" : "; runs in \(runner.runs) (rebuild without training: notebook run \(path) --from \(runner.runs))"))
        return 0
    }

    static func checkNotebook(_ document: NotebookDocument, _ blocks: [NotebookBlock], _ runner: NotebookRunner,
                              path: String) throws(NTMError) -> Int32 {
        var failed: [String] = [], skipped: [String] = [], volatile: [String] = []
        for block in blocks {
            let start = Date()
            let output: NotebookRunner.Output
            do { output = try runner.output(of: block) } catch {
                print("FAIL \(block.name) (line \(block.line)): \(error.message)")
                failed.append(block.name)
                continue
            }
            let seconds = String(format: "%.1f s", Date().timeIntervalSince(start))
            switch output {
            case .skipped(let why):
                print("not checked \(block.name) (line \(block.line)): \(why)")
                skipped.append(block.name)
            case .made(let lines, let blockFigures):
                if block.isVolatile {
                    print("ran \(block.name) (\(seconds)): volatile output, not compared")
                    volatile.append(block.name)
                    continue
                }
                guard let committed = document.output(of: block.name) else {
                    print("FAIL \(block.name) (line \(block.line)): no committed output; write it with '\(CommandLineText.program) notebook run \(path)'")
                    failed.append(block.name)
                    continue
                }
                if let d = NotebookComparison.firstDifference(committed: committed, now: lines) {
                    print("FAIL \(block.name) (line \(block.line)): line \(d.line) of its output differs")
                    print("  committed: \(d.committed ?? "(nothing: the output ends here)")")
                    print("  now:       \(d.now ?? "(nothing: the output ends here)")")
                    failed.append(block.name)
                    continue
                }
                var figureDifference: String?
                for figure in blockFigures {
                    let file = runner.figurePath(block, figure.name)
                    guard let data = FileManager.default.contents(atPath: file) else {
                        figureDifference = "\(file) is missing"
                        break
                    }
                    let old = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                    let new = figure.content.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                    if let d = NotebookComparison.firstDifference(committed: old, now: new) {
                        figureDifference = "\(URL(fileURLWithPath: file).lastPathComponent) differs at line \(d.line): committed "
                            + "'\(String((d.committed ?? "").prefix(100)))', now '\(String((d.now ?? "").prefix(100)))'"
                        break
                    }
                }
                if let figureDifference {
                    print("FAIL \(block.name) (line \(block.line)): figure \(figureDifference)")
                    failed.append(block.name)
                } else {
                    print("ok   \(block.name) (\(seconds))")
                }
            }
        }
        let checked = blocks.count - skipped.count - volatile.count
        print("\(path): \(checked - failed.count) of \(checked) block\(checked == 1 ? "" : "s") as committed"
              + (skipped.isEmpty ? "" : "; not checked: \(skipped.joined(separator: ", "))")
              + (volatile.isEmpty ? "" : "; ran, not compared: \(volatile.joined(separator: ", "))")
              + (failed.isEmpty ? "" : "; differ: \(failed.joined(separator: ", "))"))
        return failed.isEmpty ? 0 : 1
    }
}
