// The flags shared by the task commands (`copy`, `repeat-copy`, ...), `train` and `trace`: which
// preset, which lengths and budgets, the curriculum, and the model-size overrides, applied on top of
// the preset and validated together.
import Foundation
import NTMCore
import NTMAutodiff
import NTMModels
import NTMTasks
import NTMMemory
import NTMTraining

enum SharedFlags {
    /// The experiment flags of the copy task (also those of `train` and `trace`).
    static let experiment: [FlagSpec] = TaskCommand.copy.experimentFlags

    static let curriculum: [FlagSpec] = [
        FlagSpec("curriculum", "KIND", "how each batch's length is chosen: none (the task's training distribution), uniform, "
                 + "naive or lookback (Collier & Beel 2018; preset: none)"),
        FlagSpec("curriculum-start", "L", "the curriculum's first level (default: the shortest training length)"),
        FlagSpec("curriculum-step", "N", "naive, lookback: levels gained at each advance (default: 1)"),
        FlagSpec("curriculum-threshold", "E", "naive, lookback: advance when the mean training bit errors per sequence over a window fall below E (default: 1)"),
        FlagSpec("curriculum-window", "N", "naive, lookback: sequences at the current level per window (default: 1000)"),
        FlagSpec("lookback-probability", "P", "lookback: probability of a batch at an earlier level (default: 0.1)"),
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
        FlagSpec("weighting-init", "KIND", "NTM initial weightings: uniform (softmax of N(0, 0.1²)) or first-row (0.994 on row 0)"),
        FlagSpec("controller", "KIND", "controller of every model that has one (ntm, ntm-ops, memory models): lstm (the preset's, "
                 + "by default) or feedforward (tanh layers, no recurrent state; the ntm then runs as written with ops)"),
    ]

    static let lengthAxis = FlagSpec("length-axis", "linear|log", "x axis of generalisation.svg: evaluation lengths spaced "
                                     + "linearly (default) or logarithmically; not for repeat-copy, whose points are L x R")

    static let help = FlagSpec("help", nil, "show this help")
}

enum ExperimentOptions {
    /// The preset (file or built-in) with the command line's overrides applied and validated.
    /// `sizeTarget` is the model the size flags apply to (`nil`: size flags go to the NTM, and
    /// `--hidden-size` / `--baseline-layers` to the baselines). `command` is the task command whose
    /// built-in preset is the default and whose task a preset file must hold (nil: the copy preset by
    /// default, any task's preset file). `models` (from `--models` or `--model`) replaces the preset's list;
    /// a model without a section in the preset gets its default section (``Preset/defaultPlan(_:task:)``).
    static func resolve(_ args: Arguments, sizeTarget: ModelKind?, command: TaskCommand? = nil,
                        models: [ModelKind]? = nil) throws(NTMError) -> ExperimentConfig {
        var config: ExperimentConfig
        if let path = args.string("preset") {
            config = try readPreset(path)
            if let command, config.task.kind != command.task {
                throw .usage("--preset \(path) is a \(config.task.name) preset; '\(CommandLineText.program) \(command.name)' needs a "
                             + "\(command.name) preset (or run '\(CommandLineText.program) \(config.task.name)')")
            }
        } else {
            config = (command ?? .copy).builtIn
        }
        if let l = try args.int("length", in: 1...10_000) {
            guard l >= config.task.minimumLength else {
                throw .usage("--length must be at least \(config.task.minimumLength) for \(config.task.name), got \(l)")
            }
            config.task.length = l
            // N-gram sequences have one length; the other tasks keep their shortest length when it fits.
            config.task.minLength = config.task.kind == .ngrams ? l : min(config.task.minLength, l)
        }
        if let m = try args.int("min-length", in: 1...10_000) {
            guard m <= config.task.length else {
                throw .usage("--min-length \(m) is longer than the training length \(config.task.length)")
            }
            guard m >= config.task.minimumLength, config.task.kind != .ngrams else {
                throw .usage(config.task.kind == .ngrams ? "--min-length does not apply to ngrams (sequences have one length)"
                             : "--min-length must be at least \(config.task.minimumLength) for \(config.task.name), got \(m)")
            }
            config.task.minLength = m
        }
        do { try config.task.validate() } catch { throw .usage(error.message) }
        if let models {
            config.models = models
            for kind in models where config.plans[kind] == nil {
                config.plans[kind] = try Preset.defaultPlan(kind, task: config.task)
            }
        }
        if let s = try args.int("seed", in: 0...Int(Int32.max)) { config.seed = UInt64(s) }
        if let e = try args.int("eval-sequences", in: 1...1_000_000) { config.evalSequences = e }
        if let text = args.string("eval-lengths") { try applyEvalLengths(text, to: &config) }
        try applyCurriculum(args, to: &config)
        try applyLengthAxis(args, to: &config)
        let sequences = try args.int("sequences", in: 0...100_000_000)
        let batch = try args.int("batch", in: 1...4096)
        let clipNorm = try args.double("clip-norm", in: 0...1e9)
        for kind in Array(config.plans.keys) {
            if let sequences { config.plans[kind]!.training.sequences = sequences }
            if let batch { config.plans[kind]!.training.batch = batch }
            if let clipNorm { config.plans[kind]!.training.clipNorm = clipNorm }
        }
        try applySizes(args, to: &config, target: sizeTarget)
        try applyController(args, to: &config)
        for kind in config.models {
            guard var plan = config.plans[kind] else { continue }
            do {
                plan.model = try plan.model.resized(inputWidth: config.task.inputWidth, outputWidth: config.task.outputWidth)
            } catch {
                throw .usage("\(kind.rawValue): \(error.message)")
            }
            config.plans[kind] = plan
        }
        try Preset.checkResources(config, source: "the configuration")
        return config
    }

    /// The preset file given with `--preset` (a preset, or a run's `config.json`), decoded and validated.
    static func readPreset(_ path: String) throws(NTMError) -> ExperimentConfig {
        let bytes: [UInt8]
        do { bytes = try FileBytes.read(path) } catch { throw .usage("--preset: \(error.message)") }
        return try Preset.decode(bytes, source: path)
    }

    /// `--eval-lengths`: lengths (`LxR` points for repeat copy). For a preset that evaluates at multiples of
    /// the training length (copy's), the lengths become such multiples; otherwise they are the points.
    static func applyEvalLengths(_ text: String, to config: inout ExperimentConfig) throws(NTMError) {
        let task = config.task
        let repeats = task.kind == .repeatCopy
        let form = repeats ? "points LxR (length x repeats, e.g. 10x20)" : "\(task.lengthNoun) in \(task.minimumLength)...10000"
        var points: [TaskPoint] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let p = TaskPoint(parsing: part), (task.minimumLength...10_000).contains(p.length),
                  (p.repeats != nil) == repeats, (1...1000).contains(p.repeats ?? 1) else {
                throw .usage("--eval-lengths must be \(form) separated by commas, got '\(text)'")
            }
            points.append(p)
        }
        if config.evalPoints == nil && !repeats {
            config.evalLengthFactors = points.map { Double($0.length) / Double(task.length) }
        } else {
            config.evalPoints = points
        }
    }

    /// `--curriculum` and its parameters, over the preset's curriculum.
    static func applyCurriculum(_ args: Arguments, to config: inout ExperimentConfig) throws(NTMError) {
        var c = config.curriculum
        if let name = args.string("curriculum") {
            guard let kind = CurriculumConfig.Kind(rawValue: name) else {
                throw .usage("--curriculum must be none, uniform, naive or lookback, got '\(name)'")
            }
            c.kind = kind
        }
        let applies: [(String, Set<CurriculumConfig.Kind>)] = [
            ("curriculum-start", [.uniform, .naive, .lookback]), ("curriculum-step", [.naive, .lookback]),
            ("curriculum-threshold", [.naive, .lookback]), ("curriculum-window", [.naive, .lookback]),
            ("lookback-probability", [.lookback]),
        ]
        for (flag, kinds) in applies where args.has(flag) && !kinds.contains(c.kind) {
            let names = CurriculumConfig.Kind.allCases.filter(kinds.contains).map(\.rawValue).joined(separator: ", ")
            throw .usage("--\(flag) applies to the \(names) curricula, not to '\(c.kind.rawValue)' (see --curriculum)")
        }
        if let v = try args.int("curriculum-start", in: 1...10_000) { c.start = v }
        if let v = try args.int("curriculum-step", in: 1...10_000) { c.step = v }
        if let v = try args.double("curriculum-threshold", in: 0...1e9) { c.threshold = v }
        if let v = try args.int("curriculum-window", in: 1...100_000_000) { c.window = v }
        if let v = try args.double("lookback-probability", in: 0...1) { c.probability = v }
        if let start = c.start, c.kind != .none,
           !(config.task.minimumLength...config.task.length).contains(start) {
            throw .usage("the curriculum's start \(start) must lie within \(config.task.minimumLength)...\(config.task.length) "
                         + "(the task's \(config.task.lengthNoun))")
        }
        config.curriculum = c
    }

    /// `--length-axis linear|log`, over the preset's.
    static func applyLengthAxis(_ args: Arguments, to config: inout ExperimentConfig) throws(NTMError) {
        guard let name = args.string("length-axis") else { return }
        guard let axis = LengthAxis(rawValue: name) else {
            throw .usage("--length-axis must be one of \(LengthAxis.names), got '\(name)'")
        }
        guard config.task.kind != .repeatCopy else {
            throw .usage("--length-axis does not apply to repeat-copy: its evaluation points are length x repeats, drawn evenly "
                         + "spaced in order")
        }
        config.lengthAxis = axis
    }

    static func applySizes(_ args: Arguments, to config: inout ExperimentConfig, target: ModelKind?) throws(NTMError) {
        let ntmOnly = ["memory-rows", "memory-width", "read-heads", "write-heads", "shift-range", "memory-init", "weighting-init"]
        if let target, target != .ntm {
            for f in ntmOnly where args.has(f) { throw .usage("--\(f) applies to the NTM only, not to --model \(target.rawValue)") }
        }
        // The size flags know the built-in models' fields only; a registered model is sized in its preset section.
        if let target, !target.isBuiltIn {
            for f in ["controller-size", "layers"] where args.has(f) {
                throw .usage("--\(f) applies to the built-in models, not to --model \(target.rawValue); "
                             + "set its sizes in a '\(target.rawValue)' section of a --preset file")
            }
        }
        let controllerSize = try args.int("controller-size", in: 1...8192)
        let layers = try args.int("layers", in: 1...16)
        let hidden = try args.int("hidden-size", in: 1...8192)
        let baselineLayers = try args.int("baseline-layers", in: 1...16)
        for kind in Array(config.plans.keys) where kind.isBuiltIn {
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
                if let s = args.string("weighting-init") {
                    guard let wi = WeightingInit(rawValue: s) else {
                        throw .usage("--weighting-init must be one of \(WeightingInit.names), got '\(s)'")
                    }
                    m.weightingInit = wi
                }
            }
            config.plans[kind]!.model = m
        }
    }

    /// `--controller lstm|feedforward`: the controller of every model of the run that has a `controller` key
    /// (the NTM, `ntm-ops`, and memory models registered with ``ModelEntry/controlledMemory(name:keys:defaults:decode:memory:)``).
    /// A registered model's section is decoded again with the key set, so its canonical configuration
    /// stays as its entry writes it (no `controller` key for `lstm`).
    static func applyController(_ args: Arguments, to config: inout ExperimentConfig) throws(NTMError) {
        guard let name = args.string("controller") else { return }
        guard let controller = ControllerKind(rawValue: name) else {
            throw .usage("--controller must be one of \(ControllerKind.names), got '\(name)'")
        }
        let takers = config.models.filter { kind in
            config.plans[kind] != nil && (ModelRegistry.entry(named: kind.rawValue)?.keys.contains("controller") ?? false)
        }
        guard !takers.isEmpty else {
            throw .usage("--controller applies to models with a controller (ntm, ntm-ops, memory models), "
                         + "not to \(config.models.map(\.rawValue).joined(separator: ", "))")
        }
        for kind in takers {
            var m = config.plans[kind]!.model
            if kind.isBuiltIn {
                m.controller = controller
            } else {
                var members = m.presetSection.filter { $0.key != "controller" }
                members.append(.init(key: "controller", value: .string(controller.rawValue)))
                do {
                    m = try ModelConfig.decode(kind: kind, settings: .object(members), inputWidth: m.inputWidth,
                                               outputWidth: m.outputWidth)
                } catch {
                    throw .usage("--controller: \(error.message)")
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
                throw .usage("--models: unknown model '\(name)' (expected a comma-separated list of \(ModelKind.names); "
                             + "\(ModelRegistry.unknownModelHint))")
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
