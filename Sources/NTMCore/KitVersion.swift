// Which release of the kit, and which Swift compiler built it: the facts a report records so that
// its numbers can be made again.

/// The kit's release and its compiler.
public enum KitVersion {
    /// The kit's release (semantic versioning; 0.x while the API settles).
    public static let version = "0.9.0"

    /// The version of the Swift compiler that compiled the kit, as `6.3.1`.
    ///
    /// Swift has no constant holding its own version; `#if compiler(>=X.Y.Z)` is exact and evaluated
    /// when this file is compiled, so a ladder of them names the compiler that built this binary (not
    /// whichever toolchain is on the PATH when it runs). The ladder covers 6.0.0 to 6.6.5; a later
    /// compiler reads as `6.6.5 or later` until rungs are added.
    public static let swiftCompiler: String = {
        #if compiler(>=6.6.5)
        return "6.6.5 or later"
        #elseif compiler(>=6.6.4)
        return "6.6.4"
        #elseif compiler(>=6.6.3)
        return "6.6.3"
        #elseif compiler(>=6.6.2)
        return "6.6.2"
        #elseif compiler(>=6.6.1)
        return "6.6.1"
        #elseif compiler(>=6.6.0)
        return "6.6.0"
        #elseif compiler(>=6.5.5)
        return "6.5.5"
        #elseif compiler(>=6.5.4)
        return "6.5.4"
        #elseif compiler(>=6.5.3)
        return "6.5.3"
        #elseif compiler(>=6.5.2)
        return "6.5.2"
        #elseif compiler(>=6.5.1)
        return "6.5.1"
        #elseif compiler(>=6.5.0)
        return "6.5.0"
        #elseif compiler(>=6.4.5)
        return "6.4.5"
        #elseif compiler(>=6.4.4)
        return "6.4.4"
        #elseif compiler(>=6.4.3)
        return "6.4.3"
        #elseif compiler(>=6.4.2)
        return "6.4.2"
        #elseif compiler(>=6.4.1)
        return "6.4.1"
        #elseif compiler(>=6.4.0)
        return "6.4.0"
        #elseif compiler(>=6.3.5)
        return "6.3.5"
        #elseif compiler(>=6.3.4)
        return "6.3.4"
        #elseif compiler(>=6.3.3)
        return "6.3.3"
        #elseif compiler(>=6.3.2)
        return "6.3.2"
        #elseif compiler(>=6.3.1)
        return "6.3.1"
        #elseif compiler(>=6.3.0)
        return "6.3.0"
        #elseif compiler(>=6.2.5)
        return "6.2.5"
        #elseif compiler(>=6.2.4)
        return "6.2.4"
        #elseif compiler(>=6.2.3)
        return "6.2.3"
        #elseif compiler(>=6.2.2)
        return "6.2.2"
        #elseif compiler(>=6.2.1)
        return "6.2.1"
        #elseif compiler(>=6.2.0)
        return "6.2.0"
        #elseif compiler(>=6.1.5)
        return "6.1.5"
        #elseif compiler(>=6.1.4)
        return "6.1.4"
        #elseif compiler(>=6.1.3)
        return "6.1.3"
        #elseif compiler(>=6.1.2)
        return "6.1.2"
        #elseif compiler(>=6.1.1)
        return "6.1.1"
        #elseif compiler(>=6.1.0)
        return "6.1.0"
        #elseif compiler(>=6.0.5)
        return "6.0.5"
        #elseif compiler(>=6.0.4)
        return "6.0.4"
        #elseif compiler(>=6.0.3)
        return "6.0.3"
        #elseif compiler(>=6.0.2)
        return "6.0.2"
        #elseif compiler(>=6.0.1)
        return "6.0.1"
        #elseif compiler(>=6.0.0)
        return "6.0.0"
        #else
        return "before 6.0"
        #endif
    }()
}
