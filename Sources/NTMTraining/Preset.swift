// Presets: experiments as JSON files in tasks/, decoded strictly into ExperimentConfig and
// written back as the resolved configuration of a run.
import NTMCore
import NTMModels
import NTMMemory

public enum Preset {
    static let topKeys = ["about", "task", "seed", "models", "evaluation", "validation", "curvePoints"]
        + ModelKind.allCases.map(\.rawValue) + ["why"]
    static let validationKeys = ["every", "sequences", "keepBest", "why"]
    static let taskKeys = ["name", "bits", "minLength", "length", "why"]
    static let evalKeys = ["sequences", "lengthFactors", "seed", "why"]
    static let trainingKeys = ["sequences", "batch", "optimizer", "clipNorm", "clipGradValue", "shards"]
    static let ntmKeys = ["controllerSize", "layers", "memoryRows", "memoryWidth", "readHeads", "writeHeads",
                          "shiftRange", "memoryInit", "clipValue", "why"] + trainingKeys
    static let baselineKeys = ["hiddenSize", "layers", "why"] + trainingKeys
    static let optimizerKeys = ["name", "learningRate", "momentum", "decay", "centered", "beta1", "beta2", "epsilon"]

    /// Decodes a preset. `source` names the file in errors. Every value is range-checked, unknown keys
    /// are refused with a suggestion, and a model whose memory would not fit the machine is refused.
    public static func decode(_ bytes: [UInt8], source: String) throws(NTMError) -> ExperimentConfig {
        let json: JSONValue
        do { json = try JSONValue.parse(bytes) } catch { throw .usage("\(source): not valid JSON: \(error.message)") }
        let top = try StrictObject(json, path: source)
        try top.requireKnownKeys(topKeys)
        try checkWhy(top)
        let about = try top.string("about", default: "")
        guard let taskObject = try top.object("task") else { throw .usage("\(source): missing 'task'") }
        try taskObject.requireKnownKeys(taskKeys)
        try checkWhy(taskObject)
        let taskName = try taskObject.string("name", oneOf: ["copy"])
        let length = try taskObject.int("length", in: 1...10_000)
        let task = TaskConfig(name: taskName, bits: try taskObject.int("bits", in: 1...1024),
                              minLength: try taskObject.int("minLength", in: 1...length), length: length)
        let seed = UInt64(try top.int("seed", in: 0...Int(Int32.max), default: 1))
        guard let modelList = top["models"]?.arrayValue, !modelList.isEmpty else {
            throw .usage("\(source): 'models' must be a non-empty list such as [\"ntm\", \"lstm\", \"gru\"]")
        }
        var models: [ModelKind] = []
        for v in modelList {
            guard let s = v.stringValue, let k = ModelKind(rawValue: s) else {
                throw .usage("\(source): unknown model \(v.serialized()) in 'models' (expected one of: \(ModelKind.names))")
            }
            if models.contains(k) { throw .usage("\(source): model '\(s)' is listed twice in 'models'") }
            models.append(k)
        }
        var plans: [ModelKind: ModelPlan] = [:]
        for kind in ModelKind.allCases {
            guard let obj = try top.object(kind.rawValue) else {
                if models.contains(kind) { throw .usage("\(source): 'models' lists \(kind.rawValue) but there is no '\(kind.rawValue)' section") }
                continue
            }
            plans[kind] = try decodePlan(obj, kind: kind, task: task)
        }
        let evalObject = try top.object("evaluation")
        try evalObject?.requireKnownKeys(evalKeys)
        if let evalObject { try checkWhy(evalObject) }
        var factors: [Double] = [1, 2]
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
        let config = ExperimentConfig(
            about: about, task: task, seed: seed, models: models, plans: plans,
            evalSequences: try evalObject?.int("sequences", in: 1...1_000_000, default: 200) ?? 200,
            evalLengthFactors: factors,
            evalSeed: UInt64(try evalObject?.int("seed", in: 0...Int(Int32.max), default: 1000) ?? 1000),
            curvePoints: try top.int("curvePoints", in: 1...100_000, default: 100),
            validationEvery: try validationObject?.int("every", in: 0...100_000_000, default: 0) ?? 0,
            validationSequences: try validationObject?.int("sequences", in: 1...1_000_000, default: 100) ?? 100,
            keepBest: try validationObject?.bool("keepBest", default: false) ?? false)
        try checkResources(config, source: source)
        return config
    }

    static func checkWhy(_ object: StrictObject) throws(NTMError) {
        guard let why = object["why"] else { return }
        let o = try StrictObject(why, path: "\(object.path).why")
        for m in o.members where m.value.stringValue == nil {
            throw .usage("\(o.path): '\(m.key)' must be a string explaining the choice")
        }
    }

    static func decodePlan(_ o: StrictObject, kind: ModelKind, task: TaskConfig) throws(NTMError) -> ModelPlan {
        try o.requireKnownKeys(kind == .ntm ? ntmKeys : baselineKeys)
        try checkWhy(o)
        var model: ModelConfig
        if kind == .ntm {
            let rows = try o.int("memoryRows", in: 1...65_536)
            model = ModelConfig(
                kind: .ntm, inputWidth: task.inputWidth, outputWidth: task.outputWidth,
                controllerSize: try o.int("controllerSize", in: 1...8192), layers: try o.int("layers", in: 1...16),
                memoryRows: rows, memoryWidth: try o.int("memoryWidth", in: 1...4096),
                readHeads: try o.int("readHeads", in: 0...16), writeHeads: try o.int("writeHeads", in: 0...16),
                shiftRange: try o.int("shiftRange", in: 0...max(0, (rows - 1) / 2)),
                memoryInit: MemoryInit(rawValue: try o.string("memoryInit", oneOf: MemoryInit.allCases.map(\.rawValue),
                                                              default: "constant"))!,
                clipValue: Float(try o.double("clipValue", in: 1e-3...1e6, default: 20)))
        } else {
            model = ModelConfig(kind: kind, inputWidth: task.inputWidth, outputWidth: task.outputWidth,
                                controllerSize: try o.int("hiddenSize", in: 1...8192), layers: try o.int("layers", in: 1...16))
        }
        let optimizer = try decodeOptimizer(try o.object("optimizer"))
        let training = TrainingSettings(
            sequences: try o.int("sequences", in: 0...100_000_000), batch: try o.int("batch", in: 1...4096),
            optimizer: optimizer, clipNorm: try o.double("clipNorm", in: 0...1e9, default: 10),
            clipGradValue: try o.double("clipGradValue", in: 0...1e9, default: 0),
            shards: try o.int("shards", in: 1...256, default: 1))
        return ModelPlan(model: model, training: training)
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
        var top: [JSONMember] = [
            .init(key: "about", value: .string(c.about)),
            .init(key: "task", value: .object([
                .init(key: "name", value: .string(c.task.name)), .init(key: "bits", value: int(c.task.bits)),
                .init(key: "minLength", value: int(c.task.minLength)), .init(key: "length", value: int(c.task.length)),
            ])),
            .init(key: "seed", value: int(Int(c.seed))),
            .init(key: "models", value: .array(c.models.map { .string($0.rawValue) })),
            .init(key: "evaluation", value: .object([
                .init(key: "sequences", value: int(c.evalSequences)),
                .init(key: "lengthFactors", value: .array(c.evalLengthFactors.map(num))),
                .init(key: "seed", value: int(Int(c.evalSeed))),
            ])),
            .init(key: "validation", value: .object([
                .init(key: "every", value: int(c.validationEvery)),
                .init(key: "sequences", value: int(c.validationSequences)),
                .init(key: "keepBest", value: .bool(c.keepBest)),
            ])),
            .init(key: "curvePoints", value: int(c.curvePoints)),
        ]
        for kind in ModelKind.allCases {
            guard let p = c.plans[kind] else { continue }
            let m = p.model, t = p.training, o = t.optimizer
            var fields: [JSONMember]
            if kind == .ntm {
                fields = [
                    .init(key: "controllerSize", value: int(m.controllerSize)), .init(key: "layers", value: int(m.layers)),
                    .init(key: "memoryRows", value: int(m.memoryRows)), .init(key: "memoryWidth", value: int(m.memoryWidth)),
                    .init(key: "readHeads", value: int(m.readHeads)), .init(key: "writeHeads", value: int(m.writeHeads)),
                    .init(key: "shiftRange", value: int(m.shiftRange)), .init(key: "memoryInit", value: .string(m.memoryInit.rawValue)),
                    .init(key: "clipValue", value: num(Double(m.clipValue))),
                ]
            } else {
                fields = [.init(key: "hiddenSize", value: int(m.controllerSize)), .init(key: "layers", value: int(m.layers))]
            }
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
