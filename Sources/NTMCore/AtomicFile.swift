// Crash-safe file replacement (write a temporary, fsync, rename, fsync the directory)
// and whole-file reading, both on raw POSIX calls so error messages carry the exact
// OS reason (strerror) instead of a Foundation paraphrase.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Replaces files atomically: readers see either the old contents or the new ones,
/// never a partial write, even if the process or the machine dies midway.
public enum AtomicFile {
    /// Writes `bytes` to a temporary file in the same directory (named
    /// `.<basename>.tmp-<pid>-<random>`), flushes it with fsync, renames it over `path`
    /// and fsyncs the directory. On failure the temporary is removed and the error is an
    /// `NTMError.runtime` naming `path` and the OS reason, e.g.
    /// `cannot write out/model.safetensors: No such file or directory`.
    public static func write(_ bytes: [UInt8], to path: String) throws(NTMError) {
        func failure(_ reason: String) -> NTMError { .runtime("cannot write \(path): \(reason)") }

        guard !path.isEmpty else { throw failure("the path is empty") }
        let (directory, basename) = split(path)
        guard !basename.isEmpty, basename != ".", basename != ".." else {
            throw failure("the path names a directory, not a file")
        }
        // A random suffix instead of a process-wide counter: no shared mutable state, and
        // O_EXCL below turns the (astronomically unlikely) collision into an error, not a clobber.
        let suffix = String(UInt64.random(in: .min ... .max), radix: 16)
        let tempPath = directory + "." + basename + ".tmp-\(getpid())-" + suffix

        let fd = open(tempPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure(lastErrorReason()) }

        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                posixWrite(fd, raw.baseAddress! + offset, raw.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                let reason = lastErrorReason()
                close(fd)
                unlink(tempPath)
                throw failure(reason)
            }
            offset += written
        }
        if fsync(fd) != 0 {
            let reason = lastErrorReason()
            close(fd)
            unlink(tempPath)
            throw failure(reason)
        }
        // close can report deferred write errors (e.g. on network file systems).
        if close(fd) != 0 {
            let reason = lastErrorReason()
            unlink(tempPath)
            throw failure(reason)
        }
        if rename(tempPath, path) != 0 {
            let reason = lastErrorReason()
            unlink(tempPath)
            throw failure(reason)
        }
        // Without this the rename itself may be lost on power failure.
        let dirFD = open(directory.isEmpty ? "." : directory, O_RDONLY | O_CLOEXEC)
        if dirFD >= 0 {
            let synced = fsync(dirFD) == 0
            let savedErrno = errno
            close(dirFD)
            // Some file systems cannot fsync directories; the file is already in place then.
            if !synced && savedErrno != EINVAL && savedErrno != ENOTSUP && savedErrno != EBADF {
                throw failure("cannot sync the directory: " + reasonString(savedErrno))
            }
        }
    }

    /// Writes `text` as UTF-8; see `write(_:to:)` for the bytes variant.
    public static func write(_ text: String, to path: String) throws(NTMError) {
        try write(Array(text.utf8), to: path)
    }

    /// Splits a path into its directory prefix (with the trailing slash, or empty) and basename.
    private static func split(_ path: String) -> (directory: String, basename: String) {
        let utf8 = Array(path.utf8)
        guard let slash = utf8.lastIndex(of: UInt8(ascii: "/")) else { return ("", path) }
        return (String(decoding: utf8[...slash], as: UTF8.self),
                String(decoding: utf8[(slash + 1)...], as: UTF8.self))
    }
}

/// Whole-file reading on POSIX calls; internal because callers go through typed readers.
enum FileReader {
    /// Reads the whole file; failures are `NTMError.runtime("cannot read PATH: reason")`.
    static func readAll(path: String) throws(NTMError) -> [UInt8] {
        try withOpenFile(path: path) { file throws(NTMError) in try file.read(upTo: Int.max) }
    }

    /// A file opened for reading, read from its start onwards; `size` is its size when it was opened.
    struct OpenFile {
        let path: String
        let fd: Int32
        let size: Int

        func failure(_ reason: String) -> NTMError { .runtime("cannot read \(path): \(reason)") }

        /// The next bytes, at most `limit` (fewer at the end of the file).
        func read(upTo limit: Int) throws(NTMError) -> [UInt8] {
            // The size is only a capacity hint: the file may change while we read it.
            var result: [UInt8] = []
            result.reserveCapacity(min(limit, size))
            var chunk = [UInt8](repeating: 0, count: min(1 << 16, max(1, limit)))
            while result.count < limit {
                let want = min(chunk.count, limit - result.count)
                let n = chunk.withUnsafeMutableBytes { raw in posixRead(fd, raw.baseAddress!, want) }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw failure(lastErrorReason())
                }
                if n == 0 { break }
                result.append(contentsOf: chunk[0..<n])
            }
            return result
        }
    }

    /// Opens `path` for reading (refusing directories), runs `body` on it and closes it: one open, so every
    /// read in `body` sees the same file even if another is renamed over the path meanwhile.
    static func withOpenFile<T>(path: String, _ body: (OpenFile) throws(NTMError) -> T) throws(NTMError) -> T {
        func failure(_ reason: String) -> NTMError { .runtime("cannot read \(path): \(reason)") }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure(lastErrorReason()) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw failure(lastErrorReason()) }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw failure(reasonString(EISDIR)) }
        return try body(OpenFile(path: path, fd: fd, size: max(0, Int(info.st_size))))
    }
}

// The module's own `write`/`read` members shadow the C functions inside the types, so the
// C calls are routed through these module-qualified wrappers.
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fd, buffer, count)
    #elseif canImport(Musl)
    return Musl.write(fd, buffer, count)
    #else
    return Darwin.write(fd, buffer, count)
    #endif
}

private func posixRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.read(fd, buffer, count)
    #elseif canImport(Musl)
    return Musl.read(fd, buffer, count)
    #else
    return Darwin.read(fd, buffer, count)
    #endif
}

private func reasonString(_ code: Int32) -> String {
    guard let cString = strerror(code) else { return "error \(code)" }
    return String(cString: cString)
}

private func lastErrorReason() -> String { reasonString(errno) }
