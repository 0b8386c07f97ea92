// Ctrl-C and SIGTERM during a long command: the first asks every trainer to stop after its current
// step (they checkpoint, the report is marked interrupted, the exit status is 130 or 143); a second
// one ends the process at once, leaving the files already written intact (every write is atomic).
import Foundation
import NTMTraining

final class SignalTrap {
    private var sources: [DispatchSourceSignal] = []
    private let queue = DispatchQueue(label: "ntm-bench.signals")
    private static let trapped: [Int32] = [SIGINT, SIGTERM]
    /// The dispositions before the trap, restored by `remove()`.
    private var previous: [(Int32, __sighandler_t?)] = []

    init(token: StopToken, note: @escaping @Sendable (String) -> Void) {
        // A file-size limit (ulimit -f) makes writes fail with EFBIG instead of killing the process.
        previous.append((SIGXFSZ, signal(SIGXFSZ, SIG_IGN)))
        for sig in Self.trapped {
            previous.append((sig, signal(sig, SIG_IGN)))
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler {
                if token.signal != nil { _exit(128 + sig) }
                token.request(signal: sig)
                note("ntm-bench: \(sig == SIGINT ? "interrupt" : "SIGTERM"): stopping after the current step and writing "
                     + "checkpoints (\(sig == SIGINT ? "Ctrl-C" : "the signal") again stops at once)")
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
