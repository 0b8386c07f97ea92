// The kit's only source of randomness: a seeded xoshiro256** generator.
// Every draw in the kit goes through one of these, so a seed fixes every number of a run.

/// A seeded pseudo-random generator (xoshiro256** by Blackman and Vigna, seeded by SplitMix64).
///
/// A value type: copying it forks the stream, and its whole state is four `UInt64`s
/// (``state``), which checkpoints can store to resume a run exactly.
public struct RandomSource: RandomNumberGenerator, Sendable, Equatable {
    public private(set) var state: (UInt64, UInt64, UInt64, UInt64)

    public static func == (a: RandomSource, b: RandomSource) -> Bool {
        a.state == b.state
    }

    /// Seeds the four words from SplitMix64 so that nearby seeds give unrelated streams.
    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    /// Restores a generator from a saved ``state``; an all-zero state is not a valid xoshiro state.
    public init?(state: (UInt64, UInt64, UInt64, UInt64)) {
        if state == (0, 0, 0, 0) { return nil }
        self.state = state
    }

    /// A generator for a named sub-stream: the same parent seed and label always give the same stream.
    public static func derived(seed: UInt64, stream: String) -> RandomSource {
        // FNV-1a of the label, mixed with the seed.
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in stream.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return RandomSource(seed: seed ^ h)
    }

    public mutating func next() -> UInt64 {
        let result = rotl(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotl(state.3, 45)
        return result
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform in [0, 1) with 24 random bits (exactly representable in Float).
    public mutating func uniformFloat() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func uniformDouble() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Uniform in [low, high).
    public mutating func uniform(_ low: Float, _ high: Float) -> Float {
        low + (high - low) * uniformFloat()
    }

    /// Uniform integer in the closed range, without modulo bias (Lemire's method via the stdlib).
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        Int.random(in: range, using: &self)
    }

    /// A fair coin: `true` with probability 1/2.
    public mutating func bit() -> Bool { next() >> 63 == 1 }

    /// Standard normal draw (Box-Muller on two uniform doubles), scaled. The logarithm and cosine are
    /// the kit's own (``KitMath``), so a seed gives the same draws on every platform.
    public mutating func normal(mean: Float = 0, std: Float = 1) -> Float {
        let u1 = max(uniformDouble(), 1e-300)
        let u2 = uniformDouble()
        let z = (-2 * KitMath.log(u1)).squareRoot() * KitMath.cos(2 * Double.pi * u2)
        return mean + std * Float(z)
    }
}
