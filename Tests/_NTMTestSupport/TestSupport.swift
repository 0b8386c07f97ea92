// Helpers shared by the test bundles (no test framework imported here): small deterministic
// random tensors and a loss that turns any output into a scalar for gradient checks.
import NTMCore

public enum TestData {
    /// `count` values uniform in `[low, high)` from a seeded generator.
    public static func uniform(_ count: Int, _ low: Float = -1, _ high: Float = 1, rng: inout RandomSource) -> [Float] {
        (0..<count).map { _ in rng.uniform(low, high) }
    }

    /// `Σ_i out_i proj_i` in Double: a scalar loss whose gradient with respect to `out` is `proj`.
    public static func projection(_ out: UnsafePointer<Float>, _ proj: [Float]) -> Double {
        var s = 0.0
        for i in 0..<proj.count { s += Double(out[i]) * Double(proj[i]) }
        return s
    }
}

/// A Float array with a stable address for the length of a test, for ops that take raw pointers.
public final class TestBuffer {
    public let count: Int
    public let p: UnsafeMutablePointer<Float>

    public init(_ values: [Float]) {
        count = values.count
        p = .allocate(capacity: max(count, 1))
        p.initialize(repeating: 0, count: max(count, 1))
        for i in 0..<count { p[i] = values[i] }
    }

    public convenience init(zeros count: Int) { self.init([Float](repeating: 0, count: count)) }

    deinit { p.deallocate() }

    public var array: [Float] { Array(UnsafeBufferPointer(start: p, count: count)) }
    public func zero() { p.update(repeating: 0, count: max(count, 1)) }
}
