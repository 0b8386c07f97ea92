// The new-memory guide shows the files of Examples/lrua verbatim, and the README the library example
// Examples/ntm-example; this keeps every shown block equal to its file, so that what the documents teach is
// what `.ci/run` compiles and tests.
import Foundation
import Testing

@Suite("Guide code")
struct GuideCodeTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Checks every block of `document` marked `<!-- file: PATH -->` against its file; returns how many there were.
    static func checkBlocks(of document: String) throws -> Int {
        let text = try String(contentsOf: root.appendingPathComponent(document), encoding: .utf8)
        let marker = "<!-- file: "
        var shown = 0
        var rest = text[...]
        while let m = rest.range(of: marker) {
            let after = rest[m.upperBound...]
            let end = try #require(after.range(of: " -->\n```swift\n"))
            let path = String(after[..<end.lowerBound])
            let body = after[end.upperBound...]
            let close = try #require(body.range(of: "\n```\n"))
            let block = String(body[..<close.lowerBound]) + "\n"
            let file = try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
            #expect(block == file, "\(document)'s block for \(path) differs from the file")
            shown += 1
            rest = body[close.upperBound...]
        }
        return shown
    }

    @Test func everyBlockOfTheNewMemoryGuideIsItsFileVerbatim() throws {
        #expect(try Self.checkBlocks(of: "notebooks-md/new-memory-guide.md") >= 5)
    }

    @Test func theReadmeShowsTheLibraryExampleVerbatim() throws {
        #expect(try Self.checkBlocks(of: "README.md") == 1)
    }
}
