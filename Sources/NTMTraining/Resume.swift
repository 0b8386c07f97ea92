// Continuing a run from its training checkpoints: each one is read, checked against the run's
// resolved configuration (naming the first setting that differs), decoded and validated before
// any model trains.
import Foundation
import NTMCore
import NTMModels

extension Experiment {
    /// Reads and validates the training checkpoint of every model of `config` found in `directory`
    /// (models without one start from the beginning). A checkpoint made with other settings is refused
    /// with a usage error naming the first differing setting; a damaged one with a runtime error.
    public static func loadStates(_ config: ExperimentConfig, directory: String) throws(NTMError) -> [ModelKind: TrainingState] {
        var states: [ModelKind: TrainingState] = [:]
        let current = Preset.encode(config)
        for kind in config.models {
            let path = statePath(directory, kind)
            guard FileManager.default.fileExists(atPath: path) else { continue }
            let file = try SafeTensorsFile.read(path: path)
            guard file.metadata["format"] == TrainingState.format else {
                throw .runtime("\(path): not a training checkpoint (format '\(file.metadata["format"] ?? "none")', "
                               + "expected \"\(TrainingState.format)\"); remove it to start this model over")
            }
            guard let text = file.metadata["experiment"], let stored = try? JSONValue.parse(text) else {
                throw .runtime("\(path): no valid 'experiment' configuration in the metadata (the training checkpoint is "
                               + "damaged; remove it to start this model over)")
            }
            let (then, now) = comparableParts(stored, current)
            if let difference = firstDifference(checkpoint: then, now: now) {
                throw .usage("cannot resume: \(difference) (\(path)); resume with the same settings, or choose another --out")
            }
            let plan = config.plan(kind)
            var rng = RandomSource(seed: 0)
            let model = ModelFactory.make(plan.model, rng: &rng)
            let trainer = Trainer(model: model, task: config.task.make(), settings: plan.training, dataRNG: config.dataRNG(),
                                  curveEvery: config.curveEvery(for: kind), validation: config.validation,
                                  curriculum: config.makeCurriculum())
            let state = try TrainingCheckpoint.decode(file, source: path, model: model, optimizer: trainer.state.optimizer)
            do { try trainer.restore(state) } catch { throw .runtime("\(path): \(error.message)") }
            states[kind] = state
        }
        return states
    }

    /// Two resolved configurations without what changes no number of either run: the sections of models that
    /// neither lists in `models` (so a preset that gains one, as copy's `rnn`, leaves the runs made before
    /// resumable) and how figures are drawn (`lengthAxis`, which a resumed run may change).
    public static func comparableParts(_ a: JSONValue, _ b: JSONValue) -> (JSONValue, JSONValue) {
        let trained = Set([a, b].flatMap { $0["models"]?.arrayValue?.compactMap(\.stringValue) ?? [] })
        func kept(_ c: JSONValue) -> JSONValue {
            guard let members = c.objectMembers else { return c }
            return .object(members.filter { Preset.experimentKeys.contains($0.key) || trained.contains($0.key) })
        }
        return (kept(a), kept(b))
    }

    /// The first setting in which two resolved configurations differ, as
    /// `ntm.sequences is 40000 in the checkpoint but 30000 now`, or nil when they are equal.
    public static func firstDifference(checkpoint: JSONValue, now: JSONValue, path: String = "") -> String? {
        func show(_ v: JSONValue?) -> String {
            guard let v else { return "absent" }
            let s = v.serialized()
            return s.count > 60 ? String(s.prefix(60)) + "..." : s
        }
        let name = path.isEmpty ? "the configuration" : path
        switch (checkpoint, now) {
        case (.object(let a), .object(let b)):
            var keys: [String] = b.map(\.key)
            for m in a where !keys.contains(m.key) { keys.append(m.key) }
            for key in keys {
                let child = path.isEmpty ? key : "\(path).\(key)"
                let x = a.first { $0.key == key }?.value, y = b.first { $0.key == key }?.value
                guard let x, let y else {
                    return "\(child) is \(show(x)) in the checkpoint but \(show(y)) now"
                }
                if let d = firstDifference(checkpoint: x, now: y, path: child) { return d }
            }
            return nil
        case (.array(let a), .array(let b)):
            return a == b ? nil : "\(name) is \(show(checkpoint)) in the checkpoint but \(show(now)) now"
        default:
            return checkpoint == now ? nil : "\(name) is \(show(checkpoint)) in the checkpoint but \(show(now)) now"
        }
    }
}
