// The entry point of `ntm-bench`, as a library so other packages can build their own binary on it.
import Foundation
import NTMCore
import NTMModels
import NTMTraining
import NTMArchitectures
import NTMReport

public enum NTMCLI {
    static let commands: [(name: String, summary: String)] = TaskCommand.all.map { ($0.name, $0.summary) } + [
        ("train", TrainCommand.summary),
        ("eval", EvalCommand.summary),
        ("trace", TraceCommand.summary),
        ("perf", PerfCommand.summary),
        ("report", ReportCommand.summary),
        ("notebook", NotebookCommand.summary),
        ("sweep", SweepCommand.summary),
    ]

    public static var usage: String {
        let program = CommandLineText.program
        var lines = ["\(program): neural Turing machines and recurrent baselines on algorithmic tasks", "",
                     "usage: \(program) COMMAND [flags]   (\(program) COMMAND --help for its flags)", "", "commands:"]
        let width = commands.map(\.name.count).max()! + 2
        for c in commands { lines.append("  " + c.name.padding(toLength: width, withPad: " ", startingAt: 0) + c.summary) }
        return lines.joined(separator: "\n")
    }

    /// Runs a command line (without the program name) and returns the exit status: 0 on success,
    /// 2 for usage errors, 1 for runtime errors. Errors are printed as one line on stderr.
    ///
    /// `programName` is the binary's name in help, errors and the "Regenerate with" line of reports: a
    /// binary that registers its own models passes its own, since only it can run their commands again.
    public static func run(arguments: [String], programName: String = "ntm-bench") -> Int32 {
        CommandLineText.$program.withValue(programName) {
            // The DNC and the memory network join the built-in models (idempotent).
            ArchitectureModels.register()
            // The checkout's commit as the command starts (what `swift run` just built), not as its reports
            // are written, hours later perhaps, after the checkout may have moved on.
            _ = SourceCheckout.current
            do throws(NTMError) {
                // A bad NTM_KERNELS stops the command before any work, with the choices.
                try KernelPath.applyEnvironment(ProcessInfo.processInfo.environment)
                return try dispatch(arguments)
            } catch {
                FileHandle.standardError.write(Data((programName + ": " + error.message + "\n").utf8))
                return error.exitStatus
            }
        }
    }

    static func dispatch(_ arguments: [String]) throws(NTMError) -> Int32 {
        guard let first = arguments.first else {
            print(usage)
            return 2
        }
        let rest = Array(arguments.dropFirst())
        let commandLine = CommandLineText.render(arguments)
        if let task = TaskCommand.named(first) { return try task.run(rest, commandLine: commandLine) }
        switch first {
        case "train": return try TrainCommand.run(rest, commandLine: commandLine)
        case "eval": return try EvalCommand.run(rest)
        case "trace": return try TraceCommand.run(rest)
        case "perf": return try PerfCommand.run(rest)
        case "report": return try ReportCommand.run(rest, commandLine: commandLine)
        case "notebook": return try NotebookCommand.run(rest)
        case "sweep": return try SweepCommand.run(rest)
        case "help", "--help", "-h":
            print(usage)
            return 0
        default:
            let nearest = commands.map(\.name).min { editDistance($0, first) < editDistance($1, first) }
            throw .usage("unknown command '\(first)'" + (nearest.map { " (did you mean '\($0)'?)" } ?? "") + "; see '\(CommandLineText.program) --help'")
        }
    }
}
