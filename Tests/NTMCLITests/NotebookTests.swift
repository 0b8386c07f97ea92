// Notebooks that check themselves: the format (blocks, generated outputs, errors), `notebook run` writing
// outputs and figures, `notebook check` passing on what it wrote and failing, naming the block, when a seed in
// a block or a number in a committed output changes; `--from` rebuilding from saved runs; check blocks.
import Foundation
import Testing
@_spi(Testing) import NTMCLI
import NTMKit

@Suite("Notebooks")
struct NotebookTests {
    static let copyBlock = "ntm-bench copy --length 3 --sequences 40 --batch 2 --models ntm,lstm --eval-lengths 3,6 \\\n  "
        + tinySizes.filter { $0 != "--quiet" }.joined(separator: " ")

    static func notebook(seed: Int = 1) -> String {
        """
        # A tiny notebook

        Prose stays as written.

        ```ntm-bench tiny-copy
        \(copyBlock.replacingOccurrences(of: "--length 3", with: "--length 3 --seed \(seed)"))
        ```

        The NTM's checkpoint again:

        ```ntm-bench tiny-eval
        ntm-bench eval --checkpoint $RUNS/tiny-copy/ntm.safetensors --eval-lengths 3 --sequences 5
        ```

        ```sh check tiny-files
        test -f "$NTM_RUNS/tiny-copy/results.json" && echo "results.json written"
        ```

        ```python check needs-missing requires=ntm_kit_no_such_module
        print("never")
        ```

        A closing line.
        """
    }

    @Test func parsingAndRenderingKeepEveryLineOfProse() throws {
        let text = Self.notebook() + "\n"
        let document = try NotebookDocument.parse(text, source: "t.md")
        #expect(document.blocks.map(\.name) == ["tiny-copy", "tiny-eval", "tiny-files", "needs-missing"])
        #expect(document.blocks[3].requires == ["ntm_kit_no_such_module"] && document.blocks[2].kind == .check(language: "sh"))
        #expect(document.rendered(outputs: [:]) == text)
        let withOutput = document.rendered(outputs: ["tiny-eval": ["```text", "hello", "```"]])
        let again = try NotebookDocument.parse(withOutput, source: "t.md")
        #expect(again.output(of: "tiny-eval") == ["```text", "hello", "```"] && again.output(of: "tiny-copy") == nil)
        // Rendering with the outputs already there changes nothing.
        #expect(again.rendered(outputs: [:]) == withOutput)
        #expect(withOutput.contains("A closing line.") && withOutput.contains("Prose stays as written."))
    }

    @Test func malformedNotebooksAreRefusedWithTheLine() {
        let cases: [(String, String)] = [
            ("```ntm-bench a\nntm-bench copy\n```\n```ntm-bench a\nntm-bench copy\n```\n", "a second block named 'a'"),
            ("```ntm-bench Bad_Name\nntm-bench copy\n```\n", "lower-case letters"),
            ("```ntm-bench a colour=red\nntm-bench copy\n```\n", "unknown attribute 'colour'"),
            ("```ntm-bench a\nntm-bench copy\n", "never closed"),
            ("text\n" + NotebookDocument.startMarker("a") + "\nx\n" + NotebookDocument.endMarker("a") + "\n", "does not follow its block"),
            ("```ntm-bench a\nntm-bench copy\n```\n" + NotebookDocument.startMarker("a") + "\nx\n", "no end marker"),
            ("```ruby check a\nputs 1\n```\n", "checks run python or sh"),
            ("```sh check a requires=torch\necho\n```\n", "requires= names Python modules"),
        ]
        for (text, expected) in cases {
            let error = #expect(throws: NTMError.self) { try NotebookDocument.parse(text, source: "bad.md") }
            #expect(error?.message.contains(expected) == true && error?.message.hasPrefix("bad.md:") == true
                    && error?.message.contains("\n") == false, "\(error?.message ?? "no error") for \(text)")
        }
    }

    @Test func timesAndMachineLinesAreNeverCompared() {
        let committed = ["| ntm | 1.5 s | 0.232 |", "- machine: AMD EPYC, 2 cores", "- build: ntm-kit 0.9.0, commit abc", "took 4 min 05 s"]
        let now = ["| ntm | 12.0 s | 0.232 |", "- machine: Apple M2, 8 cores", "- build: ntm-kit 0.9.1, commit def", "took 1 min 59 s"]
        #expect(NotebookComparison.firstDifference(committed: committed, now: now) == nil)
        let changed = ["| ntm | 1.5 s | 0.233 |"] + now.dropFirst()
        #expect(NotebookComparison.firstDifference(committed: committed, now: changed)?.line == 1)
        #expect(NotebookComparison.firstDifference(committed: committed, now: Array(now.prefix(3)))?.now == nil)
    }

    @Test func runWritesOutputsCheckPassesAndFailsNamingTheBlock() throws {
        let dir = Scratch.directory("notebook")
        let path = dir + "/tiny.md", runs = dir + "/runs"
        try Self.notebook().write(toFile: path, atomically: true, encoding: .utf8)
        #expect(NTMCLI.run(arguments: ["notebook", "run", path, "--runs", runs]) == 0)
        let written = try String(contentsOfFile: path, encoding: .utf8)
        let document = try NotebookDocument.parse(written, source: path)
        let report = try #require(document.output(of: "tiny-copy"))
        #expect(report.contains("### Copy task, trained on lengths 1–3, seed 1") && report.contains("#### Results"))
        #expect(report.contains { $0.contains("--out $RUNS/tiny-copy --quiet") } && !written.contains(runs))
        #expect(document.output(of: "tiny-eval")?.first == "```text" && document.output(of: "tiny-files") == ["```text", "results.json written", "```"])
        #expect(document.output(of: "needs-missing") == nil)
        let figure = dir + "/tiny-tiny-copy-memory-ntm.svg"
        #expect(FileManager.default.fileExists(atPath: figure) && written.contains("](tiny-tiny-copy-memory-ntm.svg)"))
        #expect(written.hasPrefix("# A tiny notebook\n\nProse stays as written.\n") && written.contains("A closing line."))

        // The committed outputs are what the commands make, trained again or rebuilt from the saved runs.
        let check = NTMCLI.runCapturing(arguments: ["notebook", "check", path])
        #expect(check.status == 0, "\(check.output)")
        #expect(check.output.contains("ok   tiny-copy") && check.output.contains("not checked needs-missing"), "\(check.output)")
        let fromSaved = NTMCLI.runCapturing(arguments: ["notebook", "check", path, "--from", runs])
        #expect(fromSaved.status == 0 && fromSaved.output.contains("3 of 3 blocks as committed"), "\(fromSaved.output)")

        // Another seed in the block: the report differs, and the check says where.
        let reseeded = written.replacingOccurrences(of: "--length 3 --seed 1", with: "--length 3 --seed 2")
        try reseeded.write(toFile: path, atomically: true, encoding: .utf8)
        let seedCheck = NTMCLI.runCapturing(arguments: ["notebook", "check", path, "--only", "tiny-copy"])
        #expect(seedCheck.status == 1 && seedCheck.output.contains("FAIL tiny-copy"), "\(seedCheck.output)")

        // --from refuses a saved run made with other settings than the block's, and takes the block's models
        // from a run of more.
        try written.replacingOccurrences(of: "--sequences 40", with: "--sequences 30").write(toFile: path, atomically: true, encoding: .utf8)
        let otherSettings = NTMCLI.runCapturing(arguments: ["notebook", "check", path, "--from", runs, "--only", "tiny-copy"])
        #expect(otherSettings.status == 1 && otherSettings.output.contains("FAIL tiny-copy")
                && otherSettings.output.contains("not the block's experiment"), "\(otherSettings.output)")
        try written.replacingOccurrences(of: "--models ntm,lstm", with: "--models lstm").write(toFile: path, atomically: true, encoding: .utf8)
        #expect(NTMCLI.run(arguments: ["notebook", "run", path, "--from", runs, "--only", "tiny-copy"]) == 0)
        let lstmOnly = try #require(try NotebookDocument.parse(String(contentsOfFile: path, encoding: .utf8), source: path).output(of: "tiny-copy"))
        #expect(lstmOnly.contains { $0.hasPrefix("| lstm | ") } && !lstmOnly.contains { $0.hasPrefix("| ntm | ") })
        #expect(!FileManager.default.fileExists(atPath: figure), "a figure the block no longer draws is removed")

        // A number changed by hand in a committed output.
        let results = try #require(report.first { $0.hasPrefix("| ntm | ") })
        let edited = written.replacingOccurrences(of: results, with: results.replacingOccurrences(of: "| 40 |", with: "| 41 |"))
        #expect(edited != written)
        try edited.write(toFile: path, atomically: true, encoding: .utf8)
        let numberCheck = NTMCLI.runCapturing(arguments: ["notebook", "check", path, "--from", runs])
        #expect(numberCheck.status == 1 && numberCheck.output.contains("FAIL tiny-copy") && numberCheck.output.contains("| 41 |"),
                "\(numberCheck.output)")
        #expect(!numberCheck.output.contains("FAIL tiny-eval"))
    }

    @Test func badInvocationsAndBlocksFailInOneLine() throws {
        let dir = Scratch.directory("notebook-bad")
        let withOut = dir + "/out.md"
        try "```ntm-bench a\nntm-bench copy --out /tmp/x\n```\n".write(toFile: withOut, atomically: true, encoding: .utf8)
        let other = dir + "/other.md"
        try "```ntm-bench a\nlrua-bench copy\n```\n".write(toFile: other, atomically: true, encoding: .utf8)
        let empty = dir + "/empty.md"
        try "# nothing to run\n".write(toFile: empty, atomically: true, encoding: .utf8)
        #expect(NTMCLI.run(arguments: ["notebook", "run", withOut, "--runs", dir + "/runs"]) == 2)
        #expect(try String(contentsOfFile: withOut, encoding: .utf8) == "```ntm-bench a\nntm-bench copy --out /tmp/x\n```\n")
        #expect(NTMCLI.run(arguments: ["notebook", "run", other, "--runs", dir + "/runs"]) == 2)
        #expect(NTMCLI.run(arguments: ["notebook", "run", empty]) == 2)
        #expect(NTMCLI.run(arguments: ["notebook", "frobnicate", empty]) == 2)
        #expect(NTMCLI.run(arguments: ["notebook", "check", dir + "/missing.md"]) == 2)
        #expect(NTMCLI.run(arguments: ["notebook", "check", empty, "--from", dir + "/none"]) == 2)
        #expect(NTMCLI.run(arguments: ["notebook", "run", other, "--only", "zzz"]) == 2)
    }
}
