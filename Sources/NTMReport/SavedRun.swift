// Reading a run directory back, as `ntm-bench report` and `notebook check --from` do: the report a run wrote,
// rebuilt from its files (config.json, results.json, the learning-curve and validation CSVs, the trained
// checkpoints) without training. Every file is treated as hostile: a missing or malformed one is refused with
// the path and what is wrong, never a crash.
import Foundation
import NTMCore
import NTMModels
import NTMTasks
import NTMTraining

/// What a saved run directory holds.
public enum SavedRun {
    /// The kind of directory: one run (`results.json` with a `seed`), or a comparison over seeds
    /// (`results.json` with `seeds`, and one run directory per seed, `seed<S>/`).
    public enum Kind: Equatable, Sendable {
        case run
        case seeds([UInt64])
    }

    /// Reads `directory/results.json` and says which kind of directory it is.
    public static func kind(of directory: String) throws(NTMError) -> Kind {
        let results = try readJSON(directory + "/results.json", what: "results")
        if let seeds = results["seeds"]?.arrayValue {
            let values = seeds.compactMap { $0.intValue }.filter { $0 >= 0 }.map(UInt64.init)
            guard values.count == seeds.count, !values.isEmpty else {
                throw .runtime("\(directory)/results.json: 'seeds' is not a list of seeds; the file is damaged")
            }
            return .seeds(values)
        }
        guard results["seed"]?.intValue != nil else {
            throw .runtime("\(directory)/results.json: neither 'seed' nor 'seeds'; not a results file of ntm-bench")
        }
        return .run
    }

    /// The report of the run in `directory`, rebuilt from its files.
    ///
    /// The numbers are the run's own (read, not recomputed); the memory figures are drawn again by running
    /// the trained checkpoint over the first evaluation sequence, as the run did.
    /// `models`, when given, takes only those of the run's models (each model's run depends on its own settings
    /// and seed only, so a run of several models holds the run of any of them); the others are not read.
    public static func report(directory: String, models only: [ModelKind]? = nil) throws(NTMError) -> RunReport {
        let resultsPath = directory + "/results.json"
        let results = try readJSON(resultsPath, what: "results")
        let configPath = directory + "/config.json"
        guard let configBytes = FileManager.default.contents(atPath: configPath) else {
            throw .usage("\(configPath): missing; \(directory) is not a complete run directory of ntm-bench")
        }
        var config = try Preset.decode(Array(configBytes), source: configPath)
        if let only {
            let missing = only.filter { !config.models.contains($0) }
            guard missing.isEmpty else {
                throw .usage("\(directory): the run did not train \(missing.map(\.rawValue).joined(separator: ", ")) (it trained "
                             + "\(config.models.map(\.rawValue).joined(separator: ", ")))")
            }
        }
        guard results["task"]?.stringValue == config.task.name, results["seed"]?.intValue == Int(config.seed) else {
            throw .runtime("\(resultsPath): its task and seed are not those of config.json (\(config.task.name), seed \(config.seed)); "
                           + "the directory mixes two runs")
        }
        guard let statusText = results["status"]?.stringValue, let status = RunReport.Status(rawValue: statusText) else {
            throw .runtime("\(resultsPath): 'status' must be finished, interrupted or failed")
        }
        guard let command = results["command"]?.stringValue else { throw .runtime("\(resultsPath): missing 'command'") }
        guard let models = results["models"]?.arrayValue else { throw .runtime("\(resultsPath): missing 'models'") }
        let curves = try readMetrics(directory + "/learning-curves.csv", required: true)
        let validationSeconds = try readMetrics(directory + "/validation.csv", required: false)
        var read: [ModelResult] = []
        for (i, entry) in models.enumerated() {
            let path = "\(resultsPath): models[\(i)]"
            guard let name = entry["model"]?.stringValue, let kind = ModelKind(rawValue: name), config.models.contains(kind) else {
                throw .runtime("\(path): 'model' is not one of the run's models (\(config.models.map(\.rawValue).joined(separator: ", ")))")
            }
            guard !read.contains(where: { $0.kind == kind }) else { throw .runtime("\(path): \(name) is listed twice") }
            if let only, !only.contains(kind) { continue }
            read.append(try modelResult(entry, kind: kind, config: config, path: path, directory: directory,
                                        curve: curves[kind] ?? [], validationSeconds: validationSeconds[kind] ?? []))
        }
        if let only {
            config.models = only
            read = only.compactMap { kind in read.first { $0.kind == kind } }
        }
        return RunReport(config: config, results: read, command: command, manifest: RunManifest.recorded(in: results),
                         status: status, failure: results["error"]?.stringValue)
    }

    /// The comparison over seeds of the runs in `directories` (each a run directory or a comparison
    /// directory, whose `seed<S>/` runs are taken), which must share every setting but the seed.
    /// `command` is what regenerates the comparison (the `report` command, or the directory's own
    /// `--seeds` command when one comparison directory is rebuilt alone).
    public static func seedsReport(directories: [String], command: String? = nil, models: [ModelKind]? = nil) throws(NTMError) -> SeedsReport {
        var runs: [(directory: String, report: RunReport)] = []
        var recordedCommand: String?
        var recordedManifest: RunManifest?
        for directory in directories {
            switch try kind(of: directory) {
            case .run:
                runs.append((directory, try report(directory: directory, models: models)))
            case .seeds(let seeds):
                let results = try readJSON(directory + "/results.json", what: "results")
                if directories.count == 1 {
                    recordedCommand = results["command"]?.stringValue
                    recordedManifest = RunManifest.recorded(in: results)
                }
                for seed in seeds {
                    let seedDirectory = "\(directory)/seed\(seed)"
                    guard FileManager.default.fileExists(atPath: seedDirectory + "/results.json") else {
                        throw .runtime("\(seedDirectory): missing (listed in \(directory)/results.json); copy it back, or rebuild "
                                       + "from the seed directories that exist")
                    }
                    runs.append((seedDirectory, try report(directory: seedDirectory, models: models)))
                }
            }
        }
        guard let first = runs.first else { throw .usage("report: no run directories given") }
        var reference = first.report.config
        for run in runs.dropFirst() {
            reference.seed = run.report.config.seed
            let (then, now) = Experiment.comparableParts(Preset.encode(reference), Preset.encode(run.report.config))
            if let difference = Experiment.firstDifference(checkpoint: then, now: now) {
                throw .usage("\(run.directory) is not the same experiment as \(first.directory): "
                             + difference.replacingOccurrences(of: "in the checkpoint", with: "in \(first.directory)")
                                 .replacingOccurrences(of: " now", with: " here")
                             + "; compare runs that differ only in their seed")
            }
        }
        var seen: [UInt64: String] = [:]
        for run in runs {
            if let other = seen[run.report.config.seed] {
                throw .usage("seed \(run.report.config.seed) is in both \(other) and \(run.directory); give each seed once")
            }
            seen[run.report.config.seed] = run.directory
        }
        let sorted = runs.map(\.report).sorted { $0.config.seed < $1.config.seed }
        let status: RunReport.Status = sorted.contains { $0.status == .failed } ? .failed
            : sorted.contains { $0.status == .interrupted } ? .interrupted : .finished
        var config = first.report.config
        config.seed = sorted[0].config.seed
        return SeedsReport(config: config, seeds: sorted.map(\.config.seed), runs: sorted,
                           command: command ?? recordedCommand ?? first.report.command,
                           manifest: recordedManifest ?? sorted[0].manifest, status: status,
                           failure: sorted.compactMap(\.failure).first)
    }

    // MARK: - Pieces

    static func modelResult(_ entry: JSONValue, kind: ModelKind, config: ExperimentConfig, path: String, directory: String,
                            curve: [MetricPoint], validationSeconds: [MetricPoint]) throws(NTMError) -> ModelResult {
        func int(_ key: String, _ value: JSONValue? = nil) throws(NTMError) -> Int {
            guard let v = (value ?? entry)[key]?.intValue, v >= 0 else { throw .runtime("\(path): '\(key)' must be a count") }
            return v
        }
        func number(_ v: JSONValue?, _ key: String) throws(NTMError) -> Double {
            guard let v else { throw .runtime("\(path): missing '\(key)'") }
            if v.isNull { return .nan }
            guard let d = v.doubleValue else { throw .runtime("\(path): '\(key)' must be a number") }
            return d
        }
        guard let finished = entry["finished"]?.boolValue else { throw .runtime("\(path): 'finished' must be true or false") }
        let plan = config.plan(kind)
        let validation = try (entry["validation"]?.arrayValue ?? []).map { v throws(NTMError) -> MetricPoint in
            let sequences = try int("sequences", v)
            let seconds = validationSeconds.first { $0.sequences == sequences }?.seconds ?? 0
            return MetricPoint(sequences: sequences, costBits: try number(v["cost_bits"], "cost_bits"),
                               bitErrors: try number(v["bit_errors"], "bit_errors"), seconds: seconds)
        }
        var selected: MetricPoint?
        if let at = entry["selected_at_sequences"], !at.isNull {
            guard let s = at.intValue, let point = validation.first(where: { $0.sequences == s }) else {
                throw .runtime("\(path): 'selected_at_sequences' names no validation of the model")
            }
            selected = point
        }
        let evaluation = try (entry["eval"]?.arrayValue ?? []).map { e throws(NTMError) -> EvaluationResult in
            var repeats: Int?
            if e["repeats"] != nil { repeats = try int("repeats", e) }
            return EvaluationResult(length: try int("length", e), sequences: try int("sequences", e),
                                    costBits: try number(e["cost_bits"], "cost_bits"),
                                    bitErrors: try number(e["bit_errors"], "bit_errors"), repeats: repeats)
        }
        guard let wall = entry["wall_seconds"]?.doubleValue, wall >= 0 else { throw .runtime("\(path): 'wall_seconds' must be a time") }
        var outcome = TrainingOutcome(sequences: try int("sequences"), steps: 0, wallSeconds: wall, curve: curve,
                                      skippedSteps: try int("skipped_steps"), validation: validation, selected: selected)
        if let level = entry["curriculum_level"], !level.isNull { outcome.curriculumLevel = try int("curriculum_level") }

        let checkpointPath = "\(directory)/\(kind.rawValue).safetensors"
        let checkpoint = try SafeTensorsFile.read(path: checkpointPath)
        let (model, modelConfig) = try Checkpoint.loadModel(path: checkpointPath, expectedKind: kind)
        guard modelConfig == plan.model else {
            throw .runtime("\(checkpointPath): holds a \(modelConfig.summary), but config.json trains a \(plan.model.summary); "
                           + "the directory mixes two runs")
        }
        let parameters = try int("parameters")
        guard parameters == model.parameterCount else {
            throw .runtime("\(path): 'parameters' is \(parameters), but the checkpoint holds \(model.parameterCount)")
        }
        var result = ModelResult(kind: kind, config: plan.model, training: plan.training, parameters: parameters,
                                 outcome: outcome, evaluation: evaluation, checkpoint: checkpoint, finished: finished)
        if finished {
            let example = RecordedExample.record(model: model, task: config.task.make(), point: config.readingPoint,
                                                 evalSeed: config.evalSeed)
            if !example.recorded.isEmpty { result.example = example }
        }
        return result
    }

    static func readJSON(_ path: String, what: String) throws(NTMError) -> JSONValue {
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw .usage("\(path): missing; give a run directory written by ntm-bench (it holds report.md, results.json and config.json)")
        }
        do { return try JSONValue.parse(Array(bytes)) } catch {
            throw .runtime("\(path): not valid JSON (\(error.message)); the \(what) file is damaged")
        }
    }

    /// `model,sequences,cost_bits,bit_errors,seconds` rows, by model.
    static func readMetrics(_ path: String, required: Bool) throws(NTMError) -> [ModelKind: [MetricPoint]] {
        guard let data = FileManager.default.contents(atPath: path) else {
            if required { throw .usage("\(path): missing; the run directory is incomplete") }
            return [:]
        }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true)
        guard lines.first == "model,sequences,cost_bits,bit_errors,seconds" else {
            throw .runtime("\(path): the first line must be 'model,sequences,cost_bits,bit_errors,seconds'")
        }
        var out: [ModelKind: [MetricPoint]] = [:]
        for (i, line) in lines.enumerated().dropFirst() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            guard f.count == 5, let kind = ModelKind(rawValue: String(f[0])), let sequences = Int(f[1]), sequences >= 0,
                  let cost = Double(f[2]), let errors = Double(f[3]), let seconds = Double(f[4]) else {
                throw .runtime("\(path): line \(i + 1) is not 'model,sequences,cost_bits,bit_errors,seconds' with a known model and numbers")
            }
            out[kind, default: []].append(MetricPoint(sequences: sequences, costBits: cost, bitErrors: errors, seconds: seconds))
        }
        return out
    }
}
