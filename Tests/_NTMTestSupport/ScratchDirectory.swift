// Scratch directories for tests that write files: all under one root per test process, removed
// when the process exits, so that a test run leaves nothing in the temporary directory.
import Foundation

public enum ScratchDirectory {
    /// `<tmp>/ntm-kit-tests-<pid>`, created on first use; a root left by an earlier process with the
    /// same id is cleared first.
    static let root: String = {
        let path = NSTemporaryDirectory() + "ntm-kit-tests-\(ProcessInfo.processInfo.processIdentifier)"
        try? FileManager.default.removeItem(atPath: path)
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: ScratchDirectory.root) }
        return path
    }()

    /// A fresh, empty directory named after `name`, inside this process's root.
    public static func make(_ name: String) -> String {
        let path = root + "/\(name)-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
