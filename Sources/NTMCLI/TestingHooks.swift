// Test-only ways into a long command: a stop token instead of signal handlers, and a hook that can
// plant a non-finite gradient at a chosen step. Not reachable from the command line.
import Foundation
import NTMCore
import NTMModels
import NTMTraining
import NTMArchitectures

@_spi(Testing) public struct RunHooks: Sendable {
    /// Used instead of the SIGINT/SIGTERM handlers (none are installed when it is set).
    public var stop: StopToken?
    /// See `TrainerControl.gradientHook`.
    public var gradientHook: (@Sendable (ModelKind, Int, [Parameter]) -> Void)?

    public init(stop: StopToken? = nil, gradientHook: (@Sendable (ModelKind, Int, [Parameter]) -> Void)? = nil) {
        self.stop = stop
        self.gradientHook = gradientHook
    }
}

extension NTMCLI {
    /// `run(arguments:)` with test hooks for the task commands and `train`.
    @_spi(Testing) public static func run(arguments: [String], hooks: RunHooks) -> Int32 {
        do {
            let rest = Array(arguments.dropFirst())
            if let task = arguments.first.flatMap(TaskCommand.named) {
                return try task.run(rest, commandLine: CommandLineText.render(arguments), hooks: hooks)
            }
            switch arguments.first {
            case "train": return try TrainCommand.run(rest, commandLine: CommandLineText.render(arguments), hooks: hooks)
            case "sweep" where rest.first == "run":
                ArchitectureModels.register()
                return try SweepRunner.run(Array(rest.dropFirst()), specs: SweepCommand.runSpecs, hooks: hooks)
            default: return run(arguments: arguments)
            }
        } catch {
            FileHandle.standardError.write(Data(("ntm-bench: " + error.message + "\n").utf8))
            return error.exitStatus
        }
    }
}

extension NTMCLI {
    /// `run(arguments:)`, returning what the command printed (its standard output) with its exit status.
    @_spi(Testing) public static func runCapturing(arguments: [String]) -> (status: Int32, output: String) {
        let captured = try? StandardOutput.capturing { () throws(NTMError) -> Int32 in run(arguments: arguments) }
        return captured.map { (status: $0.0, output: $0.1) } ?? (status: 1, output: "")
    }
}
