// Grow-only scratch storage for caches, so that repeated forward/backward passes reuse memory.
import NTMCore

/// A cache buffer that is reallocated only when a larger size is asked for.
public final class Workspace: @unchecked Sendable {
    public private(set) var buffer = FloatBuffer(count: 0)

    public init() {}

    /// Returns a pointer to at least `count` floats. Contents are unspecified (not zeroed) unless
    /// the buffer was just allocated.
    @discardableResult
    public func reserve(_ count: Int) -> UnsafeMutablePointer<Float> {
        if buffer.count < count { buffer = FloatBuffer(count: count) }
        return buffer.base
    }

    public var base: UnsafeMutablePointer<Float> { buffer.base }
}
