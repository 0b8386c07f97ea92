// Public finite-difference gradient checker: the test every differentiable piece of the kit,
// and of any package built on it, must pass.

/// The result of comparing analytic gradients with central finite differences.
public struct GradientCheckReport: Sendable, CustomStringConvertible {
    public struct Entry: Sendable {
        public var name: String
        public var checked: Int
        /// Largest `|analytic - numeric|` divided by the tensor's largest |analytic| gradient
        /// (floored at `absoluteFloor`, so near-zero gradients are judged absolutely).
        public var relativeError: Double
        public var worstIndex: Int
        public var analytic: Double
        public var numeric: Double
    }

    public var entries: [Entry]

    public var maxRelativeError: Double { entries.map(\.relativeError).max() ?? 0 }

    public func passes(tolerance: Double) -> Bool {
        entries.allSatisfy { $0.relativeError <= tolerance && !$0.relativeError.isNaN }
    }

    public var description: String {
        entries.map {
            "\($0.name): rel err \($0.relativeError) over \($0.checked) entries "
                + "(worst [\($0.worstIndex)]: analytic \($0.analytic), numeric \($0.numeric))"
        }.joined(separator: "\n")
    }
}

/// Checks analytic gradients of a scalar loss with respect to some tensors by central differences:
///
/// ```
/// numeric_i = (loss(x + ε e_i) - loss(x - ε e_i)) / (2ε)
/// ```
///
/// - Parameters:
///   - tensors: the inputs to perturb, each as `(name, values, analyticGradient)`. `values` is
///     perturbed in place and restored.
///   - epsilon: the step ε. Float32 losses want about `1e-2`…`1e-3`.
///   - maxEntriesPerTensor: entries checked per tensor (all when the tensor is small; otherwise
///     an evenly spaced sample, always including the first and the last).
///   - absoluteFloor: errors are relative to `max(largest |analytic|, absoluteFloor)`.
///   - loss: recomputes the loss from the current values (accumulate it in `Double`).
public func gradientCheck(
    tensors: [(name: String, values: UnsafeMutablePointer<Float>, count: Int, analytic: [Float])],
    epsilon: Float = 1e-2,
    maxEntriesPerTensor: Int = 40,
    absoluteFloor: Double = 1e-3,
    loss: () -> Double
) -> GradientCheckReport {
    var entries: [GradientCheckReport.Entry] = []
    for t in tensors {
        precondition(t.analytic.count == t.count, "\(t.name): \(t.analytic.count) gradients for \(t.count) values")
        let indices: [Int]
        if t.count <= maxEntriesPerTensor {
            indices = Array(0..<t.count)
        } else {
            indices = (0..<maxEntriesPerTensor).map { $0 * (t.count - 1) / (maxEntriesPerTensor - 1) }
        }
        let scale = max(Double(t.analytic.reduce(0) { max($0, abs($1)) }), absoluteFloor)
        var entry = GradientCheckReport.Entry(
            name: t.name, checked: indices.count, relativeError: 0, worstIndex: 0, analytic: 0, numeric: 0)
        for i in indices {
            let saved = t.values[i]
            t.values[i] = saved + epsilon
            let up = loss()
            t.values[i] = saved - epsilon
            let down = loss()
            t.values[i] = saved
            // The actual step, as rounded in Float, not the nominal one.
            let h = Double(saved + epsilon) - Double(saved - epsilon)
            let numeric = (up - down) / h
            let err = abs(numeric - Double(t.analytic[i])) / scale
            if err > entry.relativeError || err.isNaN {
                entry.relativeError = err.isNaN ? .infinity : err
                entry.worstIndex = i
                entry.analytic = Double(t.analytic[i])
                entry.numeric = numeric
            }
        }
        entries.append(entry)
    }
    return GradientCheckReport(entries: entries)
}

/// Gradient check of a whole set of ``Parameter``s (a module or a model).
///
/// - Parameters:
///   - parameters: the parameters to check (their `grad` must hold the analytic gradient after
///     `computeGradients` runs).
///   - computeGradients: zeroes the gradients and runs forward and backward once.
///   - loss: runs forward only and returns the loss.
public func gradientCheck(
    parameters: [Parameter],
    epsilon: Float = 1e-2,
    maxEntriesPerTensor: Int = 40,
    absoluteFloor: Double = 1e-3,
    computeGradients: () -> Void,
    loss: () -> Double
) -> GradientCheckReport {
    computeGradients()
    let tensors = parameters.map { p in
        (name: p.name, values: p.value.base, count: p.count, analytic: p.grad.array)
    }
    return gradientCheck(
        tensors: tensors, epsilon: epsilon, maxEntriesPerTensor: maxEntriesPerTensor,
        absoluteFloor: absoluteFloor, loss: loss)
}
