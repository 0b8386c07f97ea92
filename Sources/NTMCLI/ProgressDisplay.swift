// Training progress on stderr: one live line redrawn in place on a terminal, plain periodic
// log lines when stderr is a file or a pipe (CI logs, nohup).
import Foundation
import NTMTraining

final class ProgressDisplay: @unchecked Sendable {
    private let live: Bool
    private let quiet: Bool
    private var lastPlain = Date.distantPast
    private var drewLive = false
    private let lock = NSLock()
    /// Seconds between plain log lines.
    private let plainInterval: TimeInterval = 10

    init(quiet: Bool) {
        self.quiet = quiet
        live = isatty(STDERR_FILENO) == 1
    }

    func board(order: [String]) -> ProgressBoard {
        ProgressBoard(order: order) { [self] in self.show($0) }
    }

    func show(_ items: [TrainingProgress]) {
        guard !quiet, !items.isEmpty else { return }
        lock.lock()
        defer { lock.unlock() }
        let line = items.map { p -> String in
            let eta = p.eta.isFinite ? Self.clock(p.eta) : "--"
            let cost = p.costBits.isFinite ? String(format: "%.2f", p.costBits) : "--"
            return "\(p.model) \(p.sequences)/\(p.total) \(String(format: "%.0f", p.sequencesPerSecond)) seq/s cost \(cost) ETA \(eta)"
        }.joined(separator: " | ")
        if live {
            FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line).utf8))
            drewLive = true
        } else if Date().timeIntervalSince(lastPlain) >= plainInterval || items.allSatisfy({ $0.sequences >= $0.total }) {
            lastPlain = Date()
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }

    /// Ends the live line so that later output starts on a fresh line.
    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if live && drewLive { FileHandle.standardError.write(Data("\n".utf8)) }
        drewLive = false
    }

    func note(_ text: String) {
        guard !quiet else { return }
        finish()
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// A line that --quiet does not silence (a stop request, how to resume).
    func alert(_ text: String) {
        finish()
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    static func clock(_ s: Double) -> String {
        let t = Int(s.rounded())
        return t >= 3600 ? String(format: "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60) : String(format: "%d:%02d", t / 60, t % 60)
    }
}
