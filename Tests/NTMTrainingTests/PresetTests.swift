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

    @Test(arguments: TaskConfig.Kind.allCases)
    func builtInDefaultsEqualTheirPresetFile(kind: TaskConfig.Kind) throws {
        let file = "tasks/\(kind.rawValue).json"
        let decoded = try Preset.decode(try Repository.bytes(file), source: file)
        #expect(decoded == BuiltInPresets.preset(kind))
        #expect(decoded.task.kind == kind)
        // Encoded and decoded again, the configuration is the same (config.json and resume rely on it).
        let text = Preset.encode(decoded).serialized(pretty: true)
        #expect(try Preset.decode(Array(text.utf8), source: "round-trip") == decoded)
    }

    /// The new presets compare the NTM with the three baselines, each value with a reason.
    @Test(arguments: [TaskConfig.Kind.repeatCopy, .associativeRecall, .ngrams, .prioritySort])
    func newPresetsHaveEveryBaselineAndTheirReasons(kind: TaskConfig.Kind) throws {
        let file = "tasks/\(kind.rawValue).json"
        let json = try JSONValue.parse(try Repository.bytes(file))
        let config = BuiltInPresets.preset(kind)
        #expect(config.models == [.ntm, .lstm, .gru, .rnn])
        #expect(config.plans[.ntm]?.training.optimizer.name == .rmsprop)
        for section in ["task", "evaluation", "validation", "curriculum", "ntm", "lstm", "gru", "rnn"] {
            #expect(json[section]?["why"]?.objectMembers?.isEmpty == false, "\(file): \(section) has no reasons")
        }
        // Only associative recall departs from the paper's no-curriculum training (see its preset).
        #expect(config.curriculum == (kind == .associativeRecall ? CurriculumConfig(kind: .lookback) : .none))
    }

    /// The copy preset's resolved configuration keeps exactly its keys (runs' config.json and the training
    /// checkpoints' `experiment` compare against it; the `rnn` section, added later for a model copy does not
    /// train by default, is left out of that comparison when neither run trains it).
    @Test func copyEncodingKeepsItsKeys() throws {
        let json = Preset.encode(BuiltInPresets.copy)
        #expect(json.objectMembers?.map(\.key) == ["about", "task", "seed", "models", "evaluation", "validation", "curvePoints",
                                                   "ntm", "lstm", "gru", "rnn"])
        #expect(json["models"] == .array([.string("ntm"), .string("lstm"), .string("gru")]))
        #expect(json["task"]?.objectMembers?.map(\.key) == ["name", "bits", "minLength", "length"])
        #expect(json["evaluation"]?.objectMembers?.map(\.key) == ["sequences", "lengthFactors", "seed"])
    }

    static let badTaskEdits: [(String, String, String, String)] = [
        ("repeat-copy", "\"maxRepeats\": 10,", "\"maxRepeats\": 11,", "minRepeats + maxRepeats odd"),
        ("repeat-copy", "\"repeatEncoding\": \"standardized\"", "\"repeatEncoding\": \"zscore\"", "expected one of: standardized, fractionOfMaximum"),
        ("repeat-copy", "{\"length\": 10, \"repeats\": 20}", "{\"length\": 10}", "missing 'repeats'"),
        ("repeat-copy", "{\"length\": 10, \"repeats\": 20}", "12", "expected a JSON object"),
        ("repeat-copy", "\"minLength\": 1,", "\"minItems\": 1,", "unknown key 'minItems'"),
        ("associative-recall", "\"minItems\": 2,", "\"minItems\": 1,", "outside the allowed 2...6"),
        ("associative-recall", "\"points\": [6, 8, 10, 12]", "\"points\": [6, 1]", "entries must be items in 2...100000"),
        ("associative-recall", "\"points\": [6, 8, 10, 12]", "\"points\": [6], \"lengthFactors\": [1]", "give one of them"),
        ("ngrams", "\"contextBits\": 5,", "\"contextBit\": 5,", "did you mean 'contextBits'"),
        ("ngrams", "\"length\": 200,", "\"length\": 5,", "outside the allowed 6...100000"),
        ("priority-sort", "\"outputs\": 16,", "\"outputs\": 0,", "outside the allowed 1...10000"),
        ("priority-sort", "\"name\": \"priority-sort\"", "\"name\": \"sorting\"", "expected one of: copy, repeat-copy"),
        ("priority-sort", "\"name\": \"none\"", "\"name\": \"fancy\"", "expected one of: none, uniform, naive, lookback"),
        ("priority-sort", "\"name\": \"none\"", "\"name\": \"naive\", \"probability\": 0.5", "unknown key 'probability'"),
        ("priority-sort", "\"name\": \"none\"", "\"name\": \"naive\", \"start\": 30", "outside the allowed 1...20"),
        ("priority-sort", "\"name\": \"none\"", "\"name\": \"lookback\", \"probability\": 2", "outside the allowed 0.0...1.0"),
        ("priority-sort", "\"name\": \"none\"", "\"name\": \"uniform\", \"step\": 2", "unknown key 'step'"),
        ("ngrams", "\"hiddenSize\": 128,", "\"hiddenSise\": 128,", "did you mean 'hiddenSize'"),
    ]

    @Test(arguments: 0..<badTaskEdits.count)
    func badTaskPresetsGetOneLineUsageErrors(index: Int) throws {
        let (task, from, to, expected) = Self.badTaskEdits[index]
        var text = String(decoding: try Repository.bytes("tasks/\(task).json"), as: UTF8.self)
        let range = try #require(text.range(of: from))
        text.replaceSubrange(range, with: to)
        do {
            _ = try Preset.decode(Array(text.utf8), source: "bad.json")
            Issue.record("accepted a bad preset: \(to)")
        } catch {
            #expect(error.kind == .usage)
            #expect(error.message.contains(expected), "\(error.message)")
            #expect(!error.message.contains("\n"))
        }
    }

    /// A curriculum in a preset decodes with its defaults and is written back only when there is one.
    @Test func curriculumDecodesAndEncodes() throws {
        var text = String(decoding: try Repository.bytes("tasks/repeat-copy.json"), as: UTF8.self)
        let range = try #require(text.range(of: "\"name\": \"none\""))
        text.replaceSubrange(range, with: "\"name\": \"lookback\", \"start\": 3, \"window\": 500")
        let config = try Preset.decode(Array(text.utf8), source: "lookback.json")
        #expect(config.curriculum == CurriculumConfig(kind: .lookback, start: 3, step: 1, threshold: 1, window: 500, probability: 0.1))
        #expect(config.makeCurriculum().levels == 3...10)
        let encoded = Preset.encode(config)
        #expect(encoded["curriculum"]?.objectMembers?.map(\.key) == ["name", "start", "step", "threshold", "window", "probability"])
        #expect(try Preset.decode(Array(encoded.serialized().utf8), source: "again") == config)
        #expect(Preset.encode(BuiltInPresets.repeatCopy)["curriculum"] == nil)
        #expect(Preset.encode(BuiltInPresets.associativeRecall)["curriculum"]?["name"]?.stringValue == "lookback")
    }

    /// Every built-in preset configures every built-in model, so `--models` can name any of them on any task.
    @Test(arguments: TaskConfig.Kind.allCases)
    func everyBuiltInPresetConfiguresEveryBuiltInModel(kind: TaskConfig.Kind) {
        let config = BuiltInPresets.preset(kind)
        for model in ModelKind.builtIn {
            let plan = config.plans[model]
            #expect(plan != nil, "\(kind.rawValue) has no \(model.rawValue) section")
            #expect(plan?.model.inputWidth == config.task.inputWidth && plan?.model.outputWidth == config.task.outputWidth)
        }
    }

    /// A preset that lists a built-in model without a section trains it as the task's built-in preset does, with
    /// the preset's widths; a section given is used as written.
    @Test func aBuiltInModelWithoutASectionTakesTheBuiltInPresets() throws {
        var text = String(decoding: try Repository.bytes("tasks/copy.json"), as: UTF8.self)
        text = text.replacingOccurrences(of: "\"models\": [\"ntm\", \"lstm\", \"gru\"]", with: "\"models\": [\"ntm\", \"rnn\"]")
        text = text.replacingOccurrences(of: "\"bits\": 8,", with: "\"bits\": 4,")
        let rnn = try #require(text.range(of: ",\n  \"rnn\": {"))
        text.replaceSubrange(rnn.lowerBound..<text.index(before: text.lastIndex(of: "}")!), with: "")
        let config = try Preset.decode(Array(text.utf8), source: "no-rnn.json")
        var expected = try #require(BuiltInPresets.copy.plans[.rnn])
        expected.model = try expected.model.resized(inputWidth: 5, outputWidth: 4)
        #expect(config.models == [.ntm, .rnn])
        #expect(config.plans[.rnn] == expected)
        #expect(config.plans[.rnn]?.model.controllerSize == 256 && config.plans[.rnn]?.training.batch == 16)
        #expect(config.plans[.ntm]?.model.inputWidth == 5)
        // The resolved configuration names the section it took, so the run can be made again from it.
        let again = try Preset.decode(Array(Preset.encode(config).serialized().utf8), source: "again")
        #expect(again == config)
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
        ("\"models\": [\"ntm\", \"lstm\", \"gru\"]", "\"models\": []", "non-empty list"),
        ("\"minLength\": 1", "\"minLength\": 30", "outside the allowed 1...20"),
        ("\"name\": \"rmsprop\"", "\"name\": \"sgd\"", "expected one of: rmsprop, adam"),
        ("\"memoryRows\": 128", "\"memoryRows\": 65536", "would need about"),
        ("\"seed\": 1", "\"seed\": 1, \"seed\": 2", "appears twice"),
        ("\"weightingInit\": \"first-row\"", "\"weightingInit\": \"last-row\"", "expected one of: uniform, first-row"),
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
        if index == 9 { text = text.replacingOccurrences(of: "\"memoryWidth\": 20", with: "\"memoryWidth\": 4096") }
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
        // Cut before the closing brace: a prefix that only lacks the trailing newline is a whole preset.
        var bytes = try Repository.bytes("tasks/copy.json")
        while let last = bytes.last, last != UInt8(ascii: "}") { bytes.removeLast() }
        #expect(try Preset.decode(bytes, source: "copy.json") == BuiltInPresets.copy)
        bytes.removeLast()
        var failures = 0
        for cut in stride(from: 0, to: bytes.count, by: 7) {
            do { _ = try Preset.decode(Array(bytes[0..<cut]), source: "cut.json") } catch { failures += 1 }
        }
        #expect(failures == (bytes.count + 6) / 7)
    }
}
