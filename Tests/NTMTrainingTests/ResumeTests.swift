// Training checkpoints and resuming: a training stopped any number of times and resumed from its
// checkpoints ends bit for bit where an uninterrupted one does; the NaN guard; inconsistent states.
import Foundation
import Testing
import _NTMTestSupport
import NTMKit
@_spi(Testing) import NTMTraining

enum ResumeFixture {
    static let task = CopyTask(bits: 4, minLength: 1, maxLength: 3)
    static let validation = ValidationSettings(every: 8, sequences: 4, length: 3, seed: 5, keepBest: true)

    static func config(_ kind: ModelKind) -> ModelConfig {
        var c = TrainerTests.tinyNTM
        c.kind = kind
        return c
    }

    /// A trainer whose initial weights come from `seed` (a resumed trainer gets other ones, which the
    /// checkpoint must overwrite).
    static func trainer(_ kind: ModelKind, sequences: Int = 40, seed: UInt64 = 1, optimizer: OptimizerConfig.Name = .rmsprop,
                        shards: Int = 2) -> Trainer {
        var rng = RandomSource(seed: seed)
        let c = config(kind)
        let model = ModelFactory.make(c, rng: &rng)
        return Trainer(model: model, task: task,
                       settings: TrainingSettings(sequences: sequences, batch: 2,
                                                  optimizer: OptimizerConfig(name: optimizer, learningRate: 3e-3), shards: shards),
                       dataRNG: RandomSource(seed: 77), curveEvery: 6, validation: validation, threads: 2,
                       makeReplica: {
                           var r = RandomSource(seed: 0)
                           return ModelFactory.make(c, rng: &r)
                       })
    }

    static func scratch(_ name: String) -> String {
        ScratchDirectory.make("resume-\(name)")
    }

    static func load(_ path: String, into trainer: Trainer) throws -> TrainingState {
        let file = try SafeTensorsFile.read(path: path)
        let state = try TrainingCheckpoint.decode(file, source: path, model: trainer.model, optimizer: trainer.state.optimizer)
        try trainer.restore(state)
        return state
    }

    /// A state with its wall-clock fields zeroed, for comparisons.
    static func clockless(_ s: TrainingState) -> TrainingState {
        var s = s
        s.seconds = 0
        s.curve = s.curve.map { var p = $0; p.seconds = 0; return p }
        s.validation = s.validation.map { var p = $0; p.seconds = 0; return p }
        s.best?.seconds = 0
        return s
    }
}

extension TrainingState {
    /// Everything but wall-clock fields, exactly.
    func sameNumbers(as o: TrainingState) -> Bool {
        let a = ResumeFixture.clockless(self), b = ResumeFixture.clockless(o)
        func bits(_ x: Double) -> UInt64 { x.bitPattern }
        return a.status == b.status && a.weights == b.weights && a.optimizerStep == b.optimizerStep
            && a.optimizerBuffers == b.optimizerBuffers && a.dataRNG == b.dataRNG && a.sequences == b.sequences
            && a.steps == b.steps && a.skipped == b.skipped && a.consecutiveSkipped == b.consecutiveSkipped
            && bits(a.windowCost) == bits(b.windowCost) && bits(a.windowErrors) == bits(b.windowErrors)
            && a.windowCount == b.windowCount && bits(a.lastCost) == bits(b.lastCost) && a.curve == b.curve
            && a.validation == b.validation && a.best == b.best && a.bestWeights == b.bestWeights
    }
}

@Suite("Resume")
struct ResumeTests {
    @Test(arguments: [(ModelKind.ntm, OptimizerConfig.Name.rmsprop), (.lstm, .adam), (.gru, .rmsprop)])
    func stoppedAndResumedTrainingEqualsUninterrupted(kind: ModelKind, optimizer: OptimizerConfig.Name) throws {
        let dir = ResumeFixture.scratch("trainer")
        // Uninterrupted, checkpointing every 10 sequences.
        let straight = ResumeFixture.trainer(kind, optimizer: optimizer)
        let pathA = dir + "/a.safetensors"
        guard case .finished(let outcomeA) = straight.run(control: TrainerControl(
            checkpointPath: pathA, schedule: CheckpointSchedule(everySequences: 10))) else {
            Issue.record("the uninterrupted run did not finish"); return
        }
        // Stopped after 3, 7 and 15 steps (checkpoint schedules differ between legs: they must not matter).
        let pathB = dir + "/b.safetensors"
        let stop = StopToken()
        var trainer = ResumeFixture.trainer(kind, optimizer: optimizer)
        for (limit, every) in [(3, 4), (7, 6), (15, 100)] {
            stop.stopAfterSteps = limit
            let end = trainer.run(control: TrainerControl(stop: stop, checkpointPath: pathB,
                                                          schedule: CheckpointSchedule(everySequences: every)))
            guard case .interrupted(let partial) = end else { Issue.record("leg \(limit) did not stop"); return }
            #expect(partial.steps == limit)
            // A new process: a model with other initial weights, restored from the file.
            trainer = ResumeFixture.trainer(kind, seed: 99, optimizer: optimizer)
            let state = try ResumeFixture.load(pathB, into: trainer)
            #expect(state.steps == limit && state.status == .training)
        }
        stop.stopAfterSteps = nil
        guard case .finished(let outcomeB) = trainer.run(control: TrainerControl(stop: stop, checkpointPath: pathB)) else {
            Issue.record("the resumed run did not finish"); return
        }
        #expect(zip(straight.model.parameters, trainer.model.parameters).allSatisfy { $0.value.array == $1.value.array })
        #expect(outcomeA.curve.map(\.costBits) == outcomeB.curve.map(\.costBits))
        #expect(outcomeA.curve.map(\.sequences) == outcomeB.curve.map(\.sequences))
        #expect(outcomeA.validation.map(\.costBits) == outcomeB.validation.map(\.costBits))
        #expect(outcomeA.selected?.sequences == outcomeB.selected?.sequences)
        #expect(outcomeA.steps == outcomeB.steps && outcomeA.sequences == outcomeB.sequences)
        #expect(outcomeA.validation.count == 5 && outcomeA.curve.count >= 6)
        // The final checkpoints hold the same numbers.
        let a = try ResumeFixture.load(pathA, into: ResumeFixture.trainer(kind, optimizer: optimizer))
        let b = try ResumeFixture.load(pathB, into: ResumeFixture.trainer(kind, optimizer: optimizer))
        let same = a.sameNumbers(as: b)
        #expect(same, "the final training checkpoints differ")
        #expect(a.sequences == 40 && a.bestWeights != nil)
    }

    @Test func aFinishedStateResumesToTheSameOutcome() throws {
        let dir = ResumeFixture.scratch("finished")
        let first = ResumeFixture.trainer(.lstm)
        guard case .finished(let o1) = first.run(control: TrainerControl(checkpointPath: dir + "/s.safetensors")) else {
            Issue.record("did not finish"); return
        }
        // The reported wall time is the final checkpoint's, so a resumed finished run reports it too.
        #expect(o1.wallSeconds == first.finalState?.seconds)
        let again = ResumeFixture.trainer(.lstm, seed: 5)
        _ = try ResumeFixture.load(dir + "/s.safetensors", into: again)
        guard case .finished(let o2) = again.run(control: TrainerControl(checkpointPath: dir + "/s.safetensors")) else {
            Issue.record("did not finish"); return
        }
        #expect(o2.steps == o1.steps && o2.curve.map(\.costBits) == o1.curve.map(\.costBits) && o2.selected == o1.selected)
        // It trained nothing, so its wall time is the first run's, exactly: not that plus the time this call took
        // (microseconds, but on a busy machine enough to change the rounded time in results.json).
        #expect(o2.wallSeconds == o1.wallSeconds)
        #expect(zip(first.model.parameters, again.model.parameters).allSatisfy { $0.value.array == $1.value.array })
    }

    /// A run made before a preset gained the section of a model it does not train (copy's `rnn`) resumes under
    /// the new preset; training that model as well is still a change of settings.
    @Test func sectionsOfUntrainedModelsDoNotBlockResuming() throws {
        var config = BuiltInPresets.copy
        config.task = TaskConfig(kind: .copy, bits: 8, minLength: 1, length: 3)
        config.models = [.lstm]
        config.plans[.lstm]!.model.controllerSize = 8
        config.plans[.lstm]!.model.layers = 1
        config.plans[.lstm]!.training = TrainingSettings(sequences: 16, batch: 4, optimizer: OptimizerConfig(name: .adam), shards: 1)
        config.evalSequences = 4
        config.validationSequences = 4
        var before = config
        before.plans[.rnn] = nil
        let dir = ResumeFixture.scratch("untrained-sections")
        let run = Experiment.run(before, threads: 1, control: ExperimentControl(stateDirectory: dir))
        #expect(run.status == .finished)
        let states = try Experiment.loadStates(config, directory: dir)
        #expect(states[.lstm]?.status == .finished)
        var more = config
        more.models = [.lstm, .rnn]
        #expect(throws: NTMError.self) { try Experiment.loadStates(more, directory: dir) }
        do { _ = try Experiment.loadStates(more, directory: dir) } catch {
            #expect(error.message.hasPrefix("cannot resume: models is [\"lstm\"] in the checkpoint but [\"lstm\",\"rnn\"] now"), "\(error.message)")
        }
        // A section of a model that is trained still counts.
        var other = config
        other.plans[.lstm]!.training.sequences = 32
        do { _ = try Experiment.loadStates(other, directory: dir); Issue.record("resumed with another budget") } catch {
            #expect(error.message.hasPrefix("cannot resume: lstm.sequences is 16 in the checkpoint but 32 now"), "\(error.message)")
        }
    }

    // MARK: - Non-finite steps

    /// Plants a NaN in the gradient of the first trainable parameter at the steps `at` says.
    static func nanHook(_ at: @escaping @Sendable (Int) -> Bool) -> (Int, [Parameter]) -> Void {
        { step, params in
            if at(step) { params.first(where: \.trainable)!.grad[0] = .nan }
        }
    }

    @Test func anInjectedNaNIsSkippedAndCounted() {
        let trainer = ResumeFixture.trainer(.ntm, shards: 1)
        var control = TrainerControl(nonFinite: .default)
        control.gradientHook = Self.nanHook { $0 == 3 }
        guard case .finished(let outcome) = trainer.run(control: control) else { Issue.record("did not finish"); return }
        #expect(outcome.skippedSteps == 1 && outcome.steps == 20)
        #expect(trainer.state.step == 19)
        #expect(trainer.model.parameters.allSatisfy { p in p.value.array.allSatisfy(\.isFinite) })
    }

    @Test func stopPolicyNamesTheStepAndTheTensor() {
        let dir = ResumeFixture.scratch("nan-stop")
        let trainer = ResumeFixture.trainer(.ntm, shards: 1)
        var control = TrainerControl(checkpointPath: dir + "/s.safetensors", schedule: CheckpointSchedule(everySequences: 4),
                                     nonFinite: NonFinitePolicy(mode: .stop))
        control.gradientHook = Self.nanHook { $0 == 5 }
        guard case .failed(let error, let outcome) = trainer.run(control: control) else { Issue.record("did not fail"); return }
        let first = trainer.model.parameters.first(where: \.trainable)!.name
        #expect(error.message.contains("step 5 "), "\(error.message)")
        #expect(error.message.contains("'\(first)'"), "\(error.message)")
        #expect(error.message.contains("\(dir)/s.safetensors at 8 sequences"), "\(error.message)")
        #expect(!error.message.contains("\n"))
        #expect(outcome.skippedSteps == 1 && outcome.steps == 5)
        #expect(trainer.model.parameters.allSatisfy { p in p.value.array.allSatisfy(\.isFinite) })
    }

    @Test func skipPolicyGivesUpAfterConsecutiveSkips() {
        let trainer = ResumeFixture.trainer(.gru, shards: 1)
        var control = TrainerControl(nonFinite: NonFinitePolicy(mode: .skip, maxConsecutive: 4))
        // Isolated NaNs are fine; from step 9 on every step is NaN.
        control.gradientHook = Self.nanHook { $0 == 2 || $0 == 4 || $0 >= 9 }
        guard case .failed(let error, let outcome) = trainer.run(control: control) else { Issue.record("did not fail"); return }
        #expect(error.message.contains("step 12 ") && error.message.contains("4 consecutive"), "\(error.message)")
        #expect(outcome.skippedSteps == 6)
    }

    @Test func aNonFiniteLossIsNamedAsTheLoss() {
        var rng = RandomSource(seed: 1)
        let model = ModelFactory.make(TrainerTests.tinyNTM, rng: &rng)
        model.parameters.named("output.weight")!.value[0] = .nan
        let trainer = Trainer(model: model, task: ResumeFixture.task,
                              settings: TrainingSettings(sequences: 8, batch: 2, optimizer: OptimizerConfig(name: .adam)),
                              dataRNG: RandomSource(seed: 2), curveEvery: 4)
        guard case .failed(let error, _) = trainer.run(control: TrainerControl(nonFinite: NonFinitePolicy(mode: .stop))) else {
            Issue.record("did not fail"); return
        }
        #expect(error.message.contains("step 1 ") && error.message.contains("non-finite loss"), "\(error.message)")
    }

    // MARK: - Inconsistent states

    @Test func inconsistentStatesAreRefusedWithoutChangingTheTrainer() throws {
        let trainer = ResumeFixture.trainer(.lstm)
        let good = trainer.trainingState(seconds: 0)
        var edits: [(String, (inout TrainingState) -> Void)] = [
            ("beyond budget", { $0.sequences = 1000; $0.steps = 500 }),
            ("steps do not match", { $0.sequences = 4; $0.steps = 3 }),
            ("skips exceed steps", { $0.skipped = 3 }),
            ("updates mismatch", { $0.sequences = 4; $0.steps = 2; $0.optimizerStep = 1 }),
            ("window", { $0.windowCount = 7 }),
            ("curve ahead", { $0.curve = [CurvePoint(sequences: 8, costBits: 1, bitErrors: 1, seconds: 0)] }),
            ("weights", { $0.weights.removeLast() }),
            ("optimizer", { $0.optimizerBuffers[0].removeLast() }),
            ("best without weights", { $0.best = ValidationPoint(sequences: 0, costBits: 1, bitErrors: 1, seconds: 0) }),
        ]
        edits.append(("negative seconds", { $0.seconds = -1 }))
        let before = trainer.model.parameters.map(\.value.array)
        for (name, edit) in edits {
            var s = good
            edit(&s)
            #expect(throws: NTMError.self, "\(name)") { try trainer.restore(s) }
        }
        #expect(trainer.model.parameters.map(\.value.array) == before)
        try trainer.restore(good)
    }
}
