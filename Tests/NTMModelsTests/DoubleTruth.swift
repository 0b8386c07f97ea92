// The float64 truth of one pass of an NTM checkpoint on a batch: the NTM written with ops
// (ntm-ops), loaded with the checkpoint's parameters and run forward and backward in Double.
import Foundation
import NTMCore
import NTMAutodiff
import NTMModels

/// The spec's bit loss (models.md § Loss) in Double: `BCE(y, t) = max(y, 0) - y t + log(1 + e^{-|y|})`
/// summed over the target bits of every masked step and divided by the batch size, with its gradient
/// `dL/dy = (σ(y) - t) · mask / B`.
func doubleBitLoss(targets: Tensor, mask: Tensor) -> ([Double]) -> (loss: Double, gradient: [Double]) {
    let T = targets.shape[0], B = targets.shape[1], Y = targets.shape[2]
    return { y in
        var loss = 0.0, grad = [Double](repeating: 0, count: y.count)
        for t in 0..<T where mask.values[t] != 0 {
            let m = Double(mask.values[t])
            for i in (t * B * Y)..<((t + 1) * B * Y) {
                let z = y[i], target = Double(targets.values[i])
                loss += m * (max(z, 0) - z * target + log1p(exp(-abs(z))))
                grad[i] = m * (1 / (1 + exp(-z)) - target) / Double(B)
            }
        }
        return (loss / Double(B), grad)
    }
}

/// Every tensor of a trace (models.md § "Trace format") computed in Double, by name: `logits`, `loss`,
/// `grad.{name}` of every trainable parameter and the recorded head weightings.
struct DoubleTruth {
    var tensors: [String: (shape: [Int], values: [Double])]

    /// Runs the NTM of `checkpoint` (an `ntm` checkpoint: ntm-ops has the same parameters) in Double on
    /// `inputs` `[T, B, X]`, `targets` `[T, B, Y]`, `mask` `[T]`.
    init(checkpoint: SafeTensorsFile, inputs: Tensor, targets: Tensor, mask: Tensor) throws {
        let config = try Checkpoint.config(of: checkpoint, source: "checkpoint")
        var rng = RandomSource(seed: 0)
        let model = GraphModel.ntmWithOps(config, rng: &rng)
        try Checkpoint.load(checkpoint, into: model, source: "checkpoint")
        let T = inputs.shape[0], B = inputs.shape[1], N = config.memoryRows
        let result = evaluateInDouble(GraphModel.ntmOpsDefinition(config), parameters: model.parameters,
                                      inputs: inputs.values, steps: T, batch: B,
                                      loss: doubleBitLoss(targets: targets, mask: mask))
        tensors = ["logits": (targets.shape, result.outputs), "loss": ([1], [result.loss])]
        for p in model.parameters where p.trainable {
            tensors["grad." + p.name] = (p.shape, result.gradients[p.name]!)
        }
        for (name, w) in result.recorded { tensors[name] = ([T, B, N], w) }
    }

    /// The truth stored as float32 beside the batch, in the trace format (the golden traces' convention:
    /// float64 arithmetic, float32 storage, so a stored value is within 6e-8 of its truth).
    func traceFile(inputs: Tensor, targets: Tensor, mask: Tensor, metadata: [String: String]) -> SafeTensorsFile {
        var list = [SafeTensor(name: "inputs", shape: inputs.shape, values: inputs.values),
                    SafeTensor(name: "targets", shape: targets.shape, values: targets.values),
                    SafeTensor(name: "mask", shape: mask.shape, values: mask.values)]
        for (name, t) in tensors { list.append(SafeTensor(name: name, shape: t.shape, values: t.values.map { Float($0) })) }
        return SafeTensorsFile(metadata: metadata, tensors: list)
    }
}

/// `max |actual - truth| / max |truth|`, the golden traces' measure, against a Double reference.
func relativeError(_ actual: [Float], _ truth: [Double]) -> Double {
    precondition(actual.count == truth.count, "\(actual.count) values against \(truth.count)")
    var diff = 0.0, scale = 0.0
    for (a, t) in zip(actual, truth) {
        let d = abs(Double(a) - t)
        diff = d.isNaN ? .infinity : max(diff, d)
        scale = max(scale, abs(t))
    }
    return scale > 0 ? diff / scale : diff
}
