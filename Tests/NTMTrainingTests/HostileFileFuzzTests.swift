// Hostile files: thousands of seeded mutations of valid training checkpoints, model checkpoints and
// presets (truncation, bit flips, edited header numbers and lengths, edited metadata re-checksummed so
// the deeper checks are reached). Each one must load or get a clean one-line error; none may crash.
import Foundation
import Testing
import _NTMTestSupport
@_spi(Testing) import NTMTraining
import NTMKit

/// Seeded mutations of files.
struct Mutator {
    var rng: RandomSource

    static let weirdNumbers = ["-1", "0", "1", "-0", "1.5", "1e308", "1e400", "-1e400", "99999999999999999999", "9007199254740993",
                               "18446744073709551616", "4294967296", "2147483648", "65537", "1e-320", "0.000001", "3"]
    static let weirdJSON: [JSONValue] = [
        .null, .bool(true), .number(-1), .number(0), .number(1e300), .number(9.3e18), .number(0.5), .string(""), .string("zz"),
        .string("7ff8000000000000"), .string("7ff0000000000000"), .string("fff0000000000000"), .string("0000000000000000"),
        .string("-1"), .string("0 0 0 0"), .string("1 2 3"), .array([]), .object([]), .array([.number(1), .string("x")]),
    ]

    mutating func int(_ n: Int) -> Int { n <= 0 ? 0 : Int(rng.next() % UInt64(n)) }

    /// The header's byte range of a safetensors file, if its length field is sane.
    func headerRange(_ b: [UInt8]) -> Range<Int>? {
        guard b.count >= 8 else { return nil }
        var n: UInt64 = 0
        for i in 0..<8 { n |= UInt64(b[i]) << (8 * UInt64(i)) }
        guard n <= UInt64(b.count - 8) else { return nil }
        return 8..<(8 + Int(n))
    }

    /// Replaces `range` of the header with `text`, fixing the header length so the reader gets past it.
    func spliceHeader(_ b: [UInt8], _ range: Range<Int>, _ text: [UInt8]) -> [UInt8] {
        guard let h = headerRange(b) else { return b }
        var out = Array(b[0..<range.lowerBound]) + text + Array(b[range.upperBound...])
        let length = UInt64(h.count - range.count + text.count)
        for i in 0..<8 { out[i] = UInt8(truncatingIfNeeded: length >> (8 * UInt64(i))) }
        return out
    }

    /// One raw mutation of the bytes of a safetensors file.
    mutating func raw(_ b: [UInt8]) -> [UInt8] {
        var out = b
        switch int(8) {
        case 0:
            return Array(b.prefix(int(b.count)))
        case 1:
            for _ in 0...int(3) where !out.isEmpty {
                let i = int(out.count)
                out[i] ^= UInt8(1) << UInt8(int(8))
            }
            return out
        case 2:
            guard let h = headerRange(b), !h.isEmpty else { return out }
            for _ in 0...int(2) {
                let i = h.lowerBound + int(h.count)
                out[i] ^= UInt8(1) << UInt8(int(8))
            }
            return out
        case 3:
            let n: UInt64 = [UInt64(int(1 << 20)), rng.next(), UInt64(b.count), UInt64(max(0, b.count - 8)),
                             UInt64(headerRange(b)?.count ?? 0) &+ UInt64(int(33)) &- 16][int(5)]
            for i in 0..<min(8, out.count) { out[i] = UInt8(truncatingIfNeeded: n >> (8 * UInt64(i))) }
            return out
        case 4, 5:
            // Replace a number of the header (a shape, an offset, a config size, a counter) with an odd one.
            guard let h = headerRange(b) else { return out }
            let digits = h.filter { (48...57).contains(b[$0]) && !(48...57).contains(b[$0 - 1]) }
            guard !digits.isEmpty else { return out }
            let start = digits[int(digits.count)]
            var end = start
            while end < h.upperBound && (48...57).contains(b[end]) { end += 1 }
            return spliceHeader(b, start..<end, Array(Self.weirdNumbers[int(Self.weirdNumbers.count)].utf8))
        case 6:
            guard let h = headerRange(b), h.count > 2 else { return out }
            let start = h.lowerBound + int(h.count - 1)
            let end = min(h.upperBound, start + 1 + int(12))
            return spliceHeader(b, start..<end, [])
        default:
            let extra = (0..<(1 + int(16))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let at = int(b.count + 1)
            return Array(b[0..<at]) + extra + Array(b[at...])
        }
    }

    /// A random leaf of a JSON value replaced by an odd value (or a member removed).
    mutating func json(_ v: JSONValue) -> JSONValue {
        switch v {
        case .object(var members) where !members.isEmpty:
            let i = int(members.count)
            if int(6) == 0 { members.remove(at: i); return .object(members) }
            members[i].value = json(members[i].value)
            return .object(members)
        case .array(var items) where !items.isEmpty:
            let i = int(items.count)
            if int(8) == 0 { items.remove(at: i); return .array(items) }
            items[i] = json(items[i])
            return .array(items)
        default:
            return Self.weirdJSON[int(Self.weirdJSON.count)]
        }
    }
}

@Suite("Hostile files")
struct HostileFileFuzzTests {
    static func scratch(_ name: String) -> String {
        ScratchDirectory.make("fuzz-\(name)")
    }

    /// A tiny experiment whose training checkpoints are small, so thousands of them load in seconds.
    static var tinyExperiment: ExperimentConfig {
        let task = TaskConfig(kind: .copy, bits: 4, minLength: 1, length: 3)
        let ntm = ModelPlan(
            model: ModelConfig(kind: .ntm, inputWidth: 5, outputWidth: 4, controllerSize: 4, layers: 1, memoryRows: 4,
                               memoryWidth: 3, readHeads: 1, writeHeads: 1, shiftRange: 1),
            training: TrainingSettings(sequences: 40, batch: 2, optimizer: OptimizerConfig(name: .rmsprop, learningRate: 1e-3)))
        let lstm = ModelPlan(
            model: ModelConfig(kind: .lstm, inputWidth: 5, outputWidth: 4, controllerSize: 4, layers: 1),
            training: TrainingSettings(sequences: 40, batch: 2, optimizer: OptimizerConfig(name: .adam, learningRate: 1e-3)))
        return ExperimentConfig(about: "fuzz", task: task, seed: 3, models: [.ntm, .lstm], plans: [.ntm: ntm, .lstm: lstm],
                                evalSequences: 4, evalLengthFactors: [1], evalSeed: 9, curvePoints: 10,
                                validationEvery: 8, validationSequences: 3, keepBest: true)
    }

    /// Writes a file without the fsync of `Data.write` (thousands of cases must run in seconds).
    static func quickWrite(_ bytes: [UInt8], _ path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        precondition(fd >= 0, "cannot write \(path)")
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }

    static func expectClean(_ error: NTMError, _ what: String) {
        #expect(!error.message.isEmpty && !error.message.contains("\n"), "\(what): \(error.message)")
    }

    @Test func mutatedTrainingCheckpointsLoadOrFailCleanly() throws {
        let config = Self.tinyExperiment
        // Real training checkpoints: the NTM stopped mid-run (with a best validation), the LSTM finished.
        let partialDir = Self.scratch("state-partial"), finishedDir = Self.scratch("state-finished")
        let stop = StopToken()
        stop.stopAfterSteps = 13
        _ = Experiment.run(config, threads: 1, control: ExperimentControl(stop: stop, stateDirectory: partialDir))
        let states = try Experiment.loadStates(config, directory: partialDir)
        #expect(states[.ntm]?.steps == 13 && states[.ntm]?.bestWeights != nil)
        var onlyLSTM = config
        onlyLSTM.models = [.lstm]
        _ = Experiment.run(onlyLSTM, threads: 1, control: ExperimentControl(stateDirectory: finishedDir))
        #expect(try Experiment.loadStates(onlyLSTM, directory: finishedDir)[.lstm]?.status == .finished)

        let fuzzDir = Self.scratch("state-fuzz")
        var mutator = Mutator(rng: RandomSource(seed: 2024))
        var loaded = 0, refused = 0
        for (kind, dir, c) in [(ModelKind.ntm, partialDir, config), (.lstm, finishedDir, onlyLSTM)] {
            let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Experiment.statePath(dir, kind))))
            let decoded = try SafeTensorsFile.decode(original, source: "x")
            for i in 0..<1000 {
                let bytes: [UInt8]
                if i % 2 == 0 {
                    bytes = mutator.raw(original)
                } else {
                    // Edited contents with a valid checksum, to reach the checks behind it.
                    var f = decoded
                    switch mutator.int(4) {
                    case 0, 1:
                        let keys = f.metadata.keys.sorted()
                        let key = keys[mutator.int(keys.count)]
                        if let parsed = try? JSONValue.parse(f.metadata[key]!), parsed.objectMembers != nil || parsed.arrayValue != nil {
                            f.metadata[key] = mutator.json(parsed).serialized()
                        } else if mutator.int(5) == 0 {
                            f.metadata[key] = nil
                        } else {
                            f.metadata[key] = ["", "0", "-1", "x", "{}", "[]", "1e400", "18446744073709551616", "1 2 3 4", "0 0 0 0",
                                               "finished", "training", "adam", "rmsprop", "7ff8000000000000"][mutator.int(15)]
                        }
                    case 2:
                        let t = mutator.int(f.tensors.count)
                        switch mutator.int(4) {
                        case 0: f.tensors.remove(at: t)
                        case 1: f.tensors[t].values[mutator.int(f.tensors[t].values.count)] = [.nan, .infinity, -.infinity, 1e30][mutator.int(4)]
                        case 2: f.tensors[t] = SafeTensor(name: f.tensors[t].name, shape: [f.tensors[t].values.count, 1], values: f.tensors[t].values)
                        default: f.tensors[t].name = ["best.x", "optimizer.y.m", "output.weight", "z", f.tensors[(t + 1) % f.tensors.count].name + "."][mutator.int(5)]
                        }
                        if Set(f.tensors.map(\.name)).count != f.tensors.count { continue }
                    default:
                        f.metadata["status"] = f.metadata["status"] == "finished" ? "training" : "finished"
                    }
                    f.metadata["checksum"] = TrainingCheckpoint.checksum(of: f)
                    bytes = f.encoded()
                }
                Self.quickWrite(bytes, Experiment.statePath(fuzzDir, kind))
                do {
                    let s = try Experiment.loadStates(c, directory: fuzzDir)
                    #expect(s[kind] != nil)
                    loaded += 1
                } catch {
                    Self.expectClean(error, "\(kind) case \(i)")
                    refused += 1
                }
            }
        }
        #expect(refused > 1400 && loaded > 0, "loaded \(loaded), refused \(refused)")
    }

    @Test func mutatedModelCheckpointsLoadOrFailCleanly() throws {
        var mutator = Mutator(rng: RandomSource(seed: 7))
        let dir = Self.scratch("model")
        var loaded = 0, refused = 0
        for config in [Self.tinyExperiment.plan(.ntm).model, Self.tinyExperiment.plan(.lstm).model] {
            var rng = RandomSource(seed: 1)
            let model = ModelFactory.make(config, rng: &rng)
            let original = Checkpoint.file(of: model, extra: ["task": "copy"]).encoded()
            let path = dir + "/\(config.kind.rawValue).safetensors"
            for i in 0..<1500 {
                Self.quickWrite(mutator.raw(original), path)
                do {
                    _ = try Checkpoint.loadModel(path: path)
                    loaded += 1
                } catch {
                    #expect(error.kind == .runtime)
                    Self.expectClean(error, "case \(i)")
                    refused += 1
                }
            }
        }
        #expect(refused > 1500 && loaded > 0, "loaded \(loaded), refused \(refused)")
    }

    @Test func hostileConfigsDoNotAllocateHugeModels() throws {
        var rng = RandomSource(seed: 1)
        let model = ModelFactory.make(Self.tinyExperiment.plan(.lstm).model, rng: &rng)
        var file = Checkpoint.file(of: model)
        file.metadata["config"] = "{\"hiddenSize\": 8192, \"inputWidth\": 65536, \"layers\": 16, \"outputWidth\": 65536}"
        let path = Self.scratch("huge") + "/huge.safetensors"
        try file.write(path: path)
        #expect(throws: NTMError.self) { try Checkpoint.loadModel(path: path) }
    }

    @Test func mutatedPresetsDecodeOrFailCleanly() throws {
        let original = try Repository.bytes("tasks/copy.json")
        let parsed = try JSONValue.parse(original)
        var mutator = Mutator(rng: RandomSource(seed: 11))
        var accepted = 0, refused = 0
        for i in 0..<4000 {
            var bytes = original
            switch i % 5 {
            case 0:
                bytes = Array(original.prefix(mutator.int(original.count)))
            case 1:
                for _ in 0...mutator.int(3) {
                    let k = mutator.int(bytes.count)
                    bytes[k] ^= UInt8(1) << UInt8(mutator.int(8))
                }
            case 2:
                // An odd number in place of one of the file's numbers.
                let starts = bytes.indices.filter { (48...57).contains(bytes[$0]) && $0 > 0 && !(48...57).contains(bytes[$0 - 1]) && bytes[$0 - 1] != UInt8(ascii: ".") }
                let s = starts[mutator.int(starts.count)]
                var e = s
                while e < bytes.count && ((48...57).contains(bytes[e]) || Array(".eE+-".utf8).contains(bytes[e])) { e += 1 }
                bytes = Array(bytes[0..<s]) + Array(Mutator.weirdNumbers[mutator.int(Mutator.weirdNumbers.count)].utf8) + Array(bytes[e...])
            case 3:
                let s = mutator.int(bytes.count)
                bytes.removeSubrange(s..<min(bytes.count, s + 1 + mutator.int(20)))
            default:
                bytes = Array(mutator.json(parsed).serialized().utf8)
            }
            do {
                let config = try Preset.decode(bytes, source: "fuzz.json")
                // What decodes writes back to the same configuration.
                #expect(try Preset.decode(Array(Preset.encode(config).serialized().utf8), source: "again") == config)
                accepted += 1
            } catch {
                #expect(error.kind == .usage)
                Self.expectClean(error, "case \(i)")
                refused += 1
            }
        }
        #expect(accepted > 100 && refused > 1500, "accepted \(accepted), refused \(refused)")
    }
}
