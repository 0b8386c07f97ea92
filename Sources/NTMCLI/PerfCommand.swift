// `ntm-bench perf`: the speed of one training step for the standard configurations, as a markdown
// table or JSON; each case runs in a child process so that its peak memory is its own.
import Foundation
import NTMCore
import NTMModels
import NTMReport
import NTMTraining

enum PerfCommand {
    static let specs: [FlagSpec] = [
        FlagSpec("threads", "N", "threads (and batch shards) per step (default: the number of cores)"),
        FlagSpec("only", "ID[,ID...]", "run only these cases, e.g. ntm-L20-B1,lstm3x256-L50-B32"),
        FlagSpec("seconds", "S", "timed seconds per case after warm-up (default: 1.5)"),
        FlagSpec("json", nil, "print {\"results\": [...]} instead of a table"),
        FlagSpec("in-process", nil, "run every case in this process (peak memory is then cumulative)"),
        SharedFlags.help,
    ]

    static let summary = "time one training step of NTM, LSTM and GRU at the standard sizes (and of registered models)"

    static func run(_ raw: [String]) throws(NTMError) -> Int32 {
        let args = try Arguments(command: "perf", arguments: raw, specs: specs)
        if args.has("help") {
            print(Arguments.help(command: "perf", summary: summary, usage: "[--threads N] [--only IDS] [--json]", specs: specs))
            return 0
        }
        let threads = try args.int("threads", in: 1...256) ?? ProcessInfo.processInfo.activeProcessorCount
        let seconds = try args.double("seconds", in: 0.05...600) ?? 1.5
        var cases = Benchmark.standardCases
        if let only = args.string("only") {
            let ids = only.split(separator: ",").map(String.init)
            for id in ids where !cases.contains(where: { $0.id == id }) {
                throw .usage("--only: unknown case '\(id)' (known: \(cases.map(\.id).joined(separator: ", ")))")
            }
            cases = cases.filter { ids.contains($0.id) }
        }
        var results: [BenchmarkResult] = []
        let isolate = !args.has("in-process") && cases.count > 1
        for c in cases {
            if isolate {
                results.append(try runChild(c, threads: threads, seconds: seconds))
            } else {
                results.append(Benchmark.run(c, threads: threads, minSeconds: seconds))
            }
            if !args.has("json") && isolate { FileHandle.standardError.write(Data("  \(c.id) done\n".utf8)) }
        }
        if args.has("json") {
            print(json(results).serialized(pretty: !isolate || cases.count > 1))
        } else {
            print(table(results))
        }
        return 0
    }

    static func json(_ results: [BenchmarkResult]) -> JSONValue {
        func num(_ d: Double) -> JSONValue { .number((d * 1e4).rounded() / 1e4) }
        return .object([.init(key: "results", value: .array(results.map { r in
            .object([
                .init(key: "id", value: .string(r.benchmark.id)),
                .init(key: "model", value: .string(r.benchmark.model.kind.rawValue)),
                .init(key: "size", value: .string(size(r.benchmark.model))),
                .init(key: "length", value: .number(Double(r.benchmark.length))),
                .init(key: "batch", value: .number(Double(r.benchmark.batch))),
                .init(key: "threads", value: .number(Double(r.threads))),
                .init(key: "kernels", value: .string(KernelPath.current.rawValue)),
                .init(key: "repetitions", value: .number(Double(r.repetitions))),
                .init(key: "ms_per_step", value: num(r.msPerStep)),
                .init(key: "ms_per_sequence", value: num(r.msPerSequence)),
                .init(key: "sequences_per_second", value: num(r.sequencesPerSecond)),
                .init(key: "gflops", value: num(r.gflops)),
                .init(key: "peak_rss_mb", value: num(r.peakRSSMB)),
            ])
        }))])
    }

    /// The size column: the NTM's paper sizes, a baseline's layers x hidden size, a registered model's summary.
    static func size(_ m: ModelConfig) -> String {
        m.kind == .ntm ? "100, 128x20, 1r1w" : m.kind.isBuiltIn ? "\(m.layers)x\(m.controllerSize)" : m.summary
    }

    static func table(_ results: [BenchmarkResult]) -> String {
        Markdown.table(
            header: ["case", "threads", "kernels", "ms/step", "ms/sequence", "sequences/s", "GFLOP/s", "peak MB"],
            rows: results.map { r in
                [r.benchmark.id, String(r.threads), KernelPath.current.rawValue, Markdown.fixed(r.msPerStep, 3), Markdown.fixed(r.msPerSequence, 3),
                 Markdown.fixed(r.sequencesPerSecond, 0), Markdown.fixed(r.gflops, 1), Markdown.fixed(r.peakRSSMB, 0)]
            },
            alignRight: [1, 3, 4, 5, 6, 7])
    }

    /// Runs one case in a fresh process of this binary and reads its JSON.
    static func runChild(_ c: BenchmarkCase, threads: Int, seconds: Double) throws(NTMError) -> BenchmarkResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        process.arguments = ["perf", "--only", c.id, "--threads", String(threads), "--seconds", String(seconds), "--json"]
        let pipe = Pipe()
        process.standardOutput = pipe
        do { try process.run() } catch { throw .runtime("perf: cannot start a child process: \(error.localizedDescription)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let json = try? JSONValue.parse([UInt8](data)), let r = json["results"]?.arrayValue?.first,
              let ms = r["ms_per_step"]?.doubleValue, let gflops = r["gflops"]?.doubleValue,
              let rss = r["peak_rss_mb"]?.doubleValue, let reps = r["repetitions"]?.intValue else {
            throw .runtime("perf: the child process for \(c.id) failed (status \(process.terminationStatus))")
        }
        return BenchmarkResult(benchmark: c, threads: threads, repetitions: reps, msPerStep: ms, gflops: gflops, peakRSSMB: rss)
    }
}
