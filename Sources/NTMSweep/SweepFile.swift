// A sweep file (`tasks/sweeps/*.json`): tasks x models x seeds x a grid or list over any preset value,
// and the resources one run needs. Decoded as strictly as a preset: unknown keys (with the nearest one
// suggested), empty grids, values a preset would refuse, impossible resources, each in one line.
import Foundation
import NTMCore
import NTMModels
import NTMTasks
import NTMTraining

/// A decoded sweep file.
public struct SweepFile: Sendable {
    /// One task of the sweep: a built-in task (its preset, `tasks/<name>.json`) or a preset file.
    public struct TaskEntry: Sendable, Equatable {
        /// How the file names it: the task name, or the preset path as written.
        public var label: String
        /// The preset's resolved configuration (models as the sweep lists them, `set` not yet applied).
        public var base: ExperimentConfig
        /// Overrides of this task only, applied after the sweep's own `set`.
        public var set: [Override]
        /// The models to train, when the entry names its own.
        public var models: [ModelKind]?

        public static func == (a: TaskEntry, b: TaskEntry) -> Bool {
            a.label == b.label && Preset.encode(a.base) == Preset.encode(b.base) && a.set == b.set && a.models == b.models
        }
    }

    /// A preset value to set: a dotted path into the resolved preset (`ntm.memoryRows`, `task.maxItems`,
    /// `*.sequences` for every model's section) and its JSON value.
    public struct Override: Sendable, Equatable {
        public var path: String
        public var value: JSONValue
    }

    /// The resources one run needs (one Slurm array task), validated.
    public struct Resources: Sendable, Equatable {
        /// CPU cores of one run.
        public var cpus: Int
        /// Memory of one run in megabytes.
        public var memoryMB: Int
        /// Wall-clock limit of one array task in seconds; a run longer than this is checkpointed before the
        /// limit and requeued, so it is a slice, not the run's whole length.
        public var timeSeconds: Int
        public var partition: String?

        public static let `default` = Resources(cpus: 2, memoryMB: 4096, timeSeconds: 4 * 3600, partition: nil)
    }

    public var about: String
    public var tasks: [TaskEntry]
    public var models: [ModelKind]?
    public var seeds: [UInt64]
    public var set: [Override]
    /// Every combination of these values (a product over the keys, in file order).
    public var grid: [(path: String, values: [JSONValue])]
    /// Explicit points, each a set of overrides; combined with the grid as a product.
    public var points: [[Override]]?
    public var resources: Resources

    static let topKeys = ["about", "tasks", "models", "seeds", "set", "grid", "points", "resources", "why"]
    static let taskKeys = ["task", "preset", "set", "models", "why"]
    static let resourceKeys = ["cpus", "memory", "time", "partition", "why"]
    /// Most runs one sweep file may expand to: beyond it the file is almost surely a mistake (and Slurm's
    /// default `MaxArraySize` is 1001).
    public static let maxRuns = 100_000

    /// Decodes the sweep file `bytes`; `source` names it in errors, `directory` is where its relative preset
    /// paths start (the file's own directory).
    public static func decode(_ bytes: [UInt8], source: String, directory: String) throws(NTMError) -> SweepFile {
        let json: JSONValue
        do { json = try JSONValue.parse(bytes) } catch { throw .usage("\(source): not valid JSON: \(error.message)") }
        let top = try StrictObject(json, path: source)
        try top.requireKnownKeys(topKeys)
        try checkWhy(top)
        let about = try top.string("about", default: "")
        let models = try top["models"].map { v throws(NTMError) in try decodeModels(v, path: "\(source): models") }
        guard let taskList = top["tasks"]?.arrayValue, !taskList.isEmpty else {
            throw .usage("\(source): 'tasks' must be a non-empty list of task names (\(TaskConfig.Kind.allCases.map(\.rawValue).joined(separator: ", "))) "
                         + "or objects {\"preset\": \"FILE.json\"}")
        }
        var tasks: [TaskEntry] = []
        for (i, item) in taskList.enumerated() {
            let entry = try decodeTask(item, path: "\(source): tasks[\(i)]", directory: directory, models: models)
            guard !tasks.contains(where: { $0.label == entry.label && $0.set == entry.set && $0.models == entry.models }) else {
                throw .usage("\(source): tasks[\(i)] (\(entry.label)) is listed twice; give each task once")
            }
            tasks.append(entry)
        }
        let seeds = try decodeSeeds(top["seeds"], path: "\(source): seeds")
        let set = try decodeOverrides(top["set"], path: "\(source): set") ?? []
        var grid: [(String, [JSONValue])] = []
        if let g = top["grid"] {
            let o = try StrictObject(g, path: "\(source): grid")
            guard !o.members.isEmpty else { throw .usage("\(source): grid is empty; give at least one key with a list of values, or remove it") }
            for m in o.members {
                try checkPath(m.key, path: "\(source): grid")
                guard let values = m.value.arrayValue, !values.isEmpty else {
                    throw .usage("\(source): grid.\(m.key) must be a non-empty list of values, got \(m.value.serialized())")
                }
                for (i, v) in values.enumerated() where values[..<i].contains(v) {
                    throw .usage("\(source): grid.\(m.key) lists \(v.serialized()) twice")
                }
                grid.append((m.key, values))
            }
        }
        var points: [[Override]]?
        if let p = top["points"] {
            guard let list = p.arrayValue, !list.isEmpty else {
                throw .usage("\(source): points must be a non-empty list of objects such as {\"ntm.memoryRows\": 64}")
            }
            var decoded: [[Override]] = []
            for (i, item) in list.enumerated() {
                let o = try decodeOverrides(item, path: "\(source): points[\(i)]") ?? []
                guard !o.isEmpty else { throw .usage("\(source): points[\(i)] is empty; give the values this point sets") }
                guard !decoded.contains(o) else { throw .usage("\(source): points[\(i)] repeats an earlier point") }
                decoded.append(o)
            }
            points = decoded
        }
        let resources = try decodeResources(top["resources"], path: "\(source): resources")
        return SweepFile(about: about, tasks: tasks, models: models, seeds: seeds, set: set, grid: grid, points: points,
                         resources: resources)
    }

    /// Reads and decodes the sweep file at `path`.
    public static func load(path: String) throws(NTMError) -> SweepFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .usage("cannot read the sweep file \(path): \(FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file")")
        }
        let directory = (path as NSString).deletingLastPathComponent
        return try decode(Array(data), source: path, directory: directory.isEmpty ? "." : directory)
    }

    // MARK: - Pieces

    static func checkWhy(_ o: StrictObject) throws(NTMError) {
        guard let why = o["why"] else { return }
        let w = try StrictObject(why, path: "\(o.path).why")
        for m in w.members where m.value.stringValue == nil {
            throw .usage("\(w.path): '\(m.key)' must be a string explaining the choice")
        }
    }

    static func decodeModels(_ value: JSONValue, path: String) throws(NTMError) -> [ModelKind] {
        guard let list = value.arrayValue, !list.isEmpty else {
            throw .usage("\(path) must be a non-empty list such as [\"ntm\", \"lstm\", \"gru\"]")
        }
        var models: [ModelKind] = []
        for v in list {
            guard let s = v.stringValue, let k = ModelKind(rawValue: s) else {
                throw .usage("\(path): unknown model \(v.serialized()) (expected one of: \(ModelKind.names); \(ModelRegistry.unknownModelHint))")
            }
            guard !models.contains(k) else { throw .usage("\(path): model '\(s)' is listed twice") }
            models.append(k)
        }
        return models
    }

    static func decodeTask(_ item: JSONValue, path: String, directory: String, models: [ModelKind]?) throws(NTMError) -> TaskEntry {
        let names = TaskConfig.Kind.allCases.map(\.rawValue)
        if let name = item.stringValue {
            guard let kind = TaskConfig.Kind(rawValue: name) else {
                let near = names.min { editDistance($0, name) < editDistance($1, name) }!
                throw .usage("\(path): unknown task '\(name)' (expected one of: \(names.joined(separator: ", ")); did you mean '\(near)'?)")
            }
            return TaskEntry(label: name, base: try withModels(BuiltInPresets.preset(kind), models, path: path), set: [], models: nil)
        }
        let o = try StrictObject(item, path: path)
        try o.requireKnownKeys(taskKeys)
        try checkWhy(o)
        let own = try o["models"].map { v throws(NTMError) in try decodeModels(v, path: "\(path).models") }
        let label: String
        let config: ExperimentConfig
        switch (o["task"], o["preset"]) {
        case (.some, .some):
            throw .usage("\(path): give either 'task' (a built-in task) or 'preset' (a preset file), not both")
        case (nil, nil):
            throw .usage("\(path): missing 'task' (one of: \(names.joined(separator: ", "))) or 'preset' (a preset file)")
        case (.some, nil):
            label = try o.string("task", oneOf: names)
            config = BuiltInPresets.preset(TaskConfig.Kind(rawValue: label)!)
        case (nil, .some):
            let file = try o.string("preset")
            label = file
            let full = file.hasPrefix("/") ? file : directory + "/" + file
            guard let data = FileManager.default.contents(atPath: full) else {
                throw .usage("\(path): cannot read the preset \(full); preset paths are relative to the sweep file's directory")
            }
            config = try Preset.decode(Array(data), source: full)
        }
        let set = try decodeOverrides(o["set"], path: "\(path).set") ?? []
        return TaskEntry(label: label, base: try withModels(config, own ?? models, path: path), set: set, models: own)
    }

    /// The preset's configuration training `models` (a model the preset has no section for takes its default one).
    static func withModels(_ config: ExperimentConfig, _ models: [ModelKind]?, path: String) throws(NTMError) -> ExperimentConfig {
        guard let models, models != config.models else { return config }
        guard case .object(var members) = Preset.encode(config) else { return config }
        members = members.map { $0.key == "models" ? JSONMember(key: "models", value: .array(models.map { .string($0.rawValue) })) : $0 }
        return try Preset.decode(Array(JSONValue.object(members).serialized().utf8), source: path)
    }

    static func decodeSeeds(_ value: JSONValue?, path: String) throws(NTMError) -> [UInt64] {
        guard let value else { throw .usage("\(path.replacingOccurrences(of: ": seeds", with: "")): missing 'seeds' (a count N for seeds 1...N, or a list)") }
        if let n = value.intValue, value.doubleValue == Double(n) {
            guard (1...1000).contains(n) else { throw .usage("\(path) must be a count in 1...1000 or a list of seeds, got \(n)") }
            return (1...n).map(UInt64.init)
        }
        guard let list = value.arrayValue, !list.isEmpty else {
            throw .usage("\(path) must be a count N (seeds 1...N) or a non-empty list of seeds, got \(value.serialized())")
        }
        var seeds: [UInt64] = []
        for v in list {
            guard let s = v.intValue, v.doubleValue == Double(s), (0...Int(Int32.max)).contains(s) else {
                throw .usage("\(path): seeds are integers in 0...\(Int32.max), got \(v.serialized())")
            }
            guard !seeds.contains(UInt64(s)) else { throw .usage("\(path): seed \(s) is listed twice") }
            seeds.append(UInt64(s))
        }
        return seeds
    }

    static func decodeOverrides(_ value: JSONValue?, path: String) throws(NTMError) -> [Override]? {
        guard let value else { return nil }
        let o = try StrictObject(value, path: path)
        var out: [Override] = []
        for m in o.members {
            try checkPath(m.key, path: path)
            out.append(Override(path: m.key, value: m.value))
        }
        return out
    }

    /// A settable path: dotted, its first part an experiment key, a model or `*`; never the seed or the
    /// model list, which the sweep's own keys give.
    static func checkPath(_ key: String, path: String) throws(NTMError) {
        let parts = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !parts.contains(where: \.isEmpty) else {
            throw .usage("\(path): '\(key)' is not a preset path; write keys joined by dots, as \"ntm.memoryRows\" or \"task.maxItems\"")
        }
        if key == "seed" || key == "models" {
            throw .usage("\(path): '\(key)' is set by the sweep's own '\(key == "seed" ? "seeds" : "models")' key, not here")
        }
        let first = parts[0]
        let known = Preset.experimentKeys + Preset.drawingKeys + ModelKind.allCases.map(\.rawValue) + ["*"]
        guard known.contains(first) else {
            let near = known.min { editDistance($0, first) < editDistance($1, first) }!
            throw .usage("\(path): '\(key)' does not start with a preset key or a model (did you mean '\(near)'?)")
        }
    }

    static func decodeResources(_ value: JSONValue?, path: String) throws(NTMError) -> Resources {
        guard let value else { return .default }
        let o = try StrictObject(value, path: path)
        try o.requireKnownKeys(resourceKeys)
        try checkWhy(o)
        var r = Resources.default
        r.cpus = try o.int("cpus", in: 1...1024, default: r.cpus)
        if o["memory"] != nil { r.memoryMB = try parseMemory(try o.string("memory"), path: "\(path).memory") }
        if o["time"] != nil { r.timeSeconds = try parseTime(try o.string("time"), path: "\(path).time") }
        if o["partition"] != nil { r.partition = try SlurmScript.checkPartition(try o.string("partition"), what: "\(path).partition") }
        return r
    }

    /// Slurm's memory syntax: a whole number of megabytes, or with a unit K, M, G or T (`4G`, `500M`).
    public static func parseMemory(_ text: String, path: String) throws(NTMError) -> Int {
        let bad = NTMError.usage("\(path) must be a size such as 4G or 500M (a whole number, unit K, M, G or T), got '\(text)'")
        guard let last = text.last else { throw bad }
        let units: [Character: Double] = ["K": 1.0 / 1024, "M": 1, "G": 1024, "T": 1024 * 1024]
        let (digits, scale) = last.isNumber ? (Substring(text), 1.0) : (text.dropLast(), units[Character(last.uppercased())] ?? -1)
        guard scale > 0, !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), let n = Double(digits) else { throw bad }
        let mb = (n * scale).rounded(.up)
        guard mb >= 1 else { throw .usage("\(path) is \(text), less than a megabyte: no run fits in it") }
        guard mb <= 1024 * 1024 * 1024 else { throw .usage("\(path) is \(text), more than any machine has") }
        return Int(mb)
    }

    /// Slurm's time syntax: `M`, `M:S`, `H:M:S`, `D-H`, `D-H:M`, `D-H:M:S`.
    public static func parseTime(_ text: String, path: String) throws(NTMError) -> Int {
        let bad = NTMError.usage("\(path) must be a Slurm time limit such as 90 (minutes), 4:00:00 or 1-12:00:00, got '\(text)'")
        func number(_ s: Substring) throws(NTMError) -> Int {
            guard !s.isEmpty, s.count <= 6, s.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(s) else { throw bad }
            return n
        }
        var days = 0
        var rest = Substring(text)
        if let dash = text.firstIndex(of: "-") {
            days = try number(text[..<dash])
            rest = text[text.index(after: dash)...]
        }
        let parts = rest.split(separator: ":", omittingEmptySubsequences: false)
        var seconds: Int
        switch (text.contains("-"), parts.count) {
        case (false, 1): seconds = try number(parts[0]) * 60
        case (false, 2): seconds = try number(parts[0]) * 60 + number(parts[1])
        case (_, 3): seconds = try number(parts[0]) * 3600 + number(parts[1]) * 60 + number(parts[2])
        case (true, 1): seconds = try number(parts[0]) * 3600
        case (true, 2): seconds = try number(parts[0]) * 3600 + number(parts[1]) * 60
        default: throw bad
        }
        seconds += days * 86400
        guard seconds >= SlurmScript.minimumTimeSeconds else {
            throw .usage("\(path) is \(text): an array task needs at least \(SlurmScript.minimumTimeSeconds / 60) minutes, so that the "
                         + "warning signal \(SlurmScript.warningSeconds) s before the limit leaves time to train and checkpoint")
        }
        guard seconds <= 365 * 86400 else { throw .usage("\(path) is \(text), more than a year") }
        return seconds
    }

    /// Slurm's `--time` value for `seconds`: `D-HH:MM:SS`.
    public static func formatTime(_ seconds: Int) -> String {
        let d = seconds / 86400, h = seconds % 86400 / 3600, m = seconds % 3600 / 60, s = seconds % 60
        let hms = String(format: "%02d:%02d:%02d", h, m, s)
        return d > 0 ? "\(d)-\(hms)" : hms
    }
}
