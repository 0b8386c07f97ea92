// Curricula: none draws nothing, uniform draws like the task itself, naive and lookback advance exactly
// as specified on a controlled example, and a training stopped mid-curriculum resumes bit for bit.
import Foundation
import Testing
import NTMKit
@_spi(Testing) import NTMTraining

@Suite("Curricula")
struct CurriculumTests {
    @Test func noneDrawsNothing() {
        var rng = RandomSource(seed: 3)
        let before = rng
        for _ in 0..<10 { #expect(Curriculum.none.nextLevel(rng: &rng) == nil) }
        #expect(rng == before)
        #expect(Curriculum.none.state == nil)
    }

    @Test func naiveAdvancesWhenTheWindowIsUnderTheThreshold() {
        let config = CurriculumConfig(kind: .naive, start: 2, step: 2, threshold: 1, window: 4)
        var c = Curriculum(config: config, levels: 2...7)
        var rng = RandomSource(seed: 1)
        #expect(c.nextLevel(rng: &rng) == 2 && c.state == CurriculumState(level: 2))
        // A window of 4 sequences at level 2 with 0.5 errors per sequence: under 1, so up by 2.
        c.record(level: 2, bitErrors: 0.5, sequences: 2)
        #expect(c.state == CurriculumState(level: 2, windowErrors: 1, windowCount: 2))
        c.record(level: 2, bitErrors: 0.5, sequences: 2)
        #expect(c.state == CurriculumState(level: 4))
        // Batches at other levels do not count; a window at 1.5 errors per sequence does not advance.
        c.record(level: 2, bitErrors: 0, sequences: 4)
        c.record(level: 4, bitErrors: 1, sequences: 2)
        c.record(level: 4, bitErrors: 2, sequences: 2)
        #expect(c.state == CurriculumState(level: 4))
        // Two more good windows: 6, then the top (7, not 8).
        c.record(level: 4, bitErrors: 0, sequences: 4)
        c.record(level: 6, bitErrors: 0, sequences: 4)
        #expect(c.state?.level == 7 && c.nextLevel(rng: &rng) == 7)
        c.record(level: 7, bitErrors: 0, sequences: 4)
        #expect(c.state == CurriculumState(level: 7))
        // Naive never draws.
        let r = rng
        _ = c.nextLevel(rng: &rng)
        #expect(rng == r)
    }

    @Test func lookbackGoesBackWithItsProbability() {
        var always = Curriculum(config: CurriculumConfig(kind: .lookback, start: 1, probability: 1), levels: 1...10)
        try? always.restore(CurriculumState(level: 5))
        var never = Curriculum(config: CurriculumConfig(kind: .lookback, start: 1, probability: 0), levels: 1...10)
        try? never.restore(CurriculumState(level: 5))
        var rng = RandomSource(seed: 2)
        var seen = Set<Int>()
        for _ in 0..<400 { seen.insert(always.nextLevel(rng: &rng)!) }
        #expect(seen == Set(1...5))
        for _ in 0..<50 { #expect(never.nextLevel(rng: &rng) == 5) }
        // With 0.25, about a quarter of the batches go back (to a level up to the current one).
        var sometimes = Curriculum(config: CurriculumConfig(kind: .lookback, start: 1, probability: 0.25), levels: 1...10)
        try? sometimes.restore(CurriculumState(level: 8))
        let back = (0..<4000).filter { _ in sometimes.nextLevel(rng: &rng)! < 8 }.count
        #expect((800...1200).contains(back), "\(back) of 4000 went back")
    }

    @Test func uniformDrawsEveryLevel() {
        let c = Curriculum(config: CurriculumConfig(kind: .uniform), levels: 3...6)
        var rng = RandomSource(seed: 4)
        #expect(Set((0..<200).map { _ in c.nextLevel(rng: &rng)! }) == Set(3...6))
        #expect(c.state == nil)
    }

    @Test func restoreRefusesStatesThatDoNotFit() {
        var naive = Curriculum(config: CurriculumConfig(kind: .naive), levels: 1...5)
        #expect(throws: NTMError.self) { try naive.restore(nil) }
        #expect(throws: NTMError.self) { try naive.restore(CurriculumState(level: 6)) }
        #expect(throws: NTMError.self) { try naive.restore(CurriculumState(level: 3, windowErrors: .nan)) }
        var none = Curriculum.none
        #expect(throws: NTMError.self) { try none.restore(CurriculumState(level: 1)) }
        try? naive.restore(CurriculumState(level: 3, windowErrors: 2, windowCount: 2))
        #expect(naive.state == CurriculumState(level: 3, windowErrors: 2, windowCount: 2))
    }

    // MARK: - In the trainer

    static func trainer(_ curriculum: CurriculumConfig, sequences: Int = 48, seed: UInt64 = 1) -> Trainer {
        var rng = RandomSource(seed: seed)
        var config = TrainerTests.tinyNTM
        config.kind = .lstm
        let model = ModelFactory.make(config, rng: &rng)
        let task = CopyTask(bits: 4, minLength: 1, maxLength: 6)
        return Trainer(model: model, task: task,
                       settings: TrainingSettings(sequences: sequences, batch: 2,
                                                  optimizer: OptimizerConfig(name: .adam, learningRate: 3e-3)),
                       dataRNG: RandomSource(seed: 77), curveEvery: 8,
                       validation: ValidationSettings(every: 16, sequences: 4, length: 6, seed: 5, keepBest: true),
                       curriculum: Curriculum(config: curriculum, levels: (curriculum.start ?? 1)...6))
    }

    /// For copy, a uniform curriculum over the training range draws the same lengths the task draws
    /// itself, from the same stream: the same training, bit for bit.
    @Test func uniformOverTheTrainingRangeIsTheTasksOwnDistribution() {
        let a = Self.trainer(.none), b = Self.trainer(CurriculumConfig(kind: .uniform))
        let oa = a.run(), ob = b.run()
        #expect(zip(a.model.parameters, b.model.parameters).allSatisfy { $0.value.array == $1.value.array })
        #expect(oa.curve.map(\.costBits) == ob.curve.map(\.costBits) && oa.curve.map(\.sequences) == ob.curve.map(\.sequences))
        #expect(oa.curriculumLevel == nil && ob.curriculumLevel == nil)
    }

    /// A naive curriculum with a generous threshold climbs one level per window, and its level is reported.
    @Test func naiveClimbsInTraining() {
        let t = Self.trainer(CurriculumConfig(kind: .naive, start: 1, step: 1, threshold: 1000, window: 8))
        let outcome = t.run()
        // 48 sequences, windows of 8 at the current level: 1 → 6 after 5 windows.
        #expect(outcome.curriculumLevel == 6)
        let strict = Self.trainer(CurriculumConfig(kind: .naive, start: 2, threshold: 0, window: 8)).run()
        #expect(strict.curriculumLevel == 2)
    }

    /// Stopped after 5 and 13 steps mid-curriculum and resumed from the checkpoint into a fresh trainer,
    /// a lookback training ends exactly where the uninterrupted one does, curriculum state included.
    @Test(arguments: [CurriculumConfig.Kind.naive, .lookback])
    func resumesBitForBitMidCurriculum(kind: CurriculumConfig.Kind) throws {
        let curriculum = CurriculumConfig(kind: kind, start: 1, step: 1, threshold: 1000, window: 6, probability: 0.3)
        let dir = ResumeFixture.scratch("curriculum")
        let straight = Self.trainer(curriculum)
        guard case .finished = straight.run(control: TrainerControl(checkpointPath: dir + "/a.safetensors")) else {
            Issue.record("did not finish"); return
        }
        let stop = StopToken()
        var trainer = Self.trainer(curriculum)
        var levels: [Int] = []
        for limit in [5, 13] {
            stop.stopAfterSteps = limit
            guard case .interrupted = trainer.run(control: TrainerControl(stop: stop, checkpointPath: dir + "/b.safetensors")) else {
                Issue.record("leg \(limit) did not stop"); return
            }
            trainer = Self.trainer(curriculum, seed: 99)
            let file = try SafeTensorsFile.read(path: dir + "/b.safetensors")
            #expect(file.metadata["curriculum"] != nil)
            let state = try TrainingCheckpoint.decode(file, source: "b", model: trainer.model, optimizer: trainer.state.optimizer)
            try trainer.restore(state)
            levels.append(try #require(state.curriculum?.level))
        }
        #expect(levels[1] > levels[0], "the curriculum did not move between the legs: \(levels)")
        stop.stopAfterSteps = nil
        guard case .finished(let resumed) = trainer.run(control: TrainerControl(stop: stop, checkpointPath: dir + "/b.safetensors")) else {
            Issue.record("the resumed run did not finish"); return
        }
        #expect(zip(straight.model.parameters, trainer.model.parameters).allSatisfy { $0.value.array == $1.value.array })
        #expect(resumed.curriculumLevel == straight.finalState?.curriculum?.level)
        let a = try ResumeFixture.load(dir + "/a.safetensors", into: Self.trainer(curriculum))
        let b = try ResumeFixture.load(dir + "/b.safetensors", into: Self.trainer(curriculum))
        #expect(a.sameNumbers(as: b) && a.curriculum == b.curriculum && a.curriculum != nil)
        // A checkpoint without a curriculum state does not resume a curriculum run, and the reverse.
        var plain = TrainingCheckpoint.file(a, model: trainer.model, optimizer: trainer.state.optimizer)
        plain.metadata["curriculum"] = nil
        plain.metadata["checksum"] = TrainingCheckpoint.checksum(of: plain)
        let decoded = try TrainingCheckpoint.decode(plain, source: "plain", model: trainer.model, optimizer: trainer.state.optimizer)
        #expect(throws: NTMError.self) { try Self.trainer(curriculum).restore(decoded) }
        #expect(throws: NTMError.self) { try Self.trainer(.none).restore(a) }
    }
}
