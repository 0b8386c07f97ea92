// Ctrl-C and SIGTERM during a long command: the first asks every trainer to stop after its current
// step (they checkpoint, the report is marked interrupted, the exit status is 130 or 143); a second
// one ends the process at once, leaving the files already written intact (every write is atomic).
import Foundation
import NTMTraining

final class SignalTrap {
    private var sources: [DispatchSourceSignal] = []
    private let queue = DispatchQueue(label: "ntm-bench.signals")
    static let trapped: [Int32] = [SIGINT, SIGTERM]
    /// The dispositions before the trap, restored by `remove()`.
    private var previous: [(Int32, __sighandler_t?)] = []

    /// `signals`: those that ask to stop (SIGINT and SIGTERM; a sweep's array task adds SIGUSR1, Slurm's warning
    /// before the time limit). `then` runs after each first request (a sweep passes it on to its runs).
    init(token: StopToken, signals: [Int32] = SignalTrap.trapped, note: @escaping @Sendable (String) -> Void,
         then: (@Sendable () -> Void)? = nil) {
        // A file-size limit (ulimit -f) makes writes fail with EFBIG instead of killing the process.
        previous.append((SIGXFSZ, signal(SIGXFSZ, SIG_IGN)))
        for sig in signals {
            previous.append((sig, signal(sig, SIG_IGN)))
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler {
                if token.signal != nil { _exit(128 + sig) }
                token.request(signal: sig)
                let name = sig == SIGINT ? "interrupt" : sig == SIGTERM ? "SIGTERM" : sig == SIGUSR1 ? "SIGUSR1" : "signal \(sig)"
                note("ntm-bench: \(name): stopping after the current step and writing "
                     + "checkpoints (\(sig == SIGINT ? "Ctrl-C" : "the signal") again stops at once)")
                then?()
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Restores the handling of the signals from before the trap.
    func remove() {
        for s in sources { s.cancel() }
        sources = []
        for (sig, handler) in previous { signal(sig, handler) }
        previous = []
    }

    /// The exit status of a run stopped by `token`: 128 + the signal (130 for Ctrl-C, 143 for SIGTERM).
    static func exitStatus(_ token: StopToken) -> Int32 {
        128 + (token.signal ?? SIGINT)
    }
}
