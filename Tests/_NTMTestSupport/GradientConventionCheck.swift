// The test of NTMCore's GradientConvention: a backward run on pre-filled gradient buffers must give
// the pre-filled values plus what it gives on zeroed buffers, and must leave its output gradient and
// its inputs alone.
import NTMCore

/// A buffer a backward touches: a gradient it adds into, or an input or output gradient it only reads.
public struct CheckedBuffer {
    public let name: String
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

    public init(_ name: String, _ pointer: UnsafeMutablePointer<Float>, count: Int) {
        self.name = name
        self.pointer = pointer
        self.count = count
    }

    public init(_ name: String, _ buffer: TestBuffer) { self.init(name, buffer.p, count: buffer.count) }

    /// A parameter's `grad`.
    public init(gradientOf p: Parameter) { self.init("\(p.name).grad", p.grad.base, count: p.count) }

    /// A parameter's `value` (read only by a backward).
    public init(valueOf p: Parameter) { self.init(p.name, p.value.base, count: p.count) }

    var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
}

public enum GradientConventionCheck {
    /// The pre-filled value of entry `i`: non-zero, of either sign, exact in Float.
    public static func prefill(_ i: Int) -> Float { Float(i % 7 - 3) * 0.25 + 0.125 }

    /// Runs `backward` once with every buffer of `gradients` zeroed and once with them pre-filled, and
    /// returns every departure from ``GradientConvention`` (empty when there is none):
    ///
    /// - a gradient entry that does not come back as `prefill + g`, where `g` is what the zeroed run gave
    ///   (within `tolerance · (1 + |prefill| + |g|)`: an op that adds term by term rounds differently from
    ///   one that adds its sum once; overwriting misses by `|prefill| ≥ 0.125`);
    /// - a `readOnly` buffer (output gradients, inputs, caches) whose bits changed.
    ///
    /// `backward` must be repeatable: it runs the whole backward pass (including any begin/finish steps).
    public static func violations(
        gradients: [CheckedBuffer], readOnly: [CheckedBuffer], tolerance: Float = 1e-4, backward: () -> Void
    ) -> [String] {
        var found: [String] = []
        let before = readOnly.map { $0.array.map(\.bitPattern) }
        func checkReadOnly(_ run: String) {
            for (b, saved) in zip(readOnly, before) where b.array.map(\.bitPattern) != saved {
                found.append("\(b.name) changed by the backward (\(run) run)")
            }
        }
        for g in gradients { g.pointer.update(repeating: 0, count: g.count) }
        backward()
        checkReadOnly("zeroed")
        let fresh = gradients.map(\.array)
        var offset = 0
        for g in gradients {
            for i in 0..<g.count { g.pointer[i] = prefill(offset + i) }
            offset += g.count
        }
        backward()
        checkReadOnly("pre-filled")
        offset = 0
        for (g, zeroed) in zip(gradients, fresh) {
            for i in 0..<g.count {
                let p = prefill(offset + i), got = g.pointer[i], want = p + zeroed[i]
                if !(abs(got - want) <= tolerance * (1 + abs(p) + abs(zeroed[i]))) {
                    found.append("\(g.name)[\(i)]: pre-filled \(p), gradient \(zeroed[i]), got \(got) instead of \(want)")
                    break
                }
            }
            offset += g.count
        }
        return found
    }
}
