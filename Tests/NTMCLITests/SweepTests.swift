// Sweeps: a sweep file expands into hash-named runs (baselines shared across grid points), planning again
// adds only new runs, `sweep run` runs them (skipping done ones, resuming interrupted ones, recording
// failures), the runs are the kit's own runs bit for bit, the merged report of directories done apart equals
// that of one directory, and bad sweep files and manifests are refused in one line.
import Foundation
import Testing
@_spi(Testing) @testable import NTMCLI
@_spi(Testing) import NTMKit

@Suite("Sweeps")
struct SweepTests {
    /// `dispatch` (through `stderrOf`) skips `run`'s registration of the DNC and memnet, which some cases name.
    init() { ArchitectureModels.register() }

    /// A sweep of tiny runs: copy at length 3, two models, two seeds, two NTM memory sizes.
    static let tinySweep = """
        {
          "about": "tiny",
          "tasks": ["copy"],
          "models": ["ntm", "lstm"],
          "seeds": 2,
          "grid": {"ntm.memoryRows": [8, 12]},
          "set": {"task.length": 3, "*.sequences": 20, "*.batch": 2, "evaluation.sequences": 5, "validation.every": 0,
                  "ntm.controllerSize": 12, "ntm.memoryWidth": 4, "lstm.hiddenSize": 12, "lstm.layers": 1},
          "resources": {"cpus": 1, "memory": "1G", "time": "15:00"}
        }
        """

    static func write(_ text: String, _ path: String) {
        FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
    }

    static func contents(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    /// Plans `text` into DIR/sweep and returns the sweep directory.
    static func planned(_ name: String, _ text: String = tinySweep) -> (dir: String, sweep: String, file: String) {
        let dir = Scratch.directory(name)
        write(text, "\(dir)/sweep-file.json")
        #expect(NTMCLI.run(arguments: ["sweep", "plan", "\(dir)/sweep-file.json", "--out", "\(dir)/sweep"]) == 0)
        return (dir, "\(dir)/sweep", "\(dir)/sweep-file.json")
    }

    static func manifest(_ sweep: String) throws -> SweepPlan { try SweepPlan.load(sweep: sweep) }

    // MARK: - Planning

    @Test func aGridPlansEachRunOnceAndPlanningAgainChangesNothing() throws {
        let (_, sweep, file) = Self.planned("sweep-plan")
        let plan = try Self.manifest(sweep)
        // 2 NTM sizes x 2 seeds NTM runs, and the LSTM (untouched by the grid) once per seed.
        #expect(plan.runs.count == 6)
        #expect(plan.runs.filter { $0.model == .lstm }.count == 2)
        #expect(plan.groups.count == 2)
        #expect(plan.groups[0].runs[1] == plan.groups[1].runs[1], "the LSTM runs serve both grid points")
        #expect(plan.groups[0].runs[0] != plan.groups[1].runs[0])
        for run in plan.runs {
            #expect(run.id == SweepPlan.runID(run.config, task: "copy", model: run.model, seed: run.seed))
            #expect(run.id.hasPrefix("copy-\(run.model.rawValue)-s\(run.seed)-"))
        }
        // The NTM's memory rows are what the grid says.
        let rows = plan.groups.map { g in plan.run(id: g.runs[0][0])!.config["ntm"]?["memoryRows"]?.intValue }
        #expect(rows == [8, 12])

        let before = try #require(Self.contents("\(sweep)/sweep.json"))
        var attributes = try FileManager.default.attributesOfItem(atPath: "\(sweep)/sweep.json")
        let modified = attributes[.modificationDate] as? Date
        let again = NTMCLI.runCapturing(arguments: ["sweep", "plan", file, "--out", sweep])
        #expect(again.status == 0)
        #expect(again.output.contains("unchanged: 6 runs"))
        #expect(Self.contents("\(sweep)/sweep.json") == before)
        attributes = try FileManager.default.attributesOfItem(atPath: "\(sweep)/sweep.json")
        #expect(attributes[.modificationDate] as? Date == modified, "planning the same file again must not rewrite the manifest")
    }

    @Test func aChangedFileAddsOnlyTheNewRuns() throws {
        let (_, sweep, file) = Self.planned("sweep-replan")
        let first = try Self.manifest(sweep)
        // A third seed, and the grid's first point removed.
        Self.write(Self.tinySweep.replacingOccurrences(of: "\"seeds\": 2", with: "\"seeds\": 3")
                       .replacingOccurrences(of: "[8, 12]", with: "[12]"), file)
        let result = NTMCLI.runCapturing(arguments: ["sweep", "plan", file, "--out", sweep])
        #expect(result.status == 0)
        let second = try Self.manifest(sweep)
        #expect(Array(second.runs.prefix(first.runs.count)).map(\.id) == first.runs.map(\.id), "earlier runs keep their indices")
        // New: the NTM at 12 rows and the LSTM, on seed 3.
        #expect(second.runs.count == first.runs.count + 2)
        #expect(second.runs.dropFirst(first.runs.count).allSatisfy { $0.seed == 3 && $0.planned })
        // The NTM runs at 8 rows are kept aside, not planned.
        let unplanned = second.runs.filter { !$0.planned }
        #expect(unplanned.count == 2 && unplanned.allSatisfy { $0.model == .ntm && $0.config["ntm"]?["memoryRows"]?.intValue == 8 })
        #expect(result.output.contains("2 new, 2 no longer in the file"))
        #expect(second.groups.count == 1)
    }

    @Test func badSweepFilesAreRefusedInOneLine() throws {
        let dir = Scratch.directory("sweep-bad")
        let cases: [(String, String)] = [
            (Self.tinySweep.replacingOccurrences(of: "\"seeds\": 2", with: "\"seed\": 2"), "unknown key 'seed' (did you mean 'seeds'?)"),
            (Self.tinySweep.replacingOccurrences(of: "[8, 12]", with: "[]"), "grid.ntm.memoryRows must be a non-empty list"),
            (Self.tinySweep.replacingOccurrences(of: "{\"ntm.memoryRows\": [8, 12]}", with: "{}"), "grid is empty"),
            (Self.tinySweep.replacingOccurrences(of: "[8, 12]", with: "[8, 0]"), "ntm.memoryRows=0"),
            (Self.tinySweep.replacingOccurrences(of: "\"1G\"", with: "\"4X\""), "resources.memory must be a size"),
            (Self.tinySweep.replacingOccurrences(of: "\"1G\"", with: "\"1K\""), "needs about"),
            (Self.tinySweep.replacingOccurrences(of: "\"15:00\"", with: "\"5\""), "at least 10 minutes"),
            (Self.tinySweep.replacingOccurrences(of: "\"15:00\"", with: "\"1:2:3:4\""), "must be a Slurm time limit"),
            (Self.tinySweep.replacingOccurrences(of: "[\"copy\"]", with: "[\"cpoy\"]"), "unknown task 'cpoy'"),
            (Self.tinySweep.replacingOccurrences(of: "[\"copy\"]", with: "[]"), "'tasks' must be a non-empty list"),
            (Self.tinySweep.replacingOccurrences(of: "\"ntm\", \"lstm\"", with: "\"ntm\", \"lsmt\""), "unknown model \"lsmt\""),
            (Self.tinySweep.replacingOccurrences(of: "\"ntm.memoryRows\"", with: "\"dnc.memoryRows\""), "not dnc"),
            (Self.tinySweep.replacingOccurrences(of: "\"ntm.memoryRows\"", with: "\"seed\""), "set by the sweep's own 'seeds'"),
            (Self.tinySweep.replacingOccurrences(of: "\"ntm.memoryRows\"", with: "\"ntn.memoryRows\""), "did you mean 'ntm'?"),
            (Self.tinySweep.replacingOccurrences(of: "\"seeds\": 2", with: "\"seeds\": [1, 1]"), "seed 1 is listed twice"),
            (Self.tinySweep.replacingOccurrences(of: "[\"copy\"]", with: "[{\"preset\": \"nowhere.json\"}]"), "cannot read the preset"),
            ("{\"tasks\": [\"copy\"]", "not valid JSON"),
        ]
        for (i, (text, expected)) in cases.enumerated() {
            Self.write(text, "\(dir)/bad\(i).json")
            let (status, message) = try Self.stderrOf(["sweep", "plan", "\(dir)/bad\(i).json", "--out", "\(dir)/out\(i)"])
            #expect(status == 2, "case \(i): \(message)")
            #expect(message.contains(expected), "case \(i): expected '\(expected)' in: \(message)")
            #expect(message.split(separator: "\n").count == 1, "case \(i): one line: \(message)")
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/out\(i)/sweep.json"), "case \(i): nothing planned")
        }
    }

    /// The exit status and the one-line error of a command (in-process; the message as the binary prints it).
    static func stderrOf(_ arguments: [String]) throws -> (Int32, String) {
        do throws(NTMError) {
            return (try NTMCLI.dispatch(arguments), "")
        } catch {
            return (error.exitStatus, error.message)
        }
    }

    @Test func aDamagedManifestIsRefused() throws {
        let (_, sweep, _) = Self.planned("sweep-damaged")
        let path = "\(sweep)/sweep.json"
        let original = String(decoding: try #require(Self.contents(path)), as: UTF8.self)
        // A run's configuration edited without its id: the id no longer names it.
        Self.write(original.replacingOccurrences(of: "\"memoryRows\": 12", with: "\"memoryRows\": 16"), path)
        #expect(throws: NTMError.self) { try SweepPlan.load(sweep: sweep) }
        let edited = try Self.stderrOf(["sweep", "status", sweep])
        #expect(edited.0 == 1 && edited.1.contains("is not the run its configuration describes"), "\(edited.1)")
        Self.write("{\"format\": \"something else\"}", path)
        #expect(try Self.stderrOf(["sweep", "run", sweep]).1.contains("not a sweep manifest"))
        Self.write(String(original.prefix(100)), path)
        #expect(try Self.stderrOf(["sweep", "run", sweep]).1.contains("the manifest is damaged"))
        #expect(try Self.stderrOf(["sweep", "run", sweep + "/nothing"]).0 == 2)
    }

    @Test func theREADMEsSweepFileAndTheCommittedOnesPlan() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let readme = String(decoding: try #require(Self.contents("\(root)/README.md")), as: UTF8.self)
        let section = try #require(readme.range(of: "## Sweeps"))
        let start = try #require(readme.range(of: "```json\n", range: section.upperBound..<readme.endIndex))
        let end = try #require(readme.range(of: "\n```", range: start.upperBound..<readme.endIndex))
        // Where the README's relative preset path resolves as it would from tasks/sweeps/.
        let dir = Scratch.directory("sweep-readme")
        try FileManager.default.createDirectory(atPath: "\(dir)/sweeps", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "\(root)/tasks/priority-sort-short.json", toPath: "\(dir)/priority-sort-short.json")
        Self.write(String(readme[start.upperBound..<end.lowerBound]), "\(dir)/sweeps/readme.json")
        let example = try SweepPlan.expand(try SweepFile.load(path: "\(dir)/sweeps/readme.json"), source: "readme.json")
        // 3 tasks x 4 grid points x 5 seeds NTM runs, and the LSTM once per task and seed.
        #expect(example.runs.count == 3 * 4 * 5 + 3 * 5)
        #expect(example.groups.count == 12)
        // The committed sweep files: the paper's comparison is one table per task, six models each.
        let paper = try SweepPlan.expand(try SweepFile.load(path: "\(root)/tasks/sweeps/paper.json"), source: "paper.json")
        #expect(paper.runs.count == 5 * 6 * 5)
        #expect(paper.groups.map(\.models.count) == [6, 6, 6, 6, 6])
        for name in ["smoke", "smoke-requeue"] {
            _ = try SweepPlan.expand(try SweepFile.load(path: "\(root)/tasks/sweeps/\(name).json"), source: name)
        }
    }

    /// Seeded mutations of a sweep file and of a manifest (a value anywhere replaced by a hostile one, bytes
    /// truncated or flipped): each is planned or loaded, or refused with an error; none may crash.
    @Test func hostileSweepFilesAndManifestsNeverCrash() throws {
        let weird: [JSONValue] = [.null, .bool(true), .number(-1), .number(0), .number(1e300), .number(0.5), .number(7), .string(""),
                                  .string("zz"), .string("9G"), .string("0:00:00"), .string("1-"), .array([]), .object([]),
                                  .array([.number(1), .string("x")]), .object([.init(key: "*", value: .number(3))])]
        var rng = RandomSource(seed: 2026)
        func pick(_ n: Int) -> Int { Int(rng.next() % UInt64(max(1, n))) }
        /// `value` with one node, chosen at random, replaced.
        func mutate(_ value: JSONValue, depth: Int = 0) -> JSONValue {
            switch value {
            case .object(var members) where !members.isEmpty && (depth == 0 || pick(3) > 0):
                let i = pick(members.count)
                members[i].value = mutate(members[i].value, depth: depth + 1)
                return .object(members)
            case .array(var items) where !items.isEmpty && pick(3) > 0:
                let i = pick(items.count)
                items[i] = mutate(items[i], depth: depth + 1)
                return .array(items)
            default:
                return weird[pick(weird.count)]
            }
        }
        func bytes(_ text: String) -> [UInt8] {
            var b = Array(text.utf8)
            switch pick(3) {
            case 0: return Array(b.prefix(pick(b.count)))
            case 1:
                for _ in 0...pick(3) { b[pick(b.count)] ^= UInt8(1) << UInt8(pick(8)) }
                return b
            default: return b
            }
        }
        let sweepJSON = try JSONValue.parse(Self.tinySweep)
        var planned = 0, refused = 0
        for _ in 0..<300 {
            let text = mutate(sweepJSON).serialized()
            do throws(NTMError) {
                _ = try SweepPlan.expand(try SweepFile.decode(bytes(text), source: "fuzz.json", directory: "/nonexistent"), source: "fuzz.json")
                planned += 1
            } catch {
                #expect(!error.message.isEmpty && !error.message.contains("\n"))
                refused += 1
            }
        }
        #expect(planned > 0 && refused > 0, "the mutations reach both outcomes (\(planned) planned, \(refused) refused)")
        let (_, sweep, _) = Self.planned("sweep-fuzz")
        let manifest = try JSONValue.parse(Array(try #require(Self.contents("\(sweep)/sweep.json"))))
        var loaded = 0
        for _ in 0..<300 {
            do throws(NTMError) {
                _ = try SweepPlan.decode(bytes(mutate(manifest).serialized()), source: "sweep.json")
                loaded += 1
            } catch {
                #expect(!error.message.isEmpty && !error.message.contains("\n"))
            }
        }
        #expect(loaded < 300, "a mutated manifest must mostly be refused")
    }

    @Test func slurmTimesAndSizes() throws {
        #expect(try SweepFile.parseTime("90", path: "t") == 5400)
        #expect(try SweepFile.parseTime("10:30", path: "t") == 630)
        #expect(try SweepFile.parseTime("4:00:00", path: "t") == 14400)
        #expect(try SweepFile.parseTime("1-12", path: "t") == 129_600)
        #expect(try SweepFile.parseTime("2-03:04", path: "t") == 2 * 86400 + 3 * 3600 + 4 * 60)
        #expect(try SweepFile.parseTime("1-00:00:01", path: "t") == 86401)
        for bad in ["", "-", "1-", "a", "1:2:3:4", "5", "9:59", "400-00:00:00", "1.5", " 90"] {
            #expect(throws: NTMError.self, "\(bad)") { try SweepFile.parseTime(bad, path: "t") }
        }
        #expect(SweepFile.formatTime(129_600) == "1-12:00:00" && SweepFile.formatTime(630) == "00:10:30")
        #expect(try SweepFile.parseMemory("4G", path: "m") == 4096)
        #expect(try SweepFile.parseMemory("500", path: "m") == 500)
        #expect(try SweepFile.parseMemory("1536k", path: "m") == 2)
        #expect(try SweepFile.parseMemory("1T", path: "m") == 1_048_576)
        for bad in ["", "G", "4X", "-4G", "4.5G", "0", "0M"] {
            #expect(throws: NTMError.self, "\(bad)") { try SweepFile.parseMemory(bad, path: "m") }
        }
    }

    // MARK: - Running

    @Test func twoSweepRunsOnOneDirectorySplitTheRuns() throws {
        let (_, sweep, _) = Self.planned("sweep-two-processes")
        // Two `sweep run`s at once (as two machines sharing the directory would be): every run is done once.
        let statuses = Counter()
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            if NTMCLI.runCapturing(arguments: ["sweep", "run", sweep, "--quiet"]).status == 0 { statuses.add() }
        }
        #expect(statuses.value == 2)
        let plan = try Self.manifest(sweep)
        for run in plan.runs {
            // One claim generation each: no run was taken twice.
            #expect(RunClaim.generations("\(sweep)/runs/\(run.id)") == [1], "\(run.id)")
        }
        #expect(NTMCLI.runCapturing(arguments: ["sweep", "status", sweep]).output.contains("6 done"))
    }

    @Test func aSweepRunWaitsForAnotherProcesssReportInsteadOfFailing() throws {
        let (_, sweep, _) = Self.planned("sweep-report-wait")
        // Another process writing the sweep's report as this one finishes (the race two machines sharing a
        // directory meet): the runs are done, so this one waits for the lock and then writes its own report.
        nonisolated(unsafe) let held = try OutputLock.acquire(directory: sweep, command: "report")
        let released = Counter()
        DispatchQueue.global().asyncAfter(deadline: .now() + 1) {
            released.add()
            held.release()
        }
        let result = NTMCLI.runCapturing(arguments: ["sweep", "run", sweep, "--quiet"])
        #expect(result.status == 0, "\(result.output)")
        #expect(released.value == 1, "the report was written while another process held the directory's lock")
        #expect(result.output.contains("report: \(sweep)/report.md"))
        #expect(FileManager.default.fileExists(atPath: "\(sweep)/report.md"))
    }

    @Test func sweepRunRunsEveryRunAsTheKitWouldAndSkipsThemAfterwards() throws {
        let (dir, sweep, _) = Self.planned("sweep-run")
        let first = NTMCLI.runCapturing(arguments: ["sweep", "run", sweep, "--jobs", "2", "--quiet"])
        #expect(first.status == 0)
        #expect(first.output.contains("6 runs finished"), "\(first.output)")
        let plan = try Self.manifest(sweep)
        for run in plan.runs {
            let results = try JSONValue.parse(Array(try #require(Self.contents("\(sweep)/runs/\(run.id)/results.json"))))
            #expect(results["status"]?.stringValue == "finished")
        }
        let report = try #require(Self.contents("\(sweep)/report.md"))
        let text = String(decoding: report, as: UTF8.self)
        #expect(text.contains("### ntm.memoryRows = 8") && text.contains("### ntm.memoryRows = 12"))
        #expect(text.contains("None: every planned run finished."))
        for slug in ["copy-1", "copy-2"] {
            #expect(FileManager.default.fileExists(atPath: "\(sweep)/figures/\(slug)-learning-curves.svg"))
        }

        // The run is the kit's run: the same model, seed and settings trained by `train --preset` give the same numbers.
        let run = try #require(plan.runs.first { $0.model == .ntm && $0.seed == 2 })
        Self.write(run.config.serialized(), "\(dir)/one.json")
        #expect(NTMCLI.run(arguments: ["train", "--preset", "\(dir)/one.json", "--out", "\(dir)/alone", "--quiet"]) == 0)
        let alone = try JSONValue.parse(Array(try #require(Self.contents("\(dir)/alone/results.json"))))
        let swept = try JSONValue.parse(Array(try #require(Self.contents("\(sweep)/runs/\(run.id)/results.json"))))
        #expect(alone["models"]?.arrayValue?.first?["eval"] == swept["models"]?.arrayValue?.first?["eval"])
        #expect(Self.contents("\(dir)/alone/ntm.safetensors") == Self.contents("\(sweep)/runs/\(run.id)/ntm.safetensors"))

        // Again: nothing to do, and the same report.
        let second = NTMCLI.runCapturing(arguments: ["sweep", "run", sweep, "--quiet"])
        #expect(second.status == 0)
        #expect(second.output.contains("0 runs finished") && second.output.contains("6 of 6 done"), "\(second.output)")
        #expect(Self.contents("\(sweep)/report.md") == report)
        let status = NTMCLI.runCapturing(arguments: ["sweep", "status", sweep])
        #expect(status.output.hasPrefix("\(sweep): 6 runs: 6 done, 0 running, 0 failed, 0 pending"))
    }

    @Test func nGramsComparisonsAreJudgedByCostAgainstTheOptimalPredictor() throws {
        let text = """
            {"tasks": [{"task": "ngrams", "set": {"task.length": 30}}], "models": ["ntm", "lstm"], "seeds": 1,
             "set": {"*.sequences": 8, "*.batch": 4, "evaluation.sequences": 5, "ntm.controllerSize": 12, "ntm.memoryRows": 8,
                     "ntm.memoryWidth": 4, "lstm.hiddenSize": 12, "lstm.layers": 1}}
            """
        let (_, sweep, _) = Self.planned("sweep-ngrams", text)
        #expect(NTMCLI.run(arguments: ["sweep", "run", sweep, "--quiet"]) == 0)
        let report = String(decoding: try #require(Self.contents("\(sweep)/report.md")), as: UTF8.self)
        #expect(report.contains("| model | cost @ 30 | optimal (Bayesian) @ 30 | mean above optimal @ 30 |"), "\(report)")
        #expect(!report.contains("| solved |"), "N-grams are never solved outright")
    }

    @Test func anInterruptedSweepResumesItsRunsRatherThanRestartingThem() throws {
        let (_, sweep, _) = Self.planned("sweep-resume")
        let (_, reference, _) = Self.planned("sweep-resume-reference")
        #expect(NTMCLI.run(arguments: ["sweep", "run", reference, "--quiet"]) == 0)

        // Every run stops after 4 of its 10 steps, as if Slurm had signalled it, leaving checkpoints.
        let stop = StopToken()
        stop.stopAfterSteps = 4
        #expect(NTMCLI.run(arguments: ["sweep", "run", sweep, "--quiet"], hooks: RunHooks(stop: stop)) != 0)
        let plan = try Self.manifest(sweep)
        let states = SweepState.states(plan, sweep: sweep)
        #expect(states.allSatisfy { if case .pending(let p) = $0.state { return p != nil } else { return false } },
                "every run pending with a checkpoint: \(states.map(\.state))")
        let status = NTMCLI.runCapturing(arguments: ["sweep", "status", sweep])
        #expect(status.output.contains("pending, checkpoint at 8 sequences"), "\(status.output)")

        #expect(NTMCLI.run(arguments: ["sweep", "run", sweep, "--jobs", "2", "--quiet"]) == 0)
        for run in plan.runs {
            let resumed = try JSONValue.parse(Array(try #require(Self.contents("\(sweep)/runs/\(run.id)/results.json"))))
            let whole = try JSONValue.parse(Array(try #require(Self.contents("\(reference)/runs/\(run.id)/results.json"))))
            #expect(resumed["models"]?.arrayValue?.first?["eval"] == whole["models"]?.arrayValue?.first?["eval"], "\(run.id)")
            #expect(Self.contents("\(sweep)/runs/\(run.id)/\(run.model.rawValue).safetensors")
                    == Self.contents("\(reference)/runs/\(run.id)/\(run.model.rawValue).safetensors"), "\(run.id)")
        }
    }

    @Test func aFailedRunIsReportedWithItsErrorAndSkippedUnlessRetried() throws {
        let (_, sweep, _) = Self.planned("sweep-fail")
        let plan = try Self.manifest(sweep)
        let victim = plan.runs[2]
        // A damaged training checkpoint: the run cannot resume from it.
        let state = "\(sweep)/runs/\(victim.id)/train-state"
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        Self.write("not a checkpoint", "\(state)/\(victim.model.rawValue).safetensors")
        let first = NTMCLI.runCapturing(arguments: ["sweep", "run", sweep, "--quiet"])
        #expect(first.status == 1)
        #expect(first.output.contains("5 runs finished") && first.output.contains("1 failed"), "\(first.output)")
        #expect(first.output.contains("failed: \(victim.id):"))
        let status = NTMCLI.runCapturing(arguments: ["sweep", "status", sweep])
        #expect(status.output.contains("5 done, 0 running, 1 failed, 0 pending"))
        #expect(status.output.contains("\(victim.id)\tfailed: "), "\(status.output)")
        let report = String(decoding: try #require(Self.contents("\(sweep)/report.md")), as: UTF8.self)
        #expect(report.contains("`\(victim.id)`") && report.contains("failed: "))

        // Skipped by default; run again (and fail again) with --retry-failed; fixed, it finishes.
        let skipped = NTMCLI.runCapturing(arguments: ["sweep", "run", sweep, "--quiet"])
        #expect(skipped.status == 0 && skipped.output.contains("1 failed before (skipped; --retry-failed)"), "\(skipped.output)")
        #expect(NTMCLI.run(arguments: ["sweep", "run", sweep, "--retry-failed", "--quiet"]) == 1)
        try FileManager.default.removeItem(atPath: "\(state)/\(victim.model.rawValue).safetensors")
        #expect(NTMCLI.run(arguments: ["sweep", "run", sweep, "--retry-failed", "--quiet"]) == 0)
        #expect(NTMCLI.runCapturing(arguments: ["sweep", "status", sweep]).output.contains("6 done"))
    }

    @Test func sweepDirectoriesDoneApartMergeIntoTheSameReport() throws {
        // The same sweep planned twice (two clusters); each runs half of it by index, as array tasks would.
        let (_, a, file) = Self.planned("sweep-merge-a")
        let b = Scratch.directory("sweep-merge-b") + "/sweep"
        #expect(NTMCLI.run(arguments: ["sweep", "plan", file, "--out", b]) == 0)
        let plan = try Self.manifest(a)
        for run in plan.runs {
            #expect(NTMCLI.run(arguments: ["sweep", "run", run.index % 2 == 0 ? a : b, "--index", "\(run.index)", "--quiet"]) == 0)
        }
        let (_, whole, _) = Self.planned("sweep-merge-whole")
        #expect(NTMCLI.run(arguments: ["sweep", "run", whole, "--quiet"]) == 0)
        let out = Scratch.directory("sweep-merge-out")
        let merged = NTMCLI.runCapturing(arguments: ["report", a, b, "--out", out])
        #expect(merged.status == 0 && merged.output.contains("6 of 6 runs finished"), "\(merged.output)")
        // Half a sweep alone lists the other half as not finished.
        #expect(NTMCLI.run(arguments: ["report", a, "--out", out + "/half"]) == 0)
        let half = String(decoding: try #require(Self.contents(out + "/half/report.md")), as: UTF8.self)
        #expect(half.contains("3 finished, 0 failed, 3 not finished"))
        #expect(!half.contains("None: every planned run finished."))

        func body(_ path: String) throws -> [String] {
            String(decoding: try #require(Self.contents(path)), as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
                .map(String.init).filter { !$0.hasPrefix("ntm-bench report") && !$0.hasPrefix("# Sweep:") }
        }
        #expect(try body(out + "/report.md") == body(whole + "/report.md"))
        for name in try FileManager.default.contentsOfDirectory(atPath: whole + "/figures") {
            #expect(Self.contents("\(out)/figures/\(name)") == Self.contents("\(whole)/figures/\(name)"), "\(name)")
        }
        // A directory of another sweep is refused.
        let other = Self.planned("sweep-merge-other", Self.tinySweep.replacingOccurrences(of: "[8, 12]", with: "[8, 16]")).sweep
        let refused = try Self.stderrOf(["report", a, other, "--out", out + "/x"])
        #expect(refused.0 == 2 && refused.1.contains("is not the same sweep"))
    }

    @Test func theSlurmScriptHasOneArrayTaskPerUnfinishedRun() throws {
        let (_, sweep, _) = Self.planned("sweep-slurm")
        #expect(NTMCLI.run(arguments: ["sweep", "run", sweep, "--index", "1", "--quiet"]) == 0)
        let dry = NTMCLI.runCapturing(arguments: ["sweep", "slurm", sweep, "--dry-run", "--max-parallel", "3", "--time", "1:00:00"])
        #expect(dry.status == 0)
        let lines = dry.output.split(separator: "\n").map(String.init)
        #expect(lines.contains("#SBATCH --array=0,2-5%3"), "\(dry.output)")
        #expect(lines.contains("#SBATCH --time=01:00:00"))
        #expect(lines.contains("#SBATCH --cpus-per-task=1") && lines.contains("#SBATCH --mem=1024M"))
        #expect(lines.contains("#SBATCH --requeue") && lines.contains("#SBATCH --signal=B:USR1@180"))
        #expect(lines.last?.hasPrefix("exec '") == true && lines.last?.contains("sweep run '\(sweep)' --index \"$SLURM_ARRAY_TASK_ID\"") == true)
        #expect(!FileManager.default.fileExists(atPath: "\(sweep)/slurm/array.sbatch"), "--dry-run writes nothing")
        let written = NTMCLI.runCapturing(arguments: ["sweep", "slurm", sweep])
        #expect(written.status == 0 && written.output.contains("5 array tasks"))
        #expect(FileManager.default.fileExists(atPath: "\(sweep)/slurm/array.sbatch"))
        #expect(try Self.stderrOf(["sweep", "slurm", sweep, "--time", "5"]).1.contains("at least 10 minutes"))
        #expect(try Self.stderrOf(["sweep", "slurm", sweep, "--wait"]).1.contains("add --submit"))
        #expect(try Self.stderrOf(["sweep", "slurm", sweep, "--partition", "cpu; rm -rf /"]).1.contains("must be a Slurm partition name"))
        #expect(try Self.stderrOf(["sweep", "slurm", sweep, "--mem", "lots"]).1.contains("must be a size"))
        #expect(NTMCLI.runCapturing(arguments: ["sweep", "slurm", sweep, "--dry-run", "--partition", "long"]).output
                    .contains("#SBATCH --partition=long\n"))
        #expect(SlurmScript.arraySpec([0, 1, 2, 4, 6, 7]) == "0-2,4,6-7")
    }

    @Test func slurmDirectivesQuotePathsAndRefuseWhatTheyCannotCarry() throws {
        // sbatch splits an #SBATCH line at spaces outside double quotes (.ci/slurm-sweep.sh runs a sweep whose
        // path has a space on a real Slurm); it has no escape for '"', and '%' and '\\' change the file name.
        let options = SlurmScript.Options(partition: nil, timeSeconds: 3600, cpus: 1, memoryMB: 1024, maxParallel: nil)
        func render(_ sweep: String, cwd: String = "/home/me/work dir") throws(NTMError) -> [String] {
            try SlurmScript.render(sweep: "s", sweepAbsolute: sweep, workingDirectory: cwd, binary: "/bin/ntm-bench", indices: [0, 1],
                                   options: options, jobName: "j").split(separator: "\n").map(String.init)
        }
        let lines = try render("/scratch/my sweeps/paper")
        #expect(lines.contains("#SBATCH --output=\"/scratch/my sweeps/paper/slurm/%A_%a.out\""), "\(lines)")
        #expect(lines.contains("#SBATCH --chdir=\"/home/me/work dir\""))
        for bad in ["/scratch/100%/s", "/scratch/a\"b/s", "/scratch/a\\b/s", "/scratch/a\nb/s"] {
            let error = #expect(throws: NTMError.self, "\(bad)") { _ = try render(bad) }
            #expect(error?.message.contains("which an #SBATCH line cannot carry") == true && error?.message.contains("\n") == false,
                    "\(error?.message ?? "")")
        }
        #expect(throws: NTMError.self) { _ = try render("/scratch/s", cwd: "/home/50%") }
    }

    @Test func aNotebookBlockRunsASweepAndShowsItsReport() throws {
        let dir = Scratch.directory("sweep-notebook")
        Self.write(Self.tinySweep, "\(dir)/tiny.json")
        let notebook = "\(dir)/sweep.md"
        Self.write("# A sweep\n\nProse stays.\n\n```ntm-bench tiny\nntm-bench sweep run \(dir)/tiny.json --jobs 2\n```\n", notebook)
        #expect(NTMCLI.run(arguments: ["notebook", "run", notebook, "--runs", "\(dir)/runs"]) == 0)
        let text = String(decoding: try #require(Self.contents(notebook)), as: UTF8.self)
        #expect(text.contains("Prose stays."))
        #expect(text.contains("### ntm.memoryRows = 12"), "\(text)")
        #expect(text.contains("ntm-bench sweep run \(dir)/tiny.json --jobs 2 --out $RUNS/tiny --quiet"))
        // The figures are copied beside the notebook and the report's links point at them.
        #expect(text.contains("](sweep-tiny-figures-copy-1-learning-curves.svg)"))
        #expect(FileManager.default.fileExists(atPath: "\(dir)/sweep-tiny-figures-copy-1-learning-curves.svg"))
        #expect(NTMCLI.run(arguments: ["notebook", "check", notebook, "--from", "\(dir)/runs"]) == 0)
        #expect(NTMCLI.run(arguments: ["notebook", "check", notebook]) == 0)
        // A saved sweep of another file does not stand for the block.
        Self.write(Self.tinySweep.replacingOccurrences(of: "[8, 12]", with: "[8, 16]"), "\(dir)/tiny.json")
        #expect(NTMCLI.run(arguments: ["notebook", "check", notebook, "--from", "\(dir)/runs"]) != 0)
    }

    // MARK: - Claims

    static func owner(host: String = ClaimOwner.hostName, pid: Int32 = getpid(), slurm: String? = nil, restarts: Int = 0) -> ClaimOwner {
        ClaimOwner(host: host, pid: pid, processStart: ClaimOwner.current().processStart, slurmTask: slurm, restarts: restarts,
                   started: Date().timeIntervalSince1970)
    }

    @Test func aClaimIsExclusiveUntilReleased() throws {
        let run = Scratch.directory("claim-exclusive")
        guard case .acquired(let claim) = try RunClaim.acquire(run: run, owner: Self.owner()) else {
            Issue.record("the first claim must succeed")
            return
        }
        // Another process of this host asks while this one (alive) holds it.
        guard case .busy(let holder) = try RunClaim.acquire(run: run, owner: Self.owner(pid: 1)) else {
            Issue.record("a live claim must be refused")
            return
        }
        #expect(holder?.pid == getpid())
        claim.release(outcome: "finished")
        #expect(RunClaim.inspect(run: run) == .released(outcome: "finished"))
        guard case .acquired(let next) = try RunClaim.acquire(run: run, owner: Self.owner(pid: 1)) else {
            Issue.record("a released claim must be taken")
            return
        }
        #expect(next.generation == 2)
        next.release(outcome: "interrupted")
    }

    @Test func aClaimOfAGoneOwnerIsTakenOver() throws {
        // Same host, a process that no longer exists.
        let dead = Scratch.directory("claim-dead")
        try Self.forge(dead, owner: Self.owner(pid: Int32.max - 7), heartbeat: Date().timeIntervalSince1970)
        guard case .stale(_, let reason) = RunClaim.inspect(run: dead) else { Issue.record("a dead owner's claim is stale"); return }
        #expect(reason.contains("is gone"))
        guard case .acquired(let a) = try RunClaim.acquire(run: dead, owner: Self.owner()) else { Issue.record("taken over"); return }
        a.release(outcome: "finished")

        // Another host, whose heartbeat stopped longer ago than the lease.
        let silent = Scratch.directory("claim-silent")
        try Self.forge(silent, owner: Self.owner(host: "node-elsewhere", pid: 4242), heartbeat: Date().timeIntervalSince1970 - 120)
        guard case .live = RunClaim.inspect(run: silent, lease: 600) else { Issue.record("within the lease it is live"); return }
        guard case .stale(_, let why) = RunClaim.inspect(run: silent, lease: 60) else { Issue.record("beyond the lease, stale"); return }
        #expect(why.contains("no heartbeat"))

        // A requeued Slurm array task takes over its own earlier incarnation at once, on any host.
        let requeued = Scratch.directory("claim-requeued")
        try Self.forge(requeued, owner: Self.owner(host: "node-a", pid: 4242, slurm: "812_3", restarts: 0),
                       heartbeat: Date().timeIntervalSince1970)
        let me = Self.owner(host: "node-b", slurm: "812_3", restarts: 1)
        guard case .stale(_, let requeue) = RunClaim.inspect(run: requeued, as: me) else { Issue.record("requeued: stale"); return }
        #expect(requeue.contains("requeued"))
        guard case .live = RunClaim.inspect(run: requeued, as: Self.owner(host: "node-b", slurm: "812_4", restarts: 1)) else {
            Issue.record("another array task must wait"); return
        }
        guard case .acquired(let r) = try RunClaim.acquire(run: requeued, owner: me) else { Issue.record("taken over"); return }
        #expect(r.generation == 2)
        r.release(outcome: "finished")
    }

    /// Writes generation 1 of a claim as another process would have.
    static func forge(_ run: String, owner: ClaimOwner, heartbeat: Double) throws {
        let g = "\(run)/.claims/g00000001"
        try FileManager.default.createDirectory(atPath: g, withIntermediateDirectories: true)
        var o = owner
        o.started = heartbeat
        if o.host != ClaimOwner.hostName || o.pid != getpid() { o.processStart = "1" }
        write(o.json.serialized(), "\(g)/owner.json")
        write("{\"time\": \(heartbeat), \"count\": 1}", "\(g)/heartbeat")
    }

    @Test func ofManyContendersExactlyOneGetsTheRun() throws {
        let run = Scratch.directory("claim-race")
        let winners = Counter()
        DispatchQueue.concurrentPerform(iterations: 16) { i in
            if case .acquired(let c) = try? RunClaim.acquire(run: run, owner: Self.owner(host: "node\(i)", pid: 1000 + Int32(i))) {
                winners.add()
                _ = c
            }
        }
        #expect(winners.value == 1)
        #expect(RunClaim.generations(run) == [1])
    }

    @Test func anOwnerWhoseRunIsTakenOverIsTold() async throws {
        let run = Scratch.directory("claim-lost")
        let told = Counter()
        guard case .acquired(let claim) = try RunClaim.acquire(run: run, owner: Self.owner(), lease: 2, onLost: { told.add() }) else {
            Issue.record("acquired"); return
        }
        // Someone else takes the next generation (as after a lease that ran out while this owner stalled).
        try FileManager.default.createDirectory(atPath: "\(run)/.claims/g00000002", withIntermediateDirectories: true)
        for _ in 0..<40 where told.value == 0 { try await Task.sleep(nanoseconds: 50_000_000) }
        #expect(told.value == 1)
        #expect(claim.lost)
        claim.release(outcome: "interrupted")
        #expect(!FileManager.default.fileExists(atPath: "\(run)/.claims/g00000001/released"), "a lost claim is not released over the new owner")
    }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var n = 0
        func add() { lock.withLock { n += 1 } }
        var value: Int { lock.withLock { n } }
    }
}
