// `ntm-bench report`: a run's and a comparison's report rebuilt from saved directories equal, file for file,
// what the run wrote; seeds run apart merge into the comparison `--seeds` writes; mismatched or damaged
// directories are refused in one line. And what every report records of the build that made it.
import Foundation
import Testing
@_spi(Testing) import NTMCLI
import NTMKit

@Suite("Rebuilt reports and provenance")
struct ReportCommandTests {
    static let flags = ["copy", "--length", "3", "--sequences", "40", "--batch", "2", "--models", "ntm,lstm", "--eval-lengths", "3,6"] + tinySizes

    static func contents(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    @Test func aRunsReportIsRebuiltFileForFile() throws {
        let dir = Scratch.directory("report-run")
        #expect(NTMCLI.run(arguments: Self.flags + ["--out", dir + "/run"]) == 0)
        #expect(NTMCLI.run(arguments: ["report", dir + "/run", "--out", dir + "/rebuilt"]) == 0)
        for file in ["report.md", "results.json", "learning-curves.csv", "validation.csv", "config.json", "learning-curves.svg",
                     "memory-ntm.svg", "ntm.safetensors", "lstm.safetensors"] {
            let original = try #require(Self.contents("\(dir)/run/\(file)"), "\(file)")
            #expect(Self.contents("\(dir)/rebuilt/\(file)") == original, "\(file) differs")
        }
        // In place, too (the default).
        #expect(NTMCLI.run(arguments: ["report", dir + "/run"]) == 0)
    }

    @Test func seedsRunApartMergeIntoTheComparison() throws {
        let dir = Scratch.directory("report-seeds")
        #expect(NTMCLI.run(arguments: Self.flags + ["--seeds", "2", "--out", dir + "/both"]) == 0)
        #expect(NTMCLI.run(arguments: ["report", dir + "/both", "--out", dir + "/both-again"]) == 0)
        #expect(Self.contents(dir + "/both-again/report.md") == Self.contents(dir + "/both/report.md"))
        #expect(Self.contents(dir + "/both-again/results.json") == Self.contents(dir + "/both/results.json"))

        for seed in ["1", "2"] { #expect(NTMCLI.run(arguments: Self.flags + ["--seed", seed, "--out", "\(dir)/s\(seed)"]) == 0) }
        #expect(NTMCLI.run(arguments: ["report", dir + "/s2", dir + "/s1", "--out", dir + "/merged"]) == 0)
        let merged = try JSONValue.parse(Array(try #require(Self.contents(dir + "/merged/results.json"))))
        let together = try JSONValue.parse(Array(try #require(Self.contents(dir + "/both/results.json"))))
        // Everything but the wall times, which differ between two trainings of the same seed.
        func withoutTimes(_ v: JSONValue?) -> JSONValue? {
            switch v {
            case .object(let members)?: return .object(members.filter { !$0.key.contains("seconds") }.map { JSONMember(key: $0.key, value: withoutTimes($0.value)!) })
            case .array(let items)?: return .array(items.map { withoutTimes($0)! })
            default: return v
            }
        }
        #expect(merged["seeds"] == together["seeds"] && withoutTimes(merged["models"]) == withoutTimes(together["models"]))
        let report = try String(contentsOfFile: dir + "/merged/report.md", encoding: .utf8)
        #expect(report.contains("ntm-bench report \(dir)/s2 \(dir)/s1 --out \(dir)/merged"))
        #expect(!report.contains("- machines: ") && merged["seed_provenance"] == nil)

        // Seed 2 as if copied back from another machine: the comparison says what made each seed.
        let path = dir + "/s2/results.json"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let cpu = "\"cpu\": \"\(RunManifest.current().cpu)\""
        #expect(text.contains(cpu))
        try text.replacingOccurrences(of: cpu, with: "\"cpu\": \"Another CPU\"").write(toFile: path, atomically: true, encoding: .utf8)
        #expect(NTMCLI.run(arguments: ["report", dir + "/s1", dir + "/s2", "--out", dir + "/merged2"]) == 0)
        let apart = try String(contentsOfFile: dir + "/merged2/report.md", encoding: .utf8)
        #expect(apart.contains("- machines: seed 1 on \(RunManifest.current().cpu)") && apart.contains("seed 2 on Another CPU"))
        let apartJSON = try JSONValue.parse(Array(try #require(Self.contents(dir + "/merged2/results.json"))))
        #expect(apartJSON["seed_provenance"]?.arrayValue?.map { $0["cpu"]?.stringValue } == [RunManifest.current().cpu, "Another CPU"])
    }

    @Test func mismatchedOrDamagedDirectoriesAreRefused() throws {
        let dir = Scratch.directory("report-bad")
        #expect(NTMCLI.run(arguments: Self.flags + ["--out", dir + "/a"]) == 0)
        #expect(NTMCLI.run(arguments: Self.flags.map { $0 == "3,6" ? "3,5" : $0 } + ["--seed", "2", "--out", dir + "/other"]) == 0)
        #expect(NTMCLI.run(arguments: Self.flags + ["--out", dir + "/same-seed"]) == 0)
        #expect(NTMCLI.run(arguments: ["report", dir + "/a", dir + "/other", "--out", dir + "/m"]) == 2)
        #expect(NTMCLI.run(arguments: ["report", dir + "/a", dir + "/same-seed", "--out", dir + "/m"]) == 2)
        #expect(NTMCLI.run(arguments: ["report", dir + "/a", dir + "/other"]) == 2)
        #expect(NTMCLI.run(arguments: ["report", dir + "/nowhere"]) == 2)
        #expect(NTMCLI.run(arguments: ["report"]) == 2)
        #expect(!FileManager.default.fileExists(atPath: dir + "/m/report.md"))

        // Damage: a results file that is not JSON, a missing checkpoint, a checkpoint of another model.
        try FileManager.default.copyItem(atPath: dir + "/a", toPath: dir + "/broken")
        try "{ not json".write(toFile: dir + "/broken/results.json", atomically: true, encoding: .utf8)
        #expect(NTMCLI.run(arguments: ["report", dir + "/broken", "--out", dir + "/r1"]) == 1)
        try FileManager.default.copyItem(atPath: dir + "/a", toPath: dir + "/nockpt")
        try FileManager.default.removeItem(atPath: dir + "/nockpt/ntm.safetensors")
        #expect(NTMCLI.run(arguments: ["report", dir + "/nockpt", "--out", dir + "/r2"]) != 0)
        try FileManager.default.copyItem(atPath: dir + "/a", toPath: dir + "/swapped")
        try FileManager.default.removeItem(atPath: dir + "/swapped/ntm.safetensors")
        try FileManager.default.copyItem(atPath: dir + "/a/lstm.safetensors", toPath: dir + "/swapped/ntm.safetensors")
        #expect(NTMCLI.run(arguments: ["report", dir + "/swapped", "--out", dir + "/r3"]) == 1)
        try FileManager.default.copyItem(atPath: dir + "/a", toPath: dir + "/badcsv")
        try "model,sequences,cost_bits,bit_errors,seconds\nntm,ten,1,2,3\n".write(toFile: dir + "/badcsv/learning-curves.csv", atomically: true, encoding: .utf8)
        #expect(NTMCLI.run(arguments: ["report", dir + "/badcsv", "--out", dir + "/r4"]) == 1)
        for r in ["r1", "r3", "r4"] { #expect(!FileManager.default.fileExists(atPath: "\(dir)/\(r)/report.md")) }
    }

    @Test func reportsRecordTheBuildThatMadeThem() throws {
        let dir = Scratch.directory("report-provenance")
        #expect(NTMCLI.run(arguments: Self.flags + ["--threads", "1", "--out", dir]) == 0)
        let results = try JSONValue.parse(Array(try #require(Self.contents(dir + "/results.json"))))
        let p = try #require(results["provenance"])
        #expect(p["kit_version"]?.stringValue == KitVersion.version && p["threads"]?.intValue == 1)
        #expect(p["swift"]?.stringValue == KitVersion.swiftCompiler && p["cores"]?.intValue == ProcessInfo.processInfo.activeProcessorCount)
        #expect(p["kernels"]?.stringValue == KernelPath.current.rawValue && p["cpu"]?.stringValue?.isEmpty == false)
        let report = try String(contentsOfFile: dir + "/report.md", encoding: .utf8)
        #expect(report.contains("ntm-kit \(KitVersion.version)") && report.contains("Swift \(KitVersion.swiftCompiler)")
                && report.contains("1 thread;") && report.contains("(1 shard)"))

        // The compiler this test was built by is the one on the PATH that runs it (swift test): the ladder
        // of compiler checks must name it exactly.
        let (status, version) = Self.shell(["swift", "--version"])
        if status == 0 { #expect(version.contains("Swift version \(KitVersion.swiftCompiler) "), "\(version)") }
        // Built from a git checkout (as CI's clean clone is): the commit is the checkout's HEAD.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let (gitStatus, head) = Self.shell(["git", "-C", root, "rev-parse", "HEAD"])
        if gitStatus == 0 {
            let commit = head.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(p["commit"]?.stringValue == commit && SourceCheckout.current?.commit == commit)
            #expect(report.contains("commit \(commit.prefix(12))"))
        }
    }

    @Test func theCommitIsReadFromTheRepositorysOwnFiles() throws {
        let dir = Scratch.directory("checkout")
        let sha = "0123456789abcdef0123456789abcdef01234567", other = "89abcdef0123456789abcdef0123456789abcdef"
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir + "/repo/.git/refs/heads", withIntermediateDirectories: true)
        try "// swift-tools-version: 6.0\n".write(toFile: dir + "/repo/Package.swift", atomically: true, encoding: .utf8)
        try "ref: refs/heads/main\n".write(toFile: dir + "/repo/.git/HEAD", atomically: true, encoding: .utf8)
        try "\(sha)\n".write(toFile: dir + "/repo/.git/refs/heads/main", atomically: true, encoding: .utf8)
        #expect(SourceCheckout.read(root: dir + "/repo")?.commit == sha)
        // Packed refs, and a worktree whose .git is a file naming its directory.
        try fm.removeItem(atPath: dir + "/repo/.git/refs/heads/main")
        try "# pack-refs with: peeled\n\(other) refs/heads/main\n".write(toFile: dir + "/repo/.git/packed-refs", atomically: true, encoding: .utf8)
        #expect(SourceCheckout.read(root: dir + "/repo")?.commit == other)
        try fm.createDirectory(atPath: dir + "/repo/.git/worktrees/w", withIntermediateDirectories: true)
        try "ref: refs/heads/main\n".write(toFile: dir + "/repo/.git/worktrees/w/HEAD", atomically: true, encoding: .utf8)
        try "../..\n".write(toFile: dir + "/repo/.git/worktrees/w/commondir", atomically: true, encoding: .utf8)
        try fm.createDirectory(atPath: dir + "/w", withIntermediateDirectories: true)
        try "// swift-tools-version: 6.0\n".write(toFile: dir + "/w/Package.swift", atomically: true, encoding: .utf8)
        try "gitdir: \(dir)/repo/.git/worktrees/w\n".write(toFile: dir + "/w/.git", atomically: true, encoding: .utf8)
        #expect(SourceCheckout.read(root: dir + "/w")?.commit == other)
        // Not a commit, or no repository: nothing recorded.
        try "ref: refs/heads/gone\n".write(toFile: dir + "/repo/.git/HEAD", atomically: true, encoding: .utf8)
        #expect(SourceCheckout.read(root: dir + "/repo") == nil && SourceCheckout.read(root: dir) == nil)
    }

    static func shell(_ arguments: [String]) -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return (-1, "") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
