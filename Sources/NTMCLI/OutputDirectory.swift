// Creating the output directory of a run, refusing paths that cannot hold one.
import Foundation
import NTMCore
import NTMReport

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
            try makeDirectories(path)
        }
        guard access(path, W_OK | X_OK) == 0 else {
            throw .runtime("cannot write into \(path): \(String(cString: strerror(errno))); choose another --out")
        }
    }

    /// Whether `path` names an existing directory (following symbolic links).
    static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// Whether `path` names an existing file that is not a directory.
    static func isFile(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
    }

    /// `mkdir -p` on POSIX calls, so that a failure names the OS reason (`Not a directory`, `Permission denied`).
    static func makeDirectories(_ path: String) throws(NTMError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += (prefix.isEmpty || prefix.hasSuffix("/") ? "" : "/") + part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw .runtime("cannot create the output directory \(path): \(String(cString: strerror(errno))) (at \(prefix))")
            }
        }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue else {
            throw .runtime("cannot create the output directory \(path): a part of the path is a file")
        }
    }

    /// The training checkpoints (`*.safetensors`, regular files) in `directory`, sorted.
    static func stateFiles(_ directory: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { name in
            var isDir: ObjCBool = false
            return name.hasSuffix(".safetensors") && !name.hasPrefix(".")
                && FileManager.default.fileExists(atPath: directory + "/" + name, isDirectory: &isDir) && !isDir.boolValue
        }.sorted()
    }

    /// Removes what a previous, finished run left that a new run would otherwise seem to own: its training
    /// checkpoints and every file its report wrote (``RunReport/fileNames``), the results that say it
    /// finished among them. Files of other names are the user's and stay.
    static func clearPreviousRun(out: String, stateDirectory: String) throws(NTMError) {
        let paths = stateFiles(stateDirectory).map { stateDirectory + "/" + $0 } + RunReport.fileNames.map { out + "/" + $0 }
        for path in paths where FileManager.default.fileExists(atPath: path) {
            guard unlink(path) == 0 else {
                throw .runtime("cannot remove \(path) of the previous run: \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Removes temporaries (`.NAME.tmp-PID-HEX`, see `AtomicFile`) left by writers that were killed
    /// mid-write; those of live processes are kept.
    static func removeStaleTemporaries(in directory: String) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names where name.hasPrefix(".") {
            guard let range = name.range(of: ".tmp-", options: .backwards) else { continue }
            let rest = name[range.upperBound...]
            guard let dash = rest.firstIndex(of: "-"), let pid = Int32(rest[..<dash]) else { continue }
            if pid == getpid() || kill(pid, 0) == 0 || errno == EPERM { continue }
            unlink(directory + "/" + name)
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
    /// The binary reports name in their "Regenerate with" line: `ntm-bench`, or a researcher's own binary
    /// that registers models (``NTMCLI/run(arguments:programName:)``), which alone can run their commands again.
    @TaskLocal static var program = "ntm-bench"

    /// The command as a shell would accept it back: arguments with spaces or quotes are quoted.
    static func render(_ args: [String]) -> String {
        ([program] + args).map { a in
            let safe = a.allSatisfy { $0.isLetter || $0.isNumber || "-_./=,:+@".contains($0) }
            return safe && !a.isEmpty ? a : "'" + a.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }.joined(separator: " ")
    }
}
