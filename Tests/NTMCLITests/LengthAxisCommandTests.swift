// `--length-axis linear|log` on the task commands and `train`: it reaches the resolved configuration
// (only when not the default) and the generalisation figure, a resumed run may change it, and bad values
// and repeat copy's two-number points are one-line usage errors.
import Foundation
import Testing
@testable import NTMCLI
import NTMKit

@Suite("--length-axis on the command line")
struct LengthAxisCommandTests {
    static let tiny = ["associative-recall", "--length", "3", "--eval-lengths", "3,6,12,24", "--models", "ntm",
                       "--sequences", "4", "--batch", "2", "--threads", "1"] + tinySizes

    /// The x positions of the NTM's points in `generalisation.svg`, from the plot's left edge (x = 70).
    static func pointXs(_ dir: String) throws -> [Double] {
        let svg = try String(contentsOfFile: dir + "/generalisation.svg", encoding: .utf8)
        return svg.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("<circle cx=\"") else { return nil }
            return Double(line.dropFirst(12).prefix { $0 != "\"" }).map { $0 - 70 }
        }
    }

    @Test func theAxisReachesTheConfigurationAndTheFigure() throws {
        let linear = Scratch.directory("axis-linear")
        #expect(NTMCLI.run(arguments: Self.tiny + ["--out", linear]) == 0)
        #expect(try RunFiles.json(linear + "/config.json")["lengthAxis"] == nil, "the default is not written")
        // Linear: 3, 6, 12, 24 on an axis from 0 to 25 (steps of 5), 440 pixels wide.
        let xs = try Self.pointXs(linear)
        #expect(zip(xs, [3.0, 6, 12, 24]).allSatisfy { abs($0 - $1 / 25 * 440) <= 0.05 }, "\(xs)")

        let log = Scratch.directory("axis-log")
        #expect(NTMCLI.run(arguments: Self.tiny + ["--length-axis", "log", "--out", log]) == 0)
        #expect(try RunFiles.json(log + "/config.json")["lengthAxis"]?.stringValue == "log")
        // Log: every doubling a third of the width.
        let logXs = try Self.pointXs(log)
        #expect(zip(logXs, [0.0, 1, 2, 3]).allSatisfy { abs($0 - $1 * 440 / 3) <= 0.05 }, "\(logXs)")
        let svg = try String(contentsOfFile: log + "/generalisation.svg", encoding: .utf8)
        #expect(svg.contains(">items, logarithmic scale</text>"))
        // The run's config.json gives the axis back, and the numbers do not depend on it.
        let preset = try Preset.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: log + "/config.json"))), source: "config.json")
        #expect(preset.lengthAxis == .log)
        let numbers = { (dir: String) throws -> [JSONValue?] in
            try RunFiles.json(dir + "/results.json")["models"]?.arrayValue?.map { $0["eval"] } ?? []
        }
        #expect(try numbers(log) == numbers(linear))
        // Resuming the finished run with the other axis redraws the figure and retrains nothing.
        #expect(NTMCLI.run(arguments: Self.tiny + ["--out", log, "--resume"]) == 0)
        #expect(try RunFiles.json(log + "/config.json")["lengthAxis"] == nil)
        #expect(try Self.pointXs(log) == xs)
        // `train` takes the flag too.
        let train = Scratch.directory("axis-train")
        #expect(NTMCLI.run(arguments: ["train", "--model", "lstm", "--length", "2", "--sequences", "2", "--batch", "2",
                                       "--controller-size", "12", "--layers", "1", "--eval-sequences", "4", "--quiet",
                                       "--length-axis", "log", "--out", train]) == 0)
        #expect(try RunFiles.json(train + "/config.json")["lengthAxis"]?.stringValue == "log")
    }

    static let badUses: [([String], String)] = [
        (["copy", "--length-axis", "cubic"], "--length-axis must be one of linear, log, got 'cubic'"),
        (["train", "--length-axis", "Log"], "--length-axis must be one of linear, log, got 'Log'"),
        (["repeat-copy", "--length-axis", "log"],
         "--length-axis does not apply to repeat-copy: its evaluation points are length x repeats, drawn evenly spaced in order"),
    ]

    @Test(arguments: 0..<badUses.count)
    func aBadValueIsAOneLineUsageError(index: Int) {
        let (args, message) = Self.badUses[index]
        let out = ["--out", Scratch.directory("axis-bad")]
        #expect(NTMCLI.run(arguments: args + out) == 2, "\(args)")
        let error = #expect(throws: NTMError.self) { _ = try NTMCLI.dispatch(args + out) }
        #expect(error?.kind == .usage && error?.message == message, "\(error?.message ?? "no error")")
    }

    /// In a preset the key takes the same values, and repeat copy refuses it.
    @Test func presetsTakeTheKey() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        func decode(_ task: String, _ value: String) throws -> ExperimentConfig {
            var text = try String(contentsOf: root.appendingPathComponent("tasks/\(task).json"), encoding: .utf8)
            text = text.replacingOccurrences(of: "\"curvePoints\": 100,", with: "\"curvePoints\": 100, \"lengthAxis\": \(value),")
            return try Preset.decode(Array(text.utf8), source: "\(task).json")
        }
        #expect(try decode("ngrams", "\"log\"").lengthAxis == .log)
        #expect(try decode("copy", "\"linear\"").lengthAxis == .linear)
        for (task, value, message) in [("copy", "\"cubic\"", "expected one of: linear, log"), ("copy", "2", "must be a string"),
                                       ("repeat-copy", "\"log\"", "lengthAxis does not apply to repeat-copy")] {
            let error = #expect(throws: NTMError.self) { _ = try decode(task, value) }
            #expect(error?.kind == .usage && error?.message.contains(message) == true && error?.message.contains("\n") == false,
                    "\(error?.message ?? "no error")")
        }
    }
}
