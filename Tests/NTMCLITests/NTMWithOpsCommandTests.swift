// `ntm-ops`, the NTM written forward-only with ops, registered through the public ModelEntry path:
// every command takes it beside the fused NTM.
import Foundation
import Testing
import NTMCLI
import NTMKit
@testable import NTMTraining
import _NTMTestSupport

@Suite("ntm-ops on the command line")
struct NTMWithOpsCommandTests {
    @Test func copyTrainsItBesideTheNTMAndEveryFileServesIt() throws {
        let dir = Scratch.directory("ntm-ops-copy")
        #expect(NTMCLI.run(arguments: ["copy", "--models", "ntm,ntm-ops", "--length", "3", "--sequences", "30",
                                       "--eval-sequences", "5", "--quiet", "--out", dir]) == 0)
        for f in ["ntm-ops.safetensors", "memory-ntm-ops.svg", "train-state/ntm-ops.safetensors"] {
            #expect(FileManager.default.fileExists(atPath: dir + "/" + f), "\(f) missing")
        }
        let report = try String(contentsOfFile: dir + "/report.md", encoding: .utf8)
        #expect(report.contains("| ntm-ops | 63,136 | 30 |"), "\(report)")
        #expect(report.contains("ntm-ops (the NTM written with ops): a 1 x 100 LSTM controller, memory 128 x 20"))
        // Two memory models: each model's table of head focus ends before the next model's paragraph.
        #expect(report.contains("|\n\nThe NTM-OPS on the first evaluation sequence"))
        // The checkpoint builds the ops NTM again, with the fused NTM's parameter names.
        let (model, config) = try Checkpoint.loadModel(path: dir + "/ntm-ops.safetensors")
        #expect(model is GraphModel && model.kind == "ntm-ops" && config.int("memoryRows") == 128)
        let (fused, _) = try Checkpoint.loadModel(path: dir + "/ntm.safetensors")
        #expect(model.parameters.map(\.name) == fused.parameters.map(\.name))
        // A trace records its head weightings under the NTM's names.
        let traced = Scratch.directory("ntm-ops-trace")
        #expect(NTMCLI.run(arguments: ["trace", "--model", "ntm-ops", "--checkpoint", dir + "/ntm-ops.safetensors", "--length", "3",
                                       "--out", traced]) == 0)
        let trace = try SafeTensorsFile.read(path: traced + "/trace.safetensors")
        #expect(trace["read_weights.0"]?.shape == [7, 2, 128] && trace["write_weights.0"] != nil)
        #expect(trace["grad.read_heads.0.w0"] != nil && trace["grad.memory.m0"]?.values.allSatisfy { $0 == 0 } == true)
    }

    /// A researcher's binary that registers models names itself in reports: only it can run them again.
    @Test func aBinaryOfOnesOwnNamesItselfInTheRegenerateLine() throws {
        let dir = Scratch.directory("program-name")
        #expect(NTMCLI.run(arguments: ["copy", "--models", "ntm", "--length", "2", "--sequences", "4", "--out", dir] + tinySizes,
                           programName: "my-bench") == 0)
        let report = try String(contentsOfFile: dir + "/report.md", encoding: .utf8)
        #expect(report.contains("```\nmy-bench copy --models ntm --length 2"), "\(report)")
        #expect(!report.contains("ntm-bench copy"))
    }

    /// Its memory estimate covers the values the executor keeps: a size the machine cannot hold is refused
    /// before anything is written.
    @Test func aModelTooLargeForTheMachineIsRefusedInOneLine() throws {
        let dir = Scratch.directory("ntm-ops-huge")
        let preset = dir + "/huge.json"
        try AtomicFile.write(#"{"task": {"name": "copy", "bits": 8, "minLength": 1, "length": 20}, "models": ["ntm-ops"], "ntm-ops": "#
            + #"{"controllerSize": 100, "layers": 1, "memoryRows": 65536, "memoryWidth": 4096, "readHeads": 1, "writeHeads": 1, "#
            + #""shiftRange": 1, "memoryInit": "constant", "clipValue": 20, "sequences": 10, "batch": 1, "#
            + #""optimizer": {"name": "rmsprop", "learningRate": 1e-4}}}"#, to: preset)
        #expect(NTMCLI.run(arguments: ["copy", "--preset", preset, "--out", dir + "/run", "--quiet"]) == 2)
        #expect(!FileManager.default.fileExists(atPath: dir + "/run"))
    }

    @Test func perfTimesItBesideTheFusedNTM() {
        let ids = Benchmark.standardCases.map(\.id)
        for id in ["ntm-L20-B1", "ntm-ops-L20-B1", "ntm-L20-B32", "ntm-ops-L20-B32", "ntm-ops-L50-B1", "ntm-ops-L50-B32"] {
            #expect(ids.contains(id), "\(id) not in \(ids)")
        }
        // It is counted as the NTM's arithmetic.
        let ops = Benchmark.standardCases.first { $0.id == "ntm-ops-L20-B1" }!, ntm = Benchmark.standardCases.first { $0.id == "ntm-L20-B1" }!
        #expect(Benchmark.trainingFlops(ops) == Benchmark.trainingFlops(ntm))
    }
}
