// The eight-lane math kernels against the standard library: the square root bit for bit, exp,
// sigmoid and tanh within the accuracy FastMath.swift states.
import Foundation
import NTMCore
import Testing

@Suite("Vector math")
struct VectorMathTests {
    /// Values that reach every range of the square root: zeros, subnormals, powers of two, values
    /// just off a perfect square, the largest finite Float, infinity, and a seeded spread.
    static func squareRootInputs() -> [Float] {
        var values: [Float] = [0, -0, .leastNonzeroMagnitude, .leastNormalMagnitude, 1, 2, 4, 0.25,
                               Float(9).nextUp, Float(9).nextDown, .greatestFiniteMagnitude, .infinity]
        var rng = RandomSource(seed: 11)
        for _ in 0..<4_000 { values.append(Foundation.pow(10, rng.uniform(-40, 38))) }
        while values.count % 8 != 0 { values.append(rng.uniform(0, 1)) }
        return values
    }

    @Test func squareRootIsBitForBitTheScalarOne() {
        let values = Self.squareRootInputs()
        for start in stride(from: 0, to: values.count, by: 8) {
            let lanes = SIMD8<Float>(values[start..<start + 8])
            let root = squareRoot8(lanes)
            for i in 0..<8 { #expect(root[i].bitPattern == lanes[i].squareRoot().bitPattern, "√\(lanes[i])") }
        }
        // A negative lane gives NaN, as the scalar square root does.
        #expect(squareRoot8(SIMD8(repeating: -1))[3].isNaN)
    }

    /// Points spread over each function's range, eight at a time.
    static func lanes(from lo: Float, to hi: Float, count: Int = 4_096) -> [SIMD8<Float>] {
        var rng = RandomSource(seed: 3)
        return (0..<count / 8).map { _ in SIMD8<Float>((0..<8).map { _ in rng.uniform(lo, hi) }) }
    }

    @Test func expIsWithinTwoUnitsInTheLastPlace() {
        for x in Self.lanes(from: -87, to: 88) {
            let y = exp8(x)
            for i in 0..<8 {
                let exact = Foundation.exp(Double(x[i]))
                let ulp = Double(Float(exact).ulp)
                #expect(abs(Double(y[i]) - exact) <= 2 * ulp, "exp(\(x[i]))")
            }
        }
        // Out of range, the result is clamped: finite and positive.
        let clamped = exp8(SIMD8(-200, -88, 89, 200, 0, 1, -1, 50))
        for i in 0..<8 { #expect(clamped[i].isFinite && clamped[i] > 0) }
    }

    /// Every binade from the smallest subnormal to the largest float, 256 points each, and the points where
    /// the reduction switches (√½, 1, √2, powers of two).
    @Test func logIsWithinTwoUnitsInTheLastPlace() {
        var rng = RandomSource(seed: 8)
        var xs: [Float] = [1, 2, 0.5, 0.707_106_77, 0.707_106_8, 1.414_213_5, 1.414_213_6, .leastNonzeroMagnitude,
                           .leastNormalMagnitude, .greatestFiniteMagnitude, 1 + .ulpOfOne, 1 - .ulpOfOne / 2]
        for e in -149...127 {
            for _ in 0..<256 { xs.append(Float(sign: .plus, exponent: e, significand: rng.uniform(1, 2))) }
        }
        xs = xs.filter { $0 > 0 && $0.isFinite }
        while xs.count % 8 != 0 { xs.append(1) }
        var worst = 0.0
        for i in stride(from: 0, to: xs.count, by: 8) {
            let x = SIMD8<Float>(xs[i..<(i + 8)]), y = log8(x)
            for j in 0..<8 {
                let exact = Foundation.log(Double(x[j]))
                let ulp = exact == 0 ? Double(Float.leastNonzeroMagnitude) : Double(Float(exact).ulp)
                worst = max(worst, abs(Double(y[j]) - exact) / ulp)
            }
        }
        #expect(worst <= 2, "log8: \(worst) ulp")
    }

    @Test func sigmoidAndTanhAreWithinTheirStatedAbsoluteError() {
        for x in Self.lanes(from: -30, to: 30) {
            let s = sigmoid8(x), t = tanh8(x)
            for i in 0..<8 {
                let xi = Double(x[i])
                #expect(abs(Double(s[i]) - 1 / (1 + Foundation.exp(-xi))) <= 2e-7, "σ(\(x[i]))")
                #expect(abs(Double(t[i]) - Foundation.tanh(xi)) <= 2e-7, "tanh(\(x[i]))")
            }
        }
    }
}
