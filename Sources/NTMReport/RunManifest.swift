// What made a run, beyond its configuration: the kit's release and commit, the compiler, the machine, the
// kernel path and the threads. Reports and results.json record it so that a reader can make the run again,
// and tell whether a time was measured on a machine like theirs. None of it changes a number: the
// configuration (config.json, shards included) and the seeds decide those.
import Foundation
import NTMCore

/// Build and machine facts for reports.
public struct RunManifest: Sendable, Equatable {
    public var cpu: String
    public var cores: Int
    public var memoryGB: Double
    public var os: String
    /// `release` or `debug`.
    public var build: String
    /// The compiler that built the kit, as `6.3.1` (``KitVersion/swiftCompiler``).
    public var swift: String
    /// The instruction-set path of the matrix kernels (``KernelPath``); the numbers do not depend on it.
    public var kernels: String
    /// The kit's release (``KitVersion/version``).
    public var kitVersion: String
    /// The checkout the binary was built from; nil when it was not built from one that is still in place.
    public var checkout: SourceCheckout?
    /// Threads the run used (`--threads`); nil when not recorded.
    public var threads: Int?

    public init(cpu: String, cores: Int, memoryGB: Double, os: String, build: String, swift: String, kernels: String,
                kitVersion: String, checkout: SourceCheckout?, threads: Int?) {
        self.cpu = cpu
        self.cores = cores
        self.memoryGB = memoryGB
        self.os = os
        self.build = build
        self.swift = swift
        self.kernels = kernels
        self.kitVersion = kitVersion
        self.checkout = checkout
        self.threads = threads
    }

    /// This process: the machine it runs on, the binary's build, and `threads`.
    public static func current(threads: Int? = nil) -> RunManifest {
        let info = ProcessInfo.processInfo
        #if DEBUG
        let build = "debug"
        #else
        let build = "release"
        #endif
        #if os(Linux)
        let osName = "Linux"
        #elseif os(macOS)
        let osName = "macOS"
        #else
        let osName = "unknown OS"
        #endif
        let v = info.operatingSystemVersion
        return RunManifest(cpu: cpuModel(), cores: info.activeProcessorCount,
                           memoryGB: Double(info.physicalMemory) / 1_073_741_824,
                           os: "\(osName) \(v.majorVersion).\(v.minorVersion).\(v.patchVersion)",
                           build: build, swift: KitVersion.swiftCompiler, kernels: KernelPath.current.rawValue,
                           kitVersion: KitVersion.version, checkout: SourceCheckout.current, threads: threads)
    }

    /// The CPU's model name: `/proc/cpuinfo` on Linux (`model name` on x86, `Model` or the implementer on
    /// Arm), `machdep.cpu.brand_string` on macOS.
    static func cpuModel() -> String {
        #if os(macOS)
        var size = 0
        if sysctlbyname("machdep.cpu.brand_string", nil, &size, nil, 0) == 0, size > 1 {
            var bytes = [CChar](repeating: 0, count: size)
            if sysctlbyname("machdep.cpu.brand_string", &bytes, &size, nil, 0) == 0 {
                return String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
        }
        return "unknown CPU"
        #else
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown CPU" }
        for key in ["model name", "Model", "CPU implementer"] {
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix(key) }), let colon = line.firstIndex(of: ":") {
                let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                if !value.isEmpty { return key == "CPU implementer" ? "Arm CPU (implementer \(value))" : value }
            }
        }
        return "unknown CPU"
        #endif
    }

    /// The lines a report's "Run" section prints. Every one starts with a key that notebook checks know
    /// never to compare (``volatileLinePrefixes``): they describe the machine and build, not the numbers.
    public var markdownLines: [String] {
        [
            cores == 0 ? "- machine: not recorded (a run made before the kit recorded it)"
                : "- machine: \(cpu), \(cores) cores, \(String(format: "%.0f", memoryGB)) GB; \(os)",
            kitVersion == Self.notRecorded
                ? "- build: \(kernels) kernels; the kit's version and commit, the compiler and the threads not recorded (a run made before the kit recorded them)"
                : "- build: ntm-kit \(kitVersion), " + (checkout.map { "commit \($0.text)" } ?? "commit not recorded (not built from a git checkout)")
                + "; \(build) build by Swift \(swift); \(kernels) kernels"
                + (threads.map { ", \($0) thread" + ($0 == 1 ? "" : "s") } ?? "") + "; kit format `ntm-kit/1`",
        ]
    }

    /// What ``recorded(in:)`` reads for a fact a results.json does not hold.
    public static let notRecorded = "not recorded"

    /// Line prefixes of ``markdownLines`` (and of a comparison's list of the machines its seeds ran on):
    /// what a notebook check reports but never compares.
    public static let volatileLinePrefixes = ["- machine: ", "- build: ", "- machines: "]

    /// One line of what made a run: the CPU, the kit's commit, the compiler and the kernel path.
    public var summary: String {
        (cores == 0 ? "a machine not recorded" : cpu) + ", " + (checkout.map { "commit \($0.text)" } ?? "commit not recorded")
            + ", Swift \(swift), \(kernels) kernels"
    }

    /// The `provenance` object of results.json.
    public var json: JSONValue {
        var members: [JSONMember] = [
            .init(key: "kit_version", value: .string(kitVersion)),
            .init(key: "commit", value: checkout.map { .string($0.commit) } ?? .null),
            .init(key: "uncommitted_changes", value: checkout?.modified.map(JSONValue.bool) ?? .null),
            .init(key: "swift", value: .string(swift)),
            .init(key: "build", value: .string(build)),
            .init(key: "kernels", value: .string(kernels)),
            .init(key: "threads", value: threads.map { .number(Double($0)) } ?? .null),
            .init(key: "cpu", value: .string(cpu)),
            .init(key: "cores", value: .number(Double(cores))),
            .init(key: "memory_gb", value: .number((memoryGB * 10).rounded() / 10)),
        ]
        members.append(.init(key: "os", value: .string(os)))
        return .object(members)
    }

    /// The manifest a results.json recorded, read leniently: runs made before the kit recorded provenance
    /// have only `kernels`; what is missing reads as "not recorded".
    public static func recorded(in results: JSONValue) -> RunManifest {
        let p = results["provenance"]
        func text(_ key: String, _ fallback: String = notRecorded) -> String { p?[key]?.stringValue ?? fallback }
        var checkout: SourceCheckout?
        if let commit = p?["commit"]?.stringValue, SourceCheckout.isCommit(commit) {
            checkout = SourceCheckout(commit: commit, modified: p?["uncommitted_changes"]?.boolValue)
        }
        return RunManifest(cpu: text("cpu"), cores: p?["cores"]?.intValue ?? 0, memoryGB: p?["memory_gb"]?.doubleValue ?? 0,
                           os: text("os"), build: text("build"), swift: text("swift"),
                           kernels: p?["kernels"]?.stringValue ?? results["kernels"]?.stringValue ?? notRecorded,
                           kitVersion: text("kit_version"), checkout: checkout, threads: p?["threads"]?.intValue)
    }
}
