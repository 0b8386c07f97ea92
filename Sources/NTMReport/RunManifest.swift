// Where and how a run was made: machine, build, toolchain. Reports print it so a reader can
// tell whether a number was measured on a machine like theirs.
import Foundation
import NTMCore

/// Build and machine facts for reports.
public struct RunManifest: Sendable {
    public var cpu: String
    public var cores: Int
    public var memoryGB: Double
    public var os: String
    public var build: String
    public var swift: String
    /// The instruction-set path of the matrix kernels (``KernelPath``); the numbers do not depend on it.
    public var kernels: String

    public static func current() -> RunManifest {
        var cpu = "unknown CPU"
        if let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
           let line = text.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
           let colon = line.firstIndex(of: ":") {
            cpu = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let info = ProcessInfo.processInfo
        #if DEBUG
        let build = "debug"
        #else
        let build = "release"
        #endif
        #if compiler(>=6.3)
        let swift = "Swift 6.3 or later"
        #elseif compiler(>=6.0)
        let swift = "Swift 6.0–6.2"
        #else
        let swift = "Swift 5"
        #endif
        #if os(Linux)
        let osName = "Linux"
        #elseif os(macOS)
        let osName = "macOS"
        #else
        let osName = "unknown OS"
        #endif
        let v = info.operatingSystemVersion
        return RunManifest(cpu: cpu, cores: info.activeProcessorCount,
                           memoryGB: Double(info.physicalMemory) / 1_073_741_824,
                           os: "\(osName) \(v.majorVersion).\(v.minorVersion).\(v.patchVersion)",
                           build: build, swift: swift, kernels: KernelPath.current.rawValue)
    }

    public var markdownLines: [String] {
        [
            "- machine: \(cpu), \(cores) cores, \(String(format: "%.0f", memoryGB)) GB",
            "- system: \(os)",
            "- build: \(build) (\(swift)), \(kernels) kernels; kit format `ntm-kit/1`",
        ]
    }
}
