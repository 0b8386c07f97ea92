// Creating the output directory of a run, refusing paths that cannot hold one.
import Foundation
import NTMCore

enum OutputDirectory {
    /// Creates `path` (and its parents) if needed; refuses a path that is a file or not writable.
    static func prepare(_ path: String) throws(NTMError) {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isDir) {
            guard isDir.boolValue else {
                throw .usage("--out \(path) is a file, not a directory; choose another path")
            }
        } else {
            do { try fm.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
                throw .runtime("cannot create the output directory \(path): \(Self.reason(error))")
            }
        }
        guard access(path, W_OK | X_OK) == 0 else {
            throw .runtime("cannot write into \(path): \(String(cString: strerror(errno))); choose another --out")
        }
    }

    static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return ns.localizedDescription
    }
}

enum CommandLineText {
    /// The command as a shell would accept it back: arguments with spaces or quotes are quoted.
    static func render(_ args: [String]) -> String {
        (["ntm-bench"] + args).map { a in
            let safe = a.allSatisfy { $0.isLetter || $0.isNumber || "-_./=,:+@".contains($0) }
            return safe && !a.isEmpty ? a : "'" + a.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }.joined(separator: " ")
    }
}
