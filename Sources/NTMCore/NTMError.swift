// The one error type the kit throws for bad input: a flag, a preset, a file.
// Programmer errors (mismatched shapes inside the kit) are preconditions instead.

/// An error caused by something outside the kit's control: a command-line flag,
/// a preset, a checkpoint, a file system. Its `description` is one line that says
/// what is wrong and how to fix it.
public struct NTMError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Usage errors (bad flags, presets, arguments) exit with status 2;
    /// runtime errors (unreadable or mismatched files, I/O failures) with 1.
    public enum Kind: Sendable, Equatable {
        case usage
        case runtime
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public static func usage(_ message: String) -> NTMError { NTMError(.usage, message) }
    public static func runtime(_ message: String) -> NTMError { NTMError(.runtime, message) }

    public var description: String { message }

    /// The process exit status for this error.
    public var exitStatus: Int32 { kind == .usage ? 2 : 1 }
}
