// Compares two tensors the way the golden traces define agreement: the largest absolute
// difference divided by the reference's largest absolute entry.

/// How far a tensor is from a reference, in the spec's measure.
public struct Closeness: Sendable, CustomStringConvertible {
    public var name: String
    /// `max |actual - reference|`.
    public var maxAbsoluteDifference: Double
    /// `maxAbsoluteDifference / max |reference|` (or the absolute difference when the reference is all zero).
    public var relativeError: Double
    /// Index of the largest difference.
    public var worstIndex: Int
    public var worstActual: Float
    public var worstReference: Float
    /// `true` when shapes agree; `false` makes `relativeError` infinite.
    public var shapesMatch: Bool

    public init(name: String, actual: [Float], reference: [Float]) {
        self.name = name
        shapesMatch = actual.count == reference.count
        var maxDiff = 0.0, maxRef = 0.0, worst = 0
        var sawNaN = false
        if shapesMatch {
            for i in 0..<actual.count {
                let d = abs(Double(actual[i]) - Double(reference[i]))
                if d.isNaN { sawNaN = true; worst = i; break }
                if d > maxDiff { maxDiff = d; worst = i }
                maxRef = max(maxRef, abs(Double(reference[i])))
            }
        }
        maxAbsoluteDifference = sawNaN ? .nan : maxDiff
        if !shapesMatch || sawNaN {
            relativeError = .infinity
        } else {
            relativeError = maxRef > 0 ? maxDiff / maxRef : maxDiff
        }
        worstIndex = worst
        worstActual = shapesMatch && !actual.isEmpty ? actual[worst] : .nan
        worstReference = shapesMatch && !reference.isEmpty ? reference[worst] : .nan
    }

    public func within(_ tolerance: Double) -> Bool { relativeError <= tolerance }

    public var description: String {
        if !shapesMatch { return "\(name): sizes differ" }
        return "\(name): max abs diff \(maxAbsoluteDifference), relative \(relativeError) "
            + "(worst at [\(worstIndex)]: \(worstActual) vs reference \(worstReference))"
    }
}
