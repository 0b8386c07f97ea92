// Presets: experiments as JSON files in tasks/, decoded strictly into ExperimentConfig and
// written back as the resolved configuration of a run.
import NTMCore
import NTMModels
import NTMTasks
import NTMMemory

public enum Preset {
    /// The top-level keys: the experiment's, then a section for every registered model (computed on each
    /// call, since models can be registered at any time).
    static var topKeys: [String] {
        experimentKeys + drawingKeys + ModelKind.allCases.map(\.rawValue) + ["why"]
    }
    /// The top-level keys of the experiment, besides the models' sections.
    public static let experimentKeys = ["about", "task", "seed", "models", "evaluation", "validation", "curriculum", "curvePoints"]
    /// The top-level keys that say how figures are drawn: no number of a run depends on them.
    public static let drawingKeys = ["lengthAxis"]
    static let validationKeys = ["every", "sequences", "keepBest", "why"]
    /// The task keys of each task, in encoding order (besides `name` and `why`).
    static func taskKeys(_ kind: TaskConfig.Kind) -> [String] {
        switch kind {
        case .copy: return ["bits", "minLength", "length"]
        case .repeatCopy: return ["bits", "minLength", "length", "minRepeats", "maxRepeats", "repeatEncoding"]
        case .associativeRecall: return ["bits", "itemSize", "minItems", "maxItems"]
        case .ngrams: return ["contextBits", "length"]
        case .prioritySort: return ["bits", "minInputs", "maxInputs", "outputs"]
        }
    }
    static let evalKeys = ["sequences", "lengthFactors", "points", "seed", "why"]
    /// The curriculum keys of each schedule (besides `name` and `why`).
    static func curriculumKeys(_ kind: CurriculumConfig.Kind) -> [String] {
        switch kind {
        case .none: return []
        case .uniform: return ["start"]
        case .naive: return ["start", "step", "threshold", "window"]
        case .lookback: return ["start", "step", "threshold", "window", "probability"]
        }
    }
    static let trainingKeys = ModelEntry.trainingKeys
    static let optimizerKeys = ["name", "learningRate", "momentum", "decay", "centered", "beta1", "beta2", "epsilon"]

    /// Decodes a preset. `source` names the file in errors. Every value is range-checked, unknown keys
    /// are refused with a suggestion, and a model whose memory would not fit the machine is refused.
    /// A model listed in `models` without a section of its own takes its default section (``defaultPlan(_:task:)``).
    public static func decode(_ bytes: [UInt8], source: String) throws(NTMError) -> ExperimentConfig {
        let json: JSONValue
        do { json = try JSONValue.parse(bytes) } catch { throw .usage("\(source): not valid JSON: \(error.message)") }
        let top = try StrictObject(json, path: source)
        // A section of a model that this binary does not register is reported as such, not as a misspelt key.
        let listed = top["models"]?.arrayValue?.compactMap(\.stringValue) ?? []
        for m in top.members where listed.contains(m.key) && !topKeys.contains(m.key) {
            throw .usage("\(source): unknown model \"\(m.key)\" in 'models' (expected one of: \(ModelKind.names); "
                         + "\(ModelRegistry.unknownModelHint))")
        }
        try top.requireKnownKeys(topKeys)
        try checkWhy(top)
        let about = try top.string("about", default: "")
        guard let taskObject = try top.object("task") else { throw .usage("\(source): missing 'task'") }
        let task = try decodeTask(taskObject)
        let seed = UInt64(try top.int("seed", in: 0...Int(Int32.max), default: 1))
        guard let modelList = top["models"]?.arrayValue, !modelList.isEmpty else {
            throw .usage("\(source): 'models' must be a non-empty list such as [\"ntm\", \"lstm\", \"gru\"]")
        }
        var models: [ModelKind] = []
        for v in modelList {
            guard let s = v.stringValue, let k = ModelKind(rawValue: s) else {
                throw .usage("\(source): unknown model \(v.serialized()) in 'models' (expected one of: \(ModelKind.names); "
                             + "\(ModelRegistry.unknownModelHint))")
            }
            if models.contains(k) { throw .usage("\(source): model '\(s)' is listed twice in 'models'") }
            models.append(k)
        }
        var plans: [ModelKind: ModelPlan] = [:]
        for kind in ModelKind.allCases {
            guard let obj = try top.object(kind.rawValue) else {
                guard models.contains(kind) else { continue }
                plans[kind] = try defaultPlan(kind, task: task)
                continue
            }
            plans[kind] = try decodePlan(obj, kind: kind, task: task)
        }
        let evalObject = try top.object("evaluation")
        try evalObject?.requireKnownKeys(evalKeys)
        if let evalObject { try checkWhy(evalObject) }
        var factors: [Double] = [1, 2]
        var points: [TaskPoint]?
        if let list = evalObject?["points"] {
            guard evalObject?["lengthFactors"] == nil else {
                throw .usage("\(source): evaluation has both 'lengthFactors' and 'points'; give one of them")
            }
            points = try decodePoints(list, task: task, path: "\(source): evaluation.points")
        }
        if let list = evalObject?["lengthFactors"] {
            guard let arr = list.arrayValue, !arr.isEmpty, arr.count <= 32 else {
                throw .usage("\(source): evaluation.lengthFactors must be a list of 1 to 32 numbers")
            }
            factors = []
            for v in arr {
                guard let d = v.doubleValue, d > 0, d <= 100 else {
                    throw .usage("\(source): evaluation.lengthFactors entries must be numbers in (0, 100]")
                }
                factors.append(d)
            }
        }
        let validationObject = try top.object("validation")
        try validationObject?.requireKnownKeys(validationKeys)
        if let validationObject { try checkWhy(validationObject) }
        let curriculum = try top.object("curriculum").map { o throws(NTMError) in try decodeCurriculum(o, task: task) } ?? .none
        var lengthAxis = LengthAxis.linear
        if top["lengthAxis"] != nil {
            guard task.kind != .repeatCopy else {
                throw .usage("\(source): lengthAxis does not apply to repeat-copy: its evaluation points are length x repeats, "
                             + "drawn evenly spaced in order; remove the key")
            }
            lengthAxis = LengthAxis(rawValue: try top.string("lengthAxis", oneOf: LengthAxis.allCases.map(\.rawValue)))!
        }
        let config = ExperimentConfig(
            about: about, task: task, seed: seed, models: models, plans: plans,
            evalSequences: try evalObject?.int("sequences", in: 1...1_000_000, default: 200) ?? 200,
            evalLengthFactors: factors, evalPoints: points,
            evalSeed: UInt64(try evalObject?.int("seed", in: 0...Int(Int32.max), default: 1000) ?? 1000),
            curvePoints: try top.int("curvePoints", in: 1...100_000, default: 100),
            validationEvery: try validationObject?.int("every", in: 0...100_000_000, default: 0) ?? 0,
            validationSequences: try validationObject?.int("sequences", in: 1...1_000_000, default: 100) ?? 100,
            keepBest: try validationObject?.bool("keepBest", default: false) ?? false, curriculum: curriculum,
            lengthAxis: lengthAxis)
        try checkResources(config, source: source)
        return config
    }

    static func decodeTask(_ o: StrictObject) throws(NTMError) -> TaskConfig {
        let name = try o.string("name", oneOf: TaskConfig.Kind.allCases.map(\.rawValue))
        let kind = TaskConfig.Kind(rawValue: name)!
        try o.requireKnownKeys(["name"] + taskKeys(kind) + ["why"])
        try checkWhy(o)
        var task = TaskConfig(kind: kind)
        switch kind {
        case .copy, .repeatCopy:
            task.length = try o.int("length", in: 1...10_000)
            task.bits = try o.int("bits", in: 1...1024)
            task.minLength = try o.int("minLength", in: 1...task.length)
            if kind == .repeatCopy {
                task.maxRepeats = try o.int("maxRepeats", in: 1...1000)
                task.minRepeats = try o.int("minRepeats", in: 1...task.maxRepeats)
                task.repeatEncoding = RepeatCopyTask.RepeatEncoding(rawValue: try o.string(
                    "repeatEncoding", oneOf: RepeatCopyTask.RepeatEncoding.allCases.map(\.rawValue), default: "standardized"))!
            }
        case .associativeRecall:
            task.bits = try o.int("bits", in: 1...1024)
            task.itemSize = try o.int("itemSize", in: 1...100)
            task.length = try o.int("maxItems", in: 2...10_000)
            task.minLength = try o.int("minItems", in: 2...task.length)
        case .ngrams:
            task.contextBits = try o.int("contextBits", in: 1...20)
            task.length = try o.int("length", in: (task.contextBits + 1)...100_000)
            task.minLength = task.length
        case .prioritySort:
            task.bits = try o.int("bits", in: 1...1024)
            task.length = try o.int("maxInputs", in: 1...10_000)
            task.minLength = try o.int("minInputs", in: 1...task.length)
            task.outputCount = try o.int("outputs", in: 1...10_000)
        }
        do { try task.validate() } catch { throw .usage("\(o.path): \(error.message)") }
        return task
    }

    /// Evaluation points: numbers (the length parameter), or for repeat copy objects `{"length", "repeats"}`.
    static func decodePoints(_ value: JSONValue, task: TaskConfig, path: String) throws(NTMError) -> [TaskPoint] {
        guard let items = value.arrayValue, !items.isEmpty, items.count <= 64 else {
            throw .usage("\(path) must be a list of 1 to 64 points")
        }
        let lengths = task.minimumLength...100_000
        var points: [TaskPoint] = []
        for (i, item) in items.enumerated() {
            if task.kind == .repeatCopy {
                let o = try StrictObject(item, path: "\(path)[\(i)]")
                try o.requireKnownKeys(["length", "repeats"])
                points.append(TaskPoint(length: try o.int("length", in: lengths), repeats: try o.int("repeats", in: 1...1000)))
            } else {
                guard let d = item.doubleValue, d.rounded() == d, let l = item.intValue, lengths.contains(l) else {
                    throw .usage("\(path) entries must be \(task.lengthNoun) in \(lengths.lowerBound)...\(lengths.upperBound), "
                                 + "got \(item.serialized())")
                }
                points.append(TaskPoint(length: l))
            }
        }
        return points
    }

    static func decodeCurriculum(_ o: StrictObject, task: TaskConfig) throws(NTMError) -> CurriculumConfig {
        let kind = CurriculumConfig.Kind(rawValue: try o.string("name", oneOf: CurriculumConfig.Kind.allCases.map(\.rawValue)))!
        try o.requireKnownKeys(["name"] + curriculumKeys(kind) + ["why"])
        try checkWhy(o)
        let d = CurriculumConfig(kind: kind)
        var start: Int?
        if o["start"] != nil { start = try o.int("start", in: task.minimumLength...task.length) }
        return CurriculumConfig(
            kind: kind, start: start, step: try o.int("step", in: 1...10_000, default: d.step),
            threshold: try o.double("threshold", in: 0...1e9, default: d.threshold),
            window: try o.int("window", in: 1...100_000_000, default: d.window),
            probability: try o.double("probability", in: 0...1, default: d.probability))
    }

    static func checkWhy(_ object: StrictObject) throws(NTMError) {
        guard let why = object["why"] else { return }
        let o = try StrictObject(why, path: "\(object.path).why")
        for m in o.members where m.value.stringValue == nil {
            throw .usage("\(o.path): '\(m.key)' must be a string explaining the choice")
        }
    }

    /// A model's section: the model's own keys, decoded by its registry entry, and the training keys.
    static func decodePlan(_ o: StrictObject, kind: ModelKind, task: TaskConfig) throws(NTMError) -> ModelPlan {
        guard let entry = ModelRegistry.entry(named: kind.rawValue) else {
            throw .usage("\(o.path): unknown model '\(kind.rawValue)' (expected one of: \(ModelKind.names))")
        }
        try o.requireKnownKeys(entry.keys + ["why"] + trainingKeys)
        try checkWhy(o)
        let own = try StrictObject(.object(o.members.filter { entry.keys.contains($0.key) }), path: o.path)
        let model = try ModelConfig.decode(kind: kind, section: own, inputWidth: task.inputWidth, outputWidth: task.outputWidth)
        let optimizer = try decodeOptimizer(try o.object("optimizer"))
        let training = TrainingSettings(
            sequences: try o.int("sequences", in: 0...100_000_000), batch: try o.int("batch", in: 1...4096),
            optimizer: optimizer, clipNorm: try o.double("clipNorm", in: 0...1e9, default: 10),
            clipGradValue: try o.double("clipGradValue", in: 0...1e9, default: 0),
            shards: try o.int("shards", in: 1...256, default: 1))
        return ModelPlan(model: model, training: training)
    }

    /// The plan of a model that a preset or the command line names without a section. A built-in model takes
    /// its section of the task's built-in preset (`tasks/<task>.json`, which configures every built-in model), with
    /// the widths of `task`: the settings the kit itself trains it with on that task. A registered model takes
    /// its entry's default section, decoded like any other (errors name it as the model's default section).
    public static func defaultPlan(_ kind: ModelKind, task: TaskConfig) throws(NTMError) -> ModelPlan {
        if kind.isBuiltIn, var plan = BuiltInPresets.preset(task.kind).plans[kind] {
            do {
                plan.model = try plan.model.resized(inputWidth: task.inputWidth, outputWidth: task.outputWidth)
            } catch {
                throw .usage("\(kind.rawValue) (the \(task.name) preset's section): \(error.message)")
            }
            return plan
        }
        guard let entry = ModelRegistry.entry(named: kind.rawValue) else {
            throw .usage("unknown model '\(kind.rawValue)' (expected one of: \(ModelKind.names))")
        }
        let section = try StrictObject(entry.defaults, path: "\(kind.rawValue) (the default section of its ModelEntry)")
        return try decodePlan(section, kind: kind, task: task)
    }

    static func decodeOptimizer(_ o: StrictObject?) throws(NTMError) -> OptimizerConfig {
        guard let o else { return OptimizerConfig() }
        try o.requireKnownKeys(optimizerKeys)
        let name = OptimizerConfig.Name(rawValue: try o.string("name", oneOf: OptimizerConfig.Name.allCases.map(\.rawValue)))!
        let d = OptimizerConfig(name: name)
        return OptimizerConfig(
            name: name,
            learningRate: try o.double("learningRate", in: 1e-12...10, default: name == .adam ? 1e-3 : d.learningRate),
            momentum: try o.double("momentum", in: 0...0.999_999, default: d.momentum),
            decay: try o.double("decay", in: 0...0.999_999, default: d.decay),
            centered: try o.bool("centered", default: d.centered),
            beta1: try o.double("beta1", in: 0...0.999_999, default: d.beta1),
            beta2: try o.double("beta2", in: 0...0.999_999_999, default: d.beta2),
            epsilon: try o.double("epsilon", in: 1e-30...1, default: d.epsilon))
    }

    /// Physical memory of this machine in bytes (24 GiB when it cannot be read).
    public static var machineMemoryBytes: Double {
        #if os(Linux)
        if let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
           let line = text.split(separator: "\n").first(where: { $0.hasPrefix("MemTotal:") }),
           let kb = Double(line.split(separator: " ").dropFirst().first ?? "") {
            return kb * 1024
        }
        #endif
        return 24 * 1024 * 1024 * 1024
    }

    /// Refuses configurations whose estimated memory exceeds half of the machine's.
    public static func checkResources(_ config: ExperimentConfig, source: String) throws(NTMError) {
        let limit = machineMemoryBytes / 2
        for kind in config.models {
            let bytes = config.estimatedBytes(for: kind)
            if bytes > limit {
                throw .usage(String(
                    "\(source): the \(kind.rawValue) model would need about \(Int(bytes / 1_048_576)) MB "
                        + "(more than half of this machine's \(Int(machineMemoryBytes / 1_048_576)) MB); reduce its sizes, "
                        + "the batch or the length"))
            }
        }
    }

    /// The resolved configuration as a preset (the same keys `decode` reads), for `config.json` of a run.
    public static func encode(_ c: ExperimentConfig) -> JSONValue {
        func num(_ d: Double) -> JSONValue { .number(d) }
        func int(_ i: Int) -> JSONValue { .number(Double(i)) }
        let t = c.task
        let taskValues: [String: JSONValue] = [
            "bits": int(t.bits), "minLength": int(t.minLength), "length": int(t.length), "minRepeats": int(t.minRepeats),
            "maxRepeats": int(t.maxRepeats), "repeatEncoding": .string(t.repeatEncoding.rawValue),
            "itemSize": int(t.itemSize), "minItems": int(t.minLength), "maxItems": int(t.length),
            "contextBits": int(t.contextBits), "minInputs": int(t.minLength), "maxInputs": int(t.length),
            "outputs": int(t.outputCount),
        ]
        let points: JSONMember
        if let evalPoints = c.evalPoints {
            points = .init(key: "points", value: .array(evalPoints.map { p in
                p.repeats.map { .object([.init(key: "length", value: int(p.length)), .init(key: "repeats", value: int($0))]) }
                    ?? int(p.length)
            }))
        } else {
            points = .init(key: "lengthFactors", value: .array(c.evalLengthFactors.map(num)))
        }
        var top: [JSONMember] = [
            .init(key: "about", value: .string(c.about)),
            .init(key: "task", value: .object([.init(key: "name", value: .string(t.name))]
                + taskKeys(t.kind).map { JSONMember(key: $0, value: taskValues[$0]!) })),
            .init(key: "seed", value: int(Int(c.seed))),
            .init(key: "models", value: .array(c.models.map { .string($0.rawValue) })),
            .init(key: "evaluation", value: .object([
                .init(key: "sequences", value: int(c.evalSequences)),
                points,
                .init(key: "seed", value: int(Int(c.evalSeed))),
            ])),
            .init(key: "validation", value: .object([
                .init(key: "every", value: int(c.validationEvery)),
                .init(key: "sequences", value: int(c.validationSequences)),
                .init(key: "keepBest", value: .bool(c.keepBest)),
            ])),
        ]
        // A run without a curriculum writes none (as before curricula existed).
        let k = c.curriculum
        if k.kind != .none {
            let values: [String: JSONValue] = ["step": int(k.step), "threshold": num(k.threshold), "window": int(k.window),
                                               "probability": num(k.probability)]
            top.append(.init(key: "curriculum", value: .object(
                [.init(key: "name", value: .string(k.kind.rawValue))]
                    + (k.start.map { [JSONMember(key: "start", value: int($0))] } ?? [])
                    + curriculumKeys(k.kind).filter { $0 != "start" }.map { JSONMember(key: $0, value: values[$0]!) })))
        }
        top.append(.init(key: "curvePoints", value: int(c.curvePoints)))
        // The default axis is not written, so the configurations of runs that do not choose one stay as they were.
        if c.lengthAxis != .linear { top.append(.init(key: "lengthAxis", value: .string(c.lengthAxis.rawValue))) }
        for kind in ModelKind.allCases {
            guard let p = c.plans[kind] else { continue }
            let t = p.training, o = t.optimizer
            var fields = p.model.presetSection
            var opt: [JSONMember] = [.init(key: "name", value: .string(o.name.rawValue)),
                                     .init(key: "learningRate", value: num(o.learningRate))]
            if o.name == .rmsprop {
                opt += [.init(key: "momentum", value: num(o.momentum)), .init(key: "decay", value: num(o.decay)),
                        .init(key: "centered", value: .bool(o.centered))]
            } else {
                opt += [.init(key: "beta1", value: num(o.beta1)), .init(key: "beta2", value: num(o.beta2))]
            }
            opt.append(.init(key: "epsilon", value: num(o.epsilon)))
            fields += [
                .init(key: "sequences", value: int(t.sequences)), .init(key: "batch", value: int(t.batch)),
                .init(key: "optimizer", value: .object(opt)), .init(key: "clipNorm", value: num(t.clipNorm)),
                .init(key: "clipGradValue", value: num(t.clipGradValue)),
                .init(key: "shards", value: int(t.shards)),
            ]
            top.append(.init(key: kind.rawValue, value: .object(fields)))
        }
        return .object(top)
    }
}
