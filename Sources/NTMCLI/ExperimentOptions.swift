// The flags shared by `copy`, `train` and `trace`: which preset, which lengths and budgets,
// and the model-size overrides, applied on top of the preset and validated together.
import Foundation
import NTMCore
import NTMModels
import NTMMemory
import NTMTraining

enum SharedFlags {
    static let experiment: [FlagSpec] = [
        FlagSpec("preset", "FILE", "experiment preset (default: the built-in copy preset, as tasks/copy.json)"),
        FlagSpec("length", "L", "longest training sequence (preset: 20)"),
        FlagSpec("min-length", "L", "shortest training sequence (preset: 1)"),
        FlagSpec("seed", "S", "training seed: initial weights and data (preset: 1)"),
        FlagSpec("sequences", "N", "training budget in sequences, for every model"),
        FlagSpec("batch", "B", "sequences per batch, for every model"),
        FlagSpec("eval-sequences", "N", "evaluation sequences per length (preset: 200)"),
        FlagSpec("eval-lengths", "L,L,...", "evaluation lengths (preset: the training length and twice it)"),
        FlagSpec("out", "DIR", "output directory"),
    ]

    static let modelSize: [FlagSpec] = [
        FlagSpec("controller-size", "H", "NTM controller size (for train/trace of a baseline: its hidden size)"),
        FlagSpec("layers", "L", "NTM controller layers (for train/trace of a baseline: its layers)"),
        FlagSpec("memory-rows", "N", "NTM memory rows"),
        FlagSpec("memory-width", "M", "NTM memory width"),
        FlagSpec("read-heads", "R", "NTM read heads"),
        FlagSpec("write-heads", "W", "NTM write heads"),
        FlagSpec("shift-range", "S", "NTM shift range (shifts -S...S)"),
        FlagSpec("memory-init", "KIND", "NTM initial memory: constant, learned or random"),
    ]

    static let baselineSize: [FlagSpec] = [
        FlagSpec("hidden-size", "H", "LSTM and GRU hidden size"),
        FlagSpec("baseline-layers", "L", "LSTM and GRU layers"),
    ]

    static let help = FlagSpec("help", nil, "show this help")
}

enum ExperimentOptions {
    /// The preset (file or built-in) with the command line's overrides applied and validated.
    /// `sizeTarget` is the model the size flags apply to (`nil`: size flags go to the NTM, and
    /// `--hidden-size` / `--baseline-layers` to the baselines).
    static func resolve(_ args: Arguments, sizeTarget: ModelKind?) throws(NTMError) -> ExperimentConfig {
        var config: ExperimentConfig
        if let path = args.string("preset") {
            let bytes: [UInt8]
            do { bytes = try FileBytes.read(path) } catch { throw .usage("--preset: \(error.message)") }
            config = try Preset.decode(bytes, source: path)
        } else {
            config = BuiltInPresets.copy
        }
        if let l = try args.int("length", in: 1...10_000) {
            config.task.length = l
            config.task.minLength = min(config.task.minLength, l)
        }
        if let m = try args.int("min-length", in: 1...10_000) {
            guard m <= config.task.length else {
                throw .usage("--min-length \(m) is longer than the training length \(config.task.length)")
            }
            config.task.minLength = m
        }
        if let s = try args.int("seed", in: 0...Int(Int32.max)) { config.seed = UInt64(s) }
        if let e = try args.int("eval-sequences", in: 1...1_000_000) { config.evalSequences = e }
        if let text = args.string("eval-lengths") {
            var factors: [Double] = []
            for part in text.split(separator: ",", omittingEmptySubsequences: false) {
                guard let l = Int(part), (1...10_000).contains(l) else {
                    throw .usage("--eval-lengths must be lengths in 1...10000 separated by commas, got '\(text)'")
                }
                factors.append(Double(l) / Double(config.task.length))
            }
            config.evalLengthFactors = factors
        }
        let sequences = try args.int("sequences", in: 0...100_000_000)
        let batch = try args.int("batch", in: 1...4096)
        for kind in Array(config.plans.keys) {
            if let sequences { config.plans[kind]!.training.sequences = sequences }
            if let batch { config.plans[kind]!.training.batch = batch }
        }
        try applySizes(args, to: &config, target: sizeTarget)
        for kind in config.models {
            var plan = config.plan(kind)
            plan.model.inputWidth = config.task.inputWidth
            plan.model.outputWidth = config.task.outputWidth
            do { try plan.model.validate() } catch { throw .usage("\(kind.rawValue): \(error.message)") }
            config.plans[kind] = plan
        }
        try Preset.checkResources(config, source: "the configuration")
        return config
    }

    static func applySizes(_ args: Arguments, to config: inout ExperimentConfig, target: ModelKind?) throws(NTMError) {
        let ntmOnly = ["memory-rows", "memory-width", "read-heads", "write-heads", "shift-range", "memory-init"]
        if let target, target != .ntm {
            for f in ntmOnly where args.has(f) { throw .usage("--\(f) applies to the NTM only, not to --model \(target.rawValue)") }
        }
        let controllerSize = try args.int("controller-size", in: 1...8192)
        let layers = try args.int("layers", in: 1...16)
        let hidden = try args.int("hidden-size", in: 1...8192)
        let baselineLayers = try args.int("baseline-layers", in: 1...16)
        for kind in Array(config.plans.keys) {
            var m = config.plans[kind]!.model
            let sizeFlagsApply = target == nil ? kind == .ntm : kind == target
            if sizeFlagsApply {
                if let controllerSize { m.controllerSize = controllerSize }
                if let layers { m.layers = layers }
            }
            if kind != .ntm && target == nil {
                if let hidden { m.controllerSize = hidden }
                if let baselineLayers { m.layers = baselineLayers }
            }
            if kind == .ntm {
                if let v = try args.int("memory-rows", in: 1...65_536) { m.memoryRows = v }
                if let v = try args.int("memory-width", in: 1...4096) { m.memoryWidth = v }
                if let v = try args.int("read-heads", in: 0...16) { m.readHeads = v }
                if let v = try args.int("write-heads", in: 0...16) { m.writeHeads = v }
                if let v = try args.int("shift-range", in: 0...32_767) {
                    guard 2 * v + 1 <= m.memoryRows else {
                        throw .usage("--shift-range \(v) needs at least \(2 * v + 1) memory rows, the memory has \(m.memoryRows)")
                    }
                    m.shiftRange = v
                }
                if let s = args.string("memory-init") {
                    guard let mi = MemoryInit(rawValue: s) else {
                        throw .usage("--memory-init must be constant, learned or random, got '\(s)'")
                    }
                    m.memoryInit = mi
                }
            }
            config.plans[kind]!.model = m
        }
    }

    /// Parses `--models ntm,lstm,gru`.
    static func models(_ text: String) throws(NTMError) -> [ModelKind] {
        var out: [ModelKind] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let name = part.trimmingCharacters(in: .whitespaces)
            guard let k = ModelKind(rawValue: name) else {
                throw .usage("--models: unknown model '\(name)' (expected a comma-separated list of \(ModelKind.names))")
            }
            guard !out.contains(k) else { throw .usage("--models: '\(name)' is listed twice") }
            out.append(k)
        }
        return out
    }
}

/// Reads whole files for presets, with a size cap so a hostile path cannot exhaust memory.
enum FileBytes {
    static let maxPresetBytes = 1 << 20

    static func read(_ path: String) throws(NTMError) -> [UInt8] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw .usage("cannot read \(path): no such file")
        }
        guard !isDir.boolValue else { throw .usage("cannot read \(path): it is a directory") }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw .usage("cannot read \(path): permission denied") }
        defer { try? handle.close() }
        let data: Data
        do { data = try handle.read(upToCount: maxPresetBytes + 1) ?? Data() } catch {
            throw .usage("cannot read \(path): \(error.localizedDescription)")
        }
        guard data.count <= maxPresetBytes else { throw .usage("\(path) is larger than 1 MB; a preset is a small JSON file") }
        return [UInt8](data)
    }
}
