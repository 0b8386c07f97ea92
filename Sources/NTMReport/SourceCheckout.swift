// The git commit of the checkout the kit was built from, so that a report names the code that made it.
import Foundation

/// The commit of the kit's own checkout, when the binary was built from one that is still in place.
///
/// The checkout is found from this file's path when it was compiled (`#filePath`), not from the working
/// directory, so a run started anywhere names the kit's commit. The commit is read from the repository's
/// files (`HEAD`, the ref it names, `packed-refs`; worktrees included), which needs no `git`; whether
/// tracked files differ from it does need `git`, and is left unknown without one. A binary copied away
/// from its checkout, or built from a source archive, records no commit.
public struct SourceCheckout: Sendable, Equatable {
    /// The 40-hex-digit commit `HEAD` points to.
    public var commit: String
    /// Whether tracked files differ from the commit (`git status`); nil when `git` could not tell.
    public var modified: Bool?

    public init(commit: String, modified: Bool?) {
        self.commit = commit
        self.modified = modified
    }

    /// The checkout this binary was built from, read once per process, when first asked (`ntm-bench` asks as
    /// it starts). It is the checkout's state at that moment: a binary built, then left to run while the
    /// checkout moves to another commit, records the later one; `swift run` builds before it runs, so for
    /// it the two are the same.
    public static let current: SourceCheckout? = {
        let here = #filePath
        let suffix = "/Sources/NTMReport/SourceCheckout.swift"
        guard here.hasSuffix(suffix) else { return nil }
        return read(root: String(here.dropLast(suffix.count)))
    }()

    /// The checkout at `root` (a directory holding `Package.swift` and `.git`), or nil.
    public static func read(root: String) -> SourceCheckout? {
        let fm = FileManager.default
        guard fm.fileExists(atPath: root + "/Package.swift"), let gitDirectory = gitDirectory(root: root),
              let commit = headCommit(gitDirectory: gitDirectory) else { return nil }
        return SourceCheckout(commit: commit, modified: trackedFilesModified(root: root))
    }

    /// `.git` is the repository, or (in a worktree or submodule) a file `gitdir: PATH` naming it.
    static func gitDirectory(root: String) -> String? {
        let dotGit = root + "/.git"
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dotGit, isDirectory: &isDirectory) else { return nil }
        if isDirectory.boolValue { return dotGit }
        guard let text = try? String(contentsOfFile: dotGit, encoding: .utf8),
              let line = text.split(separator: "\n").first, line.hasPrefix("gitdir: ") else { return nil }
        let path = String(line.dropFirst("gitdir: ".count)).trimmingCharacters(in: .whitespaces)
        return path.hasPrefix("/") ? path : root + "/" + path
    }

    /// `HEAD` holds a commit (detached) or `ref: refs/heads/NAME`, resolved in the repository's own files:
    /// a loose ref, else `packed-refs`. A worktree keeps its refs in the common directory (`commondir`).
    static func headCommit(gitDirectory: String) -> String? {
        func contents(_ path: String) -> String? {
            (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard let head = contents(gitDirectory + "/HEAD") else { return nil }
        guard head.hasPrefix("ref: ") else { return isCommit(head) ? head : nil }
        let ref = String(head.dropFirst("ref: ".count))
        var directories = [gitDirectory]
        if let common = contents(gitDirectory + "/commondir") {
            directories.append(common.hasPrefix("/") ? common : gitDirectory + "/" + common)
        }
        for directory in directories {
            if let loose = contents(directory + "/" + ref), isCommit(loose) { return loose }
            if let packed = contents(directory + "/packed-refs") {
                for line in packed.split(separator: "\n") where line.hasSuffix(" " + ref) {
                    let sha = String(line.prefix(40))
                    if isCommit(sha) { return sha }
                }
            }
        }
        return nil
    }

    static func isCommit(_ text: String) -> Bool {
        text.utf8.count == 40 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// `git status --porcelain --untracked-files=no` prints nothing for a clean checkout; nil when `git`
    /// is missing or fails.
    static func trackedFilesModified(root: String) -> Bool? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", root, "status", "--porcelain", "--untracked-files=no"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return !data.isEmpty
    }

    /// `8a4ba9f` or `8a4ba9f (with uncommitted changes)`: the commit as reports print it.
    public var text: String {
        String(commit.prefix(12)) + (modified == true ? " (with uncommitted changes)" : "")
    }
}
