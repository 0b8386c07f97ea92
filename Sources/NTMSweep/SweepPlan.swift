// A sweep expanded into runs: one run per (task, grid point, model, seed), each a complete run directory
// `SWEEP_DIR/runs/<id>/` named by a short hash of its resolved configuration, and the manifest
// `SWEEP_DIR/sweep.json` that lists them. A run is one model on one seed (each model's run depends on its own
// settings and seed only), so a baseline that a grid over NTM values leaves unchanged is planned once and
// serves every grid point. Planning again adds the runs a changed file names and never renumbers the others:
// the index of a run is its Slurm array index for good.
import Foundation
import NTMCore
import NTMModels
import NTMTasks
import NTMTraining

public struct SweepPlan: Sendable, Equatable {
    /// One run of the sweep.
    public struct Run: Sendable, Equatable {
        /// Its position in the manifest, and its Slurm array index.
        public var index: Int
        /// `<task>-<model>-s<seed>-<hash>`: its directory under `runs/`.
        public var id: String
        public var model: ModelKind
        public var seed: UInt64
        /// The resolved configuration (a preset training this model alone), as the run's `config.json` will hold it.
        public var config: JSONValue
        /// False for a run of an earlier plan that the sweep file no longer names: kept (its index stays taken,
        /// its directory stays), but neither run nor reported.
        public var planned: Bool
    }

    /// One comparison of the report: a task at one grid point, every model over every seed.
    public struct Group: Sendable, Equatable {
        /// The task as the sweep file names it (a task or a preset path).
        public var task: String
        /// The grid point: the values it sets (empty without a grid).
        public var point: [SweepFile.Override]
        public var models: [ModelKind]
        public var seeds: [UInt64]
        /// The run of each model on each seed: `runs[m][s]` is the id of `models[m]` on `seeds[s]`.
        public var runs: [[String]]

        /// `ntm.memoryRows = 64, ntm.optimizer.learningRate = 0.0003`, or "" without a grid.
        public var pointLabel: String {
            point.map { "\($0.path) = \($0.value.serialized())" }.joined(separator: ", ")
        }
    }

    public static let format = "ntm-bench sweep 1"
    public static let manifestFile = "sweep.json"
    public static let runsFolder = "runs"

    /// The sweep file as given to `sweep plan`, for the report.
    public var source: String
    public var about: String
    public var resources: SweepFile.Resources
    public var runs: [Run]
    public var groups: [Group]

    public var plannedRuns: [Run] { runs.filter(\.planned) }

    public func run(id: String) -> Run? { runs.first { $0.id == id } }

    public static func runDirectory(_ sweep: String, _ id: String) -> String { "\(sweep)/\(runsFolder)/\(id)" }

    // MARK: - Expanding a sweep file

    /// The runs and comparisons of `file`, numbered from 0.
    public static func expand(_ file: SweepFile, source: String) throws(NTMError) -> SweepPlan {
        var runs: [Run] = []
        var byID: [String: Int] = [:]
        var groups: [Group] = []
        var groupKeys: [String] = []
        let points = (file.points ?? [[]]).flatMap { base in gridPoints(file.grid).map { base + $0 } }
        for entry in file.tasks {
            for point in points {
                let overrides = file.set + entry.set + point
                let label = point.isEmpty ? entry.label : "\(entry.label) at " + point.map { "\($0.path)=\($0.value.serialized())" }.joined(separator: ", ")
                let config = try apply(overrides, to: entry.base, source: "\(source): \(label)", gridKeys: point.map(\.path))
                try checkResources(config, file.resources, source: "\(source): \(label)")
                var group = Group(task: entry.label, point: point, models: config.models, seeds: file.seeds, runs: [])
                var ids = Array(repeating: [String](), count: config.models.count)
                for seed in file.seeds {
                    for (m, model) in config.models.enumerated() {
                        var c = config
                        c.models = [model]
                        c.seed = seed
                        let json = resolved(c)
                        let id = runID(json, task: c.task.name, model: model, seed: seed)
                        if let existing = byID[id] {
                            guard runs[existing].config == json else {
                                throw .usage("\(source): two different runs hash to \(id); change a value of one of them (a hash collision)")
                            }
                        } else {
                            byID[id] = runs.count
                            runs.append(Run(index: runs.count, id: id, model: model, seed: seed, config: json, planned: true))
                            guard runs.count <= SweepFile.maxRuns else {
                                throw .usage("\(source): the sweep expands to more than \(SweepFile.maxRuns) runs; split it into several sweeps")
                            }
                        }
                        ids[m].append(id)
                    }
                }
                group.runs = ids
                // Entries of one task with the same settings but for their models (a built-in preset for the baselines,
                // another for the memory architectures) make one comparison.
                let key = comparisonKey(config, point: point)
                if let i = groupKeys.firstIndex(of: key), Set(groups[i].models).isDisjoint(with: group.models) {
                    groups[i].models += group.models
                    groups[i].runs += group.runs
                } else {
                    groups.append(group)
                    groupKeys.append(key)
                }
            }
        }
        return SweepPlan(source: source, about: file.about, resources: file.resources, runs: runs, groups: groups)
    }

    /// What runs of one comparison share: the task, evaluation and training-data settings (not the models'
    /// sections, the seed or the notes) and the grid point.
    static func comparisonKey(_ config: ExperimentConfig, point: [SweepFile.Override]) -> String {
        let shared = Preset.encode(config).objectMembers?.filter {
            Preset.experimentKeys.contains($0.key) && !["about", "seed", "models"].contains($0.key)
        } ?? []
        return JSONValue.object(shared).serialized() + "|" + JSONValue.object(point.map { JSONMember(key: $0.path, value: $0.value) }).serialized()
    }

    /// Every combination of the grid's values, the last key varying fastest; one empty point without a grid.
    static func gridPoints(_ grid: [(path: String, values: [JSONValue])]) -> [[SweepFile.Override]] {
        var points: [[SweepFile.Override]] = [[]]
        for key in grid {
            points = points.flatMap { p in key.values.map { p + [SweepFile.Override(path: key.path, value: $0)] } }
        }
        return points
    }

    /// `base` with the overrides set in its resolved preset, decoded (and so checked) as a preset.
    static func apply(_ overrides: [SweepFile.Override], to base: ExperimentConfig, source: String,
                      gridKeys: [String]) throws(NTMError) -> ExperimentConfig {
        guard !overrides.isEmpty else { return base }
        var json = Preset.encode(base)
        let trained = base.models.map(\.rawValue)
        for o in overrides {
            var parts = o.path.split(separator: ".").map(String.init)
            var targets = [parts[0]]
            if parts[0] == "*" {
                targets = trained
            } else if ModelKind(rawValue: parts[0]) != nil, !trained.contains(parts[0]), gridKeys.contains(o.path) {
                throw .usage("\(source): the grid sets \(o.path), but the task trains \(trained.joined(separator: ", ")), not \(parts[0]); "
                             + "add \(parts[0]) to 'models' or remove the key")
            }
            for t in targets {
                parts[0] = t
                json = try set(json, parts[...], o.value, path: o.path, source: source)
            }
        }
        // The preset's own paths after the point's label: "FILE: copy at ntm.memoryRows=0: preset.ntm.memoryRows: ...".
        do throws(NTMError) {
            return try Preset.decode(Array(json.serialized().utf8), source: "preset")
        } catch {
            throw NTMError(error.kind, "\(source): \(error.message)")
        }
    }

    static func set(_ json: JSONValue, _ parts: ArraySlice<String>, _ value: JSONValue, path: String, source: String) throws(NTMError) -> JSONValue {
        guard let key = parts.first else { return value }
        guard var members = json.objectMembers else {
            throw .usage("\(source): cannot set \(path): \(parts.dropFirst().isEmpty ? "" : "the part before '\(key)' ")is not an object in the preset")
        }
        if let i = members.firstIndex(where: { $0.key == key }) {
            members[i].value = try set(members[i].value, parts.dropFirst(), value, path: path, source: source)
        } else {
            members.append(JSONMember(key: key, value: try set(.object([]), parts.dropFirst(), value, path: path, source: source)))
        }
        return .object(members)
    }

    /// Refuses a plan whose runs cannot fit the resources of one array task.
    static func checkResources(_ config: ExperimentConfig, _ r: SweepFile.Resources, source: String) throws(NTMError) {
        for kind in config.models {
            let mb = Int((config.estimatedBytes(for: kind) / 1_048_576).rounded(.up))
            if mb > r.memoryMB {
                throw .usage("\(source): the \(kind.rawValue) model needs about \(mb) MB, more than the \(r.memoryMB) MB of "
                             + "resources.memory; raise it or make the model smaller")
            }
        }
    }

    /// The configuration a run records and is identified by: the preset encoding without the sections of
    /// models it does not train.
    static func resolved(_ c: ExperimentConfig) -> JSONValue {
        let encoded = Preset.encode(c)
        return Experiment.comparableParts(encoded, encoded).0
    }

    /// The run's name: readable parts, then the first 10 hex digits of FNV-1a (64-bit) over its configuration
    /// without the text and drawing keys that change no number (`about`, `lengthAxis`).
    public static func runID(_ config: JSONValue, task: String, model: ModelKind, seed: UInt64) -> String {
        let members = config.objectMembers?.filter { $0.key != "about" && !Preset.drawingKeys.contains($0.key) } ?? []
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in JSONValue.object(members).serialized().utf8 {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01b3
        }
        let hex = String(h, radix: 16)
        let padded = String(repeating: "0", count: 16 - hex.count) + hex
        return "\(task)-\(model.rawValue)-s\(seed)-\(padded.prefix(10))"
    }

    // MARK: - Planning again

    /// This plan laid over `earlier`: the earlier runs keep their indices (those the file no longer names are
    /// marked unplanned), the new ones are appended in plan order.
    public func merged(over earlier: SweepPlan) -> SweepPlan {
        var runs = earlier.runs.map { r -> Run in
            var r = r
            r.planned = self.run(id: r.id) != nil
            return r
        }
        let known = Set(runs.map(\.id))
        for r in self.runs where !known.contains(r.id) {
            var r = r
            r.index = runs.count
            runs.append(r)
        }
        return SweepPlan(source: source, about: about, resources: resources, runs: runs, groups: groups)
    }

    // MARK: - The manifest

    public var json: JSONValue {
        func int(_ i: Int) -> JSONValue { .number(Double(i)) }
        var resourceMembers: [JSONMember] = [
            .init(key: "cpus", value: int(resources.cpus)), .init(key: "memory_mb", value: int(resources.memoryMB)),
            .init(key: "time_seconds", value: int(resources.timeSeconds)),
        ]
        if let p = resources.partition { resourceMembers.append(.init(key: "partition", value: .string(p))) }
        return .object([
            .init(key: "format", value: .string(Self.format)),
            .init(key: "source", value: .string(source)),
            .init(key: "about", value: .string(about)),
            .init(key: "resources", value: .object(resourceMembers)),
            .init(key: "groups", value: .array(groups.map { g in
                .object([
                    .init(key: "task", value: .string(g.task)),
                    .init(key: "point", value: .object(g.point.map { JSONMember(key: $0.path, value: $0.value) })),
                    .init(key: "models", value: .array(g.models.map { .string($0.rawValue) })),
                    .init(key: "seeds", value: .array(g.seeds.map { int(Int($0)) })),
                    .init(key: "runs", value: .array(g.runs.map { .array($0.map { .string($0) }) })),
                ])
            })),
            .init(key: "runs", value: .array(runs.map { r in
                .object([
                    .init(key: "index", value: int(r.index)), .init(key: "id", value: .string(r.id)),
                    .init(key: "model", value: .string(r.model.rawValue)), .init(key: "seed", value: int(Int(r.seed))),
                    .init(key: "planned", value: .bool(r.planned)), .init(key: "config", value: r.config),
                ])
            })),
        ])
    }

    /// Reads a manifest, trusting nothing: every run's id must be the hash of its configuration, every
    /// configuration must decode as a preset, every comparison must name runs of the manifest.
    public static func decode(_ bytes: [UInt8], source: String) throws(NTMError) -> SweepPlan {
        let damaged = { (what: String) -> NTMError in
            .runtime("\(source): \(what); the manifest is damaged (plan the sweep again with 'sweep plan FILE --out DIR')")
        }
        let json: JSONValue
        do { json = try JSONValue.parse(bytes) } catch { throw damaged("not valid JSON (\(error.message))") }
        guard json["format"]?.stringValue == format else {
            throw .runtime("\(source): not a sweep manifest of this kit (format \(json["format"]?.serialized() ?? "missing"), expected \"\(format)\")")
        }
        guard let planSource = json["source"]?.stringValue, let about = json["about"]?.stringValue,
              let r = json["resources"], let cpus = r["cpus"]?.intValue, let mem = r["memory_mb"]?.intValue,
              let time = r["time_seconds"]?.intValue, cpus >= 1, mem >= 1, time >= 1 else {
            throw damaged("'source', 'about' or 'resources' is missing or malformed")
        }
        let resources = SweepFile.Resources(cpus: cpus, memoryMB: mem, timeSeconds: time, partition: r["partition"]?.stringValue)
        guard let runList = json["runs"]?.arrayValue, let groupList = json["groups"]?.arrayValue else { throw damaged("'runs' or 'groups' is missing") }
        var runs: [Run] = []
        var ids = Set<String>()
        for (i, item) in runList.enumerated() {
            guard item["index"]?.intValue == i, let id = item["id"]?.stringValue, let m = item["model"]?.stringValue,
                  let seed = item["seed"]?.intValue, seed >= 0, let planned = item["planned"]?.boolValue, let config = item["config"] else {
                throw damaged("runs[\(i)] is malformed")
            }
            guard let model = ModelKind(rawValue: m) else {
                throw .runtime("\(source): runs[\(i)] trains '\(m)', which this binary does not register (\(ModelRegistry.unknownModelHint))")
            }
            let decoded = try Preset.decode(Array(config.serialized().utf8), source: "\(source): runs[\(i)].config")
            guard decoded.models == [model], decoded.seed == UInt64(seed),
                  runID(config, task: decoded.task.name, model: model, seed: UInt64(seed)) == id else {
                throw damaged("runs[\(i)] (\(id)) is not the run its configuration describes")
            }
            guard ids.insert(id).inserted else { throw damaged("run \(id) is listed twice") }
            runs.append(Run(index: i, id: id, model: model, seed: UInt64(seed), config: config, planned: planned))
        }
        var groups: [Group] = []
        for (i, g) in groupList.enumerated() {
            guard let task = g["task"]?.stringValue, let point = g["point"]?.objectMembers,
                  let models = g["models"]?.arrayValue?.compactMap({ $0.stringValue.flatMap(ModelKind.init(rawValue:)) }),
                  let seeds = g["seeds"]?.arrayValue?.compactMap({ $0.intValue.flatMap { $0 >= 0 ? UInt64($0) : nil } }),
                  let runTable = g["runs"]?.arrayValue?.map({ $0.arrayValue?.compactMap(\.stringValue) ?? [] }),
                  models.count == g["models"]?.arrayValue?.count, seeds.count == g["seeds"]?.arrayValue?.count,
                  !models.isEmpty, !seeds.isEmpty, runTable.count == models.count,
                  runTable.allSatisfy({ $0.count == seeds.count && $0.allSatisfy(ids.contains) }) else {
                throw damaged("groups[\(i)] is malformed or names runs the manifest does not list")
            }
            groups.append(Group(task: task, point: point.map { SweepFile.Override(path: $0.key, value: $0.value) },
                                models: models, seeds: seeds, runs: runTable))
        }
        return SweepPlan(source: planSource, about: about, resources: resources, runs: runs, groups: groups)
    }

    /// Reads `SWEEP_DIR/sweep.json`.
    public static func load(sweep directory: String) throws(NTMError) -> SweepPlan {
        let path = "\(directory)/\(manifestFile)"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .usage("\(directory) is not a sweep directory (no \(manifestFile)); make one with 'sweep plan FILE --out \(directory)'")
        }
        return try decode(Array(data), source: path)
    }

    /// Writes the manifest atomically, unless it already holds exactly this plan; says whether it wrote.
    @discardableResult
    public func write(sweep directory: String) throws(NTMError) -> Bool {
        let text = json.serialized(pretty: true) + "\n"
        let path = "\(directory)/\(Self.manifestFile)"
        if let old = FileManager.default.contents(atPath: path), Array(old) == Array(text.utf8) { return false }
        try AtomicFile.write(text, to: path)
        return true
    }
}
