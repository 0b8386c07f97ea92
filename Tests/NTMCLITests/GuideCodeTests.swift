// The new-memory guide shows the files of Examples/lrua verbatim; this keeps every shown block equal
// to its file, so that what the guide teaches is what `.ci/run` compiles and tests.
import Foundation
import Testing

@Suite("Guide code")
struct GuideCodeTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test func everyBlockOfTheNewMemoryGuideIsItsFileVerbatim() throws {
        let guide = try String(contentsOf: Self.root.appendingPathComponent("notebooks-md/new-memory-guide.md"), encoding: .utf8)
        let marker = "<!-- file: "
        var shown = 0
        var rest = guide[...]
        while let m = rest.range(of: marker) {
            let after = rest[m.upperBound...]
            let end = try #require(after.range(of: " -->\n```swift\n"))
            let path = String(after[..<end.lowerBound])
            let body = after[end.upperBound...]
            let close = try #require(body.range(of: "\n```\n"))
            let block = String(body[..<close.lowerBound]) + "\n"
            let file = try String(contentsOf: Self.root.appendingPathComponent(path), encoding: .utf8)
            #expect(block == file, "the guide's block for \(path) differs from the file")
            shown += 1
            rest = body[close.upperBound...]
        }
        #expect(shown >= 5)
    }
}
