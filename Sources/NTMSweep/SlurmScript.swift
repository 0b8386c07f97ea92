// The sbatch script of a sweep: one array task per unfinished run, each `ntm-bench sweep run DIR --index I`.
// The task's process replaces the batch shell (`exec`), so the warning signal that `--signal=B:USR1@S` sends
// to the batch shell before the time limit reaches it; it checkpoints, asks Slurm to requeue the task and
// exits, and the requeued task resumes the run from its checkpoints.
import Foundation
import NTMCore

public enum SlurmScript {
    /// Seconds before the time limit at which Slurm sends SIGUSR1: time to finish a step and checkpoint.
    public static let warningSeconds = 180
    /// The shortest time limit of an array task: the warning must leave time to train.
    public static let minimumTimeSeconds = 600

    public struct Options: Sendable, Equatable {
        public var partition: String?
        public var timeSeconds: Int
        public var cpus: Int
        public var memoryMB: Int
        /// `%K`: at most K array tasks at once.
        public var maxParallel: Int?

        public init(partition: String?, timeSeconds: Int, cpus: Int, memoryMB: Int, maxParallel: Int?) {
            self.partition = partition
            self.timeSeconds = timeSeconds
            self.cpus = cpus
            self.memoryMB = memoryMB
            self.maxParallel = maxParallel
        }
    }

    /// A Slurm partition name (letters, digits, `-_.,`), or the one-line error naming `what` (`--partition`).
    public static func checkPartition(_ name: String, what: String) throws(NTMError) -> String {
        guard !name.isEmpty, name.allSatisfy({ ($0.isASCII && ($0.isLetter || $0.isNumber)) || "-_.,".contains($0) }) else {
            throw .usage("\(what) must be a Slurm partition name (letters, digits, - _ . ,), got '\(name)'")
        }
        return name
    }

    /// `0-3,7,9-12`: Slurm's array syntax for `indices` (ascending, distinct).
    public static func arraySpec(_ indices: [Int]) -> String {
        var parts: [String] = []
        var i = 0
        while i < indices.count {
            var j = i
            while j + 1 < indices.count && indices[j + 1] == indices[j] + 1 { j += 1 }
            parts.append(j > i ? "\(indices[i])-\(indices[j])" : "\(indices[i])")
            i = j + 1
        }
        return parts.joined(separator: ",")
    }

    /// Single-quotes `text` for bash.
    public static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Refuses, naming `what`, a path that an `#SBATCH` line cannot carry inside double quotes. sbatch splits a
    /// directive at spaces unless they are inside double quotes ("Invalid directive found in batch script",
    /// measured on Slurm 22.05), and it has no escape for a quote inside them; `%` would be read as a file-name
    /// pattern (`%A`) and a backslash turns the patterns off; control characters end the line.
    public static func checkDirectivePath(_ path: String, what: String) throws(NTMError) {
        if let c = path.unicodeScalars.first(where: { "\"%\\".unicodeScalars.contains($0) || $0.properties.generalCategory == .control }) {
            let shown = c.properties.generalCategory == .control ? String(format: "U+%04X", c.value) : "'\(c)'"
            // The path as a JSON string, so that a control character in it cannot break the one-line message.
            throw .usage("sweep slurm: \(what) \(JSONValue.string(path).serialized()) contains \(shown), which an #SBATCH line cannot carry; "
                         + "use directories whose paths have no \" % \\ or control characters")
        }
    }

    /// The script. `sweep` is the sweep directory as the user named it, resolved from `workingDirectory`
    /// (where the tasks start); `binary` is the absolute path of the program that runs the runs. Paths that
    /// an `#SBATCH` line cannot carry are refused (``checkDirectivePath(_:what:)``); the others are double-quoted.
    public static func render(sweep: String, sweepAbsolute: String, workingDirectory: String, binary: String, indices: [Int],
                              options: Options, jobName: String) throws(NTMError) -> String {
        try checkDirectivePath(sweepAbsolute, what: "the sweep directory")
        try checkDirectivePath(workingDirectory, what: "the working directory")
        let array = arraySpec(indices) + (options.maxParallel.map { "%\($0)" } ?? "")
        var lines = [
            "#!/bin/bash",
            "# Written by `\(binary.split(separator: "/").last.map(String.init) ?? binary) sweep slurm \(sweep)`: one array task per unfinished run "
                + "of the sweep (the index is the run's",
            "# index in \(sweep)/\(SweepPlan.manifestFile)). \(warningSeconds) s before the time limit Slurm sends SIGUSR1: the run "
                + "checkpoints, requeues its",
            "# task and exits, and the requeued task resumes it. `scancel --batch --signal=USR1 JOB_INDEX` does the same by hand.",
            "#SBATCH --job-name=\(jobName)",
            "#SBATCH --array=\(array)",
            "#SBATCH --cpus-per-task=\(options.cpus)",
            "#SBATCH --mem=\(options.memoryMB)M",
            "#SBATCH --time=\(SweepFile.formatTime(options.timeSeconds))",
        ]
        if let p = options.partition { lines.append("#SBATCH --partition=\(p)") }
        lines += [
            "#SBATCH --requeue",
            "#SBATCH --signal=B:USR1@\(warningSeconds)",
            "#SBATCH --open-mode=append",
            "#SBATCH --output=\"\(sweepAbsolute)/slurm/%A_%a.out\"",
            "#SBATCH --chdir=\"\(workingDirectory)\"",
            "exec \(quoted(binary)) sweep run \(quoted(sweep)) --index \"$SLURM_ARRAY_TASK_ID\" --threads \"${SLURM_CPUS_PER_TASK:-\(options.cpus)}\"",
        ]
        return lines.joined(separator: "\n") + "\n"
    }
}
