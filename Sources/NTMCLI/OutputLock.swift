// One run per output directory: `DIR/.lock`, held with flock(2) for the whole run. The kernel
// drops the lock when its process dies, so a lock left behind by a killed run is taken over
// silently, while a live run's lock is refused with its process id.
import Foundation
import NTMCore

final class OutputLock {
    let path: String
    private var fd: Int32

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    /// Takes the lock of `directory` (which must exist), or explains who holds it. With `waiting`, a lock held
    /// by another run is asked for again every 50 ms for up to that many seconds before giving up.
    static func acquire(directory: String, command: String, waiting: Double = 0) throws(NTMError) -> OutputLock {
        let deadline = Date().addingTimeInterval(waiting)
        while true {
            switch try attempt(directory: directory, command: command) {
            case .taken(let lock):
                return lock
            case .held(let holder) where Date() >= deadline:
                throw .runtime("--out \(directory) is in use by another ntm-bench run (pid \(holder.map(String.init) ?? "unknown")); "
                               + "wait for it to finish or choose another --out")
            case .held:
                usleep(50_000)
            }
        }
    }

    private enum Attempt {
        case taken(OutputLock)
        /// Another open file holds the lock (another process, or this one through another open).
        case held(by: Int32?)
    }

    private static func attempt(directory: String, command: String) throws(NTMError) -> Attempt {
        let path = directory + "/.lock"
        for _ in 0..<8 {
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                throw .runtime("cannot create the lock file \(path): \(String(cString: strerror(errno))); choose another --out")
            }
            if flock(fd, LOCK_EX | LOCK_NB) != 0 {
                let code = errno
                let holder = holderPID(fd)
                close(fd)
                if code == EWOULDBLOCK || code == EAGAIN { return .held(by: holder) }
                throw .runtime("cannot lock \(path): \(String(cString: strerror(code)))")
            }
            // The file may have been unlinked by a run that finished between our open and our flock.
            var held = stat(), current = stat()
            if fstat(fd, &held) == 0 && stat(path, &current) == 0 && held.st_ino == current.st_ino && held.st_dev == current.st_dev {
                let text = JSONValue.object([
                    .init(key: "pid", value: .number(Double(getpid()))),
                    .init(key: "command", value: .string(command)),
                ]).serialized() + "\n"
                _ = ftruncate(fd, 0)
                let bytes = Array(text.utf8)
                _ = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress!, $0.count, 0) }
                return .taken(OutputLock(path: path, fd: fd))
            }
            close(fd)
        }
        throw .runtime("cannot lock \(path): the lock file keeps being replaced")
    }

    /// The process id recorded in a lock file, if it can be read.
    private static func holderPID(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, $0.count, 0) }
        guard n > 0, let json = try? JSONValue.parse(Array(buffer[0..<n])), let pid = json["pid"]?.intValue else { return nil }
        return Int32(exactly: pid)
    }

    /// Removes the lock file and releases the lock (unlinking first, so that no one locks a file that is going away).
    func release() {
        guard fd >= 0 else { return }
        unlink(path)
        close(fd)
        fd = -1
    }

    deinit { release() }
}
