// Presets: every file in tasks/ decodes, the built-in defaults equal tasks/copy.json, and bad
// presets get one-line usage errors.
import Foundation
import Testing
import NTMKit

enum Repository {
    /// The package root, found from this file's path (tests run from a source checkout).
    static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static func bytes(_ relative: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: root.appendingPathComponent(relative)))
    }
}

@Suite("Presets")
struct PresetTests {
    @Test func builtInDefaultsEqualTheCopyPreset() throws {
        let decoded = try Preset.decode(try Repository.bytes("tasks/copy.json"), source: "tasks/copy.json")
        #expect(decoded == BuiltInPresets.copy)
    }

    @Test func everyPresetDecodes() throws {
        let dir = Repository.root.appendingPathComponent("tasks")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json") }
        #expect(!files.isEmpty)
        for f in files {
            _ = try Preset.decode(try Repository.bytes("tasks/" + f), source: f)
        }
    }

    @Test func encodedConfigurationDecodesToTheSame() throws {
        let config = BuiltInPresets.copy
        let text = Preset.encode(config).serialized(pretty: true)
        #expect(try Preset.decode(Array(text.utf8), source: "round-trip") == config)
    }

    static let badEdits: [(String, String, String)] = [
        ("\"controllerSize\": 100", "\"controllerSise\": 100", "did you mean 'controllerSize'"),
        ("\"controllerSize\": 100", "\"controllerSize\": \"big\"", "must be an integer"),
        ("\"controllerSize\": 100", "\"controllerSize\": 0", "outside the allowed 1...8192"),
        ("\"controllerSize\": 100", "\"controllerSize\": 1.5", "must be an integer"),
        ("\"memoryInit\": \"constant\"", "\"memoryInit\": \"zeros\"", "expected one of: constant, learned, random"),
        ("\"models\": [\"ntm\", \"lstm\", \"gru\"]", "\"models\": [\"ntm\", \"transformer\"]", "unknown model"),
        ("\"models\": [\"ntm\", \"lstm\", \"gru\"]", "\"models\": [\"ntm\", \"rnn\"]", "there is no 'rnn' section"),
        ("\"models\": [\"ntm\", \"lstm\", \"gru\"]", "\"models\": []", "non-empty list"),
        ("\"minLength\": 1", "\"minLength\": 30", "outside the allowed 1...20"),
        ("\"name\": \"rmsprop\"", "\"name\": \"sgd\"", "expected one of: rmsprop, adam"),
        ("\"memoryRows\": 128", "\"memoryRows\": 65536", "would need about"),
        ("\"seed\": 1", "\"seed\": 1, \"seed\": 2", "appears twice"),
        ("", "", "expected a JSON object"),  // the whole file replaced by a JSON array below
    ]

    @Test(arguments: 0..<badEdits.count)
    func badPresetsGetOneLineUsageErrors(index: Int) throws {
        let (from, to, expected) = Self.badEdits[index]
        var text = String(decoding: try Repository.bytes("tasks/copy.json"), as: UTF8.self)
        if from.isEmpty {
            text = "[1, 2]"
        } else {
            let range = try #require(text.range(of: from))
            text.replaceSubrange(range, with: to)
        }
        if index == 10 { text = text.replacingOccurrences(of: "\"memoryWidth\": 20", with: "\"memoryWidth\": 4096") }
        do {
            _ = try Preset.decode(Array(text.utf8), source: "bad.json")
            Issue.record("accepted a bad preset: \(to)")
        } catch {
            #expect(error.kind == .usage)
            #expect(error.message.contains(expected), "\(error.message)")
            #expect(!error.message.contains("\n"))
        }
    }

    @Test func truncatedPresetsNeverCrash() throws {
        let bytes = try Repository.bytes("tasks/copy.json")
        var failures = 0
        for cut in stride(from: 0, to: bytes.count, by: 7) {
            do { _ = try Preset.decode(Array(bytes[0..<cut]), source: "cut.json") } catch { failures += 1 }
        }
        #expect(failures == (bytes.count + 6) / 7)
    }
}
