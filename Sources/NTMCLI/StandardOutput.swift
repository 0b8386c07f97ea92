// Where the commands print. Normally standard output; inside a notebook block, that block's buffer, so that
// a block's output is what its command printed and nothing else (not a line of another command running in
// the same process at the same time, as tests do).
import Foundation
import NTMCore

/// A block's captured output.
final class OutputBuffer: @unchecked Sendable {
    private let lock = NSLock()
    private var text = ""

    func append(_ s: String) {
        lock.lock()
        text += s
        lock.unlock()
    }

    var contents: String {
        lock.lock()
        defer { lock.unlock() }
        return text
    }
}

enum StandardOutput {
    /// The buffer of the notebook block running in this task, if any.
    @TaskLocal static var capture: OutputBuffer?

    /// What `body` printed, and its exit status.
    static func capturing(_ body: () throws(NTMError) -> Int32) throws(NTMError) -> (Int32, String) {
        let buffer = OutputBuffer()
        let result: Result<Int32, NTMError> = $capture.withValue(buffer) {
            do throws(NTMError) { return .success(try body()) } catch { return .failure(error) }
        }
        return (try result.get(), buffer.contents)
    }
}

/// Every command prints through this (it shadows `Swift.print` in this module): to standard output, or to
/// the notebook block that runs the command.
func print(_ line: String) {
    if let capture = StandardOutput.capture {
        capture.append(line + "\n")
    } else {
        Swift.print(line)
    }
}
