// A clone of the kit has no sibling folders: README.md and the notebooks under notebooks-md/ must link only to
// files inside the repository, and must not send the reader to paths of the machine that wrote them. This
// checks every markdown link, image and HTML `src`/`href` of those documents (outside code), including the
// `#anchors` of links to markdown files, and every mention of `../shared` or an absolute `/work/` path
// anywhere in them.
import Foundation
import Testing

@Suite("Documentation links")
struct DocumentationLinkTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// `README.md` and every `.md` file under `notebooks-md/`, as paths relative to the root, sorted.
    static func documents() throws -> [String] {
        var paths = ["README.md"]
        let notebooks = root.appendingPathComponent("notebooks-md")
        let enumerator = try #require(FileManager.default.enumerator(atPath: notebooks.path))
        for case let path as String in enumerator where path.hasSuffix(".md") { paths.append("notebooks-md/" + path) }
        return paths.sorted()
    }

    @Test func everyLinkOfTheReadmeAndTheNotebooksResolvesInsideTheRepository() throws {
        let documents = try Self.documents()
        #expect(documents.contains("notebooks-md/models.md") && documents.count >= 10)
        var problems: [String] = []
        var links = 0
        for document in documents {
            let text = try String(contentsOf: Self.root.appendingPathComponent(document), encoding: .utf8)
            let found = DocumentationCheck.problems(in: text, document: document, root: Self.root.path)
            problems += found.problems
            links += found.links
        }
        #expect(links >= 30, "only \(links) links found: is the scanner still reading the documents?")
        #expect(problems.isEmpty, Comment(rawValue: "\n" + problems.joined(separator: "\n")))
    }

    @Test func theCheckNamesBrokenLinksAndPathsOutsideTheRepository() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("doc-links-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("notes"), withIntermediateDirectories: true)
        try "# Other page\n\n## Its ε section (2026)\n".write(to: root.appendingPathComponent("notes/other.md"),
                                                             atomically: true, encoding: .utf8)
        try Data().write(to: root.appendingPathComponent("notes/figure.svg"))
        let page = """
            # A page

            ## Same-page heading, with `code`

            Fine: [other](other.md), [its section](other.md#its-ε-section-2026), ![figure](figure.svg "title"),
            [up and back](../notes/other.md), [here](#same-page-heading-with-code), [web](https://example.com/x),
            <img src="figure.svg">, `[not a link](nowhere.md)`, a run written to /work/runs/copy5.

            Broken: [missing](missing.md), ![no image](no.svg), [bad anchor](other.md#no-such-heading),
            [bad local anchor](#nowhere), [escapes](../../outside.md), [absolute](/work/shared/spec/models.md),
            <a href="gone.md">gone</a>.

            [ref]: ../shared/spec/models.md

            ```sh
            cat ../shared/spec/models.md [ignored](ignored.md)
            /work/venv/bin/python check.py
            ```
            """
        let found = DocumentationCheck.problems(in: page, document: "notes/page.md", root: root.path)
        let expected = [
            "notes/page.md:9: link 'missing.md': no such file in the repository",
            "notes/page.md:9: link 'no.svg': no such file in the repository",
            "notes/page.md:9: link 'other.md#no-such-heading': other.md has no heading '#no-such-heading'",
            "notes/page.md:10: mentions '/work/shared/spec/models.md', a path outside the repository",
            "notes/page.md:10: link '#nowhere': notes/page.md has no heading '#nowhere'",
            "notes/page.md:10: link '../../outside.md': leaves the repository",
            "notes/page.md:10: link '/work/shared/spec/models.md': an absolute path, outside the repository",
            "notes/page.md:11: link 'gone.md': no such file in the repository",
            "notes/page.md:13: mentions '../shared/spec/models.md', a path outside the repository",
            "notes/page.md:13: link '../shared/spec/models.md': no such file in the repository",
            "notes/page.md:16: mentions '../shared/spec/models.md', a path outside the repository",
            "notes/page.md:17: mentions '/work/venv/bin/python', a path outside the repository",
        ]
        #expect(found.problems == expected, Comment(rawValue: "\n" + found.problems.joined(separator: "\n")))
        #expect(found.links == 15)
    }
}

/// The scanner behind ``DocumentationLinkTests``.
enum DocumentationCheck {
    /// Mentions of these are paths outside the repository, wherever they appear (code blocks included)...
    static let outsidePatterns = ["../shared", "/work/"]
    /// ...except where a recorded run was written on the machine that made it (`--out /work/runs/…` in the
    /// notebooks' "Regenerate with" lines and run notes): a fact about that run, reproduced as `ntm-bench`
    /// wrote it, which the reader never needs to open; the command works with any `--out`.
    static let allowedMentions = ["/work/runs/"]

    /// The problems of one markdown document (`document`: its path relative to `root`), one line each,
    /// `document:line: what`, and the number of links and images it checked.
    static func problems(in text: String, document: String, root: String) -> (problems: [String], links: Int) {
        let lines = text.components(separatedBy: "\n")
        let directory = (document as NSString).deletingLastPathComponent
        var problems: [String] = []
        var links = 0
        var fence: String?
        let ownAnchors = anchors(of: text)
        for (index, line) in lines.enumerated() {
            let number = index + 1
            problems += mentions(in: line).map { "\(document):\(number): mentions '\($0)', a path outside the repository" }
            let trimmed = line.drop { $0 == " " }
            if let open = fence {
                if trimmed.hasPrefix(open) { fence = nil }
                continue
            }
            if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") {
                fence = String(trimmed.prefix(3))
                continue
            }
            for target in targets(in: withoutCodeSpans(line)) {
                links += 1
                if let problem = check(target, directory: directory, document: document, ownAnchors: ownAnchors, root: root) {
                    problems.append("\(document):\(number): link '\(target)': \(problem)")
                }
            }
        }
        return (problems, links)
    }

    /// Every `../shared…` or `/work/…` path on a line, up to the next space, quote or bracket.
    static func mentions(in line: String) -> [String] {
        var found: [String] = []
        for pattern in outsidePatterns {
            var rest = line[...]
            while let r = rest.range(of: pattern) {
                let end = line[r.lowerBound...].firstIndex { " \t`'\"()<>[]{},;|".contains($0) } ?? line.endIndex
                let path = String(line[r.lowerBound..<end])
                if !allowedMentions.contains(where: { path.hasPrefix($0) }) { found.append(path) }
                rest = line[end...]
            }
        }
        return found
    }

    /// The line without its inline code spans (`` `…` ``), whose brackets are not links.
    static func withoutCodeSpans(_ line: String) -> String {
        var out = "", inCode = false
        for c in line {
            if c == "`" { inCode.toggle(); continue }
            if !inCode { out.append(c) }
        }
        return out
    }

    /// Link and image targets `[…](target "title")`, reference definitions `[id]: target`, and HTML
    /// `src="…"`, `href="…"`.
    static func targets(in line: String) -> [String] {
        var found: [String] = []
        var rest = line[...]
        while let r = rest.range(of: "](") {
            let after = line[r.upperBound...]
            let end = after.firstIndex { $0 == ")" || $0 == " " } ?? line.endIndex
            var target = String(after[..<end])
            if target.hasPrefix("<") && target.hasSuffix(">") { target = String(target.dropFirst().dropLast()) }
            if !target.isEmpty { found.append(target) }
            rest = line[end...]
        }
        for attribute in ["src=\"", "href=\""] {
            var rest = line[...]
            while let r = rest.range(of: attribute) {
                let end = line[r.upperBound...].firstIndex(of: "\"") ?? line.endIndex
                found.append(String(line[r.upperBound..<end]))
                rest = line[end...]
            }
        }
        let trimmed = line.drop { $0 == " " }
        if trimmed.hasPrefix("["), let close = trimmed.range(of: "]: ") {
            let target = trimmed[close.upperBound...].split(separator: " ").first.map(String.init) ?? ""
            if !target.isEmpty { found.append(target) }
        }
        return found
    }

    /// Why `target`, linked from `document` in `directory` (whose own headings give `ownAnchors`), does not
    /// resolve inside the repository (nil if it does).
    static func check(_ target: String, directory: String, document: String, ownAnchors: Set<String>,
                      root: String) -> String? {
        if let colon = target.firstIndex(of: ":"), target[..<colon].allSatisfy({ $0.isLetter || "+.-".contains($0) }),
           !target[..<colon].isEmpty {
            let scheme = target[..<colon].lowercased()
            return ["http", "https", "mailto"].contains(scheme) ? nil : "a '\(scheme):' link, outside the repository"
        }
        if target.hasPrefix("/") { return "an absolute path, outside the repository" }
        let parts = target.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
        let path = String(parts[0]).removingPercentEncoding ?? String(parts[0])
        let fragment = parts.count > 1 ? String(parts[1]) : ""
        if path.isEmpty {
            return fragment.isEmpty || ownAnchors.contains(fragment.lowercased()) ? nil : "\(document) has no heading '#\(fragment)'"
        }
        // The target's path relative to the root, `..` resolved; nil once it climbs above the root.
        var components: [Substring] = []
        let joined = directory.isEmpty ? path : directory + "/" + path
        for c in joined.split(separator: "/") where c != "." {
            if c == ".." {
                if components.popLast() == nil { return "leaves the repository" }
            } else {
                components.append(c)
            }
        }
        let relative = components.joined(separator: "/")
        let file = root + "/" + relative
        guard FileManager.default.fileExists(atPath: file) else { return "no such file in the repository" }
        guard !fragment.isEmpty, relative.hasSuffix(".md") else { return nil }
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return "cannot be read" }
        return anchors(of: text).contains(fragment.lowercased()) ? nil : "\(path) has no heading '#\(fragment)'"
    }

    /// The anchors GitHub gives a document's headings: the text (code spans keep their text) lower-cased,
    /// every character but letters, marks, numbers, `_`, `-` and spaces removed, spaces made hyphens; a
    /// repeated anchor gets `-1`, `-2`, ….
    static func anchors(of text: String) -> Set<String> {
        var seen: [String: Int] = [:]
        var result = Set<String>()
        var inFence = false
        for line in text.components(separatedBy: "\n") {
            let trimmed = line.drop { $0 == " " }
            if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") { inFence.toggle(); continue }
            guard !inFence, line.hasPrefix("#") else { continue }
            let title = line.drop { $0 == "#" }
            guard title.first == " " else { continue }
            var slug = ""
            for scalar in title.trimmingCharacters(in: .whitespaces).lowercased().unicodeScalars {
                switch scalar.properties.generalCategory {
                case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
                     .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .letterNumber, .otherNumber,
                     .connectorPunctuation:
                    slug.unicodeScalars.append(scalar)
                default:
                    if scalar == "-" { slug.append("-") } else if scalar == " " { slug.append("-") }
                }
            }
            let count = seen[slug, default: 0]
            seen[slug] = count + 1
            result.insert(count == 0 ? slug : "\(slug)-\(count)")
        }
        return result
    }
}
