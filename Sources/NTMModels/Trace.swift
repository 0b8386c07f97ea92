// Traces (models.md § "Trace format"): one forward and backward pass recorded in safetensors,
// so that another implementation of the spec can be compared with ours tensor by tensor.
import NTMCore
import NTMLayers

/// The result of one forward and backward pass on a batch.
public struct PassResult {
    public var logits: Tensor
    public var loss: BitLossResult
}

public enum Trace {
    /// Runs `model` forward and backward on one batch, leaving the gradients in the parameters (zeroed first).
    ///
    /// - Parameters: inputs `[T, B, X]`, targets `[T, B, Y]`, mask `[T]`.
    public static func forwardBackward(
        model: any SequenceModel, inputs: Tensor, targets: Tensor, mask: Tensor
    ) -> PassResult {
        precondition(inputs.shape.count == 3 && targets.shape.count == 3 && mask.shape.count == 1,
                     "trace tensors must be [T, B, X], [T, B, Y], [T]")
        let T = inputs.shape[0], B = inputs.shape[1], Y = model.outputWidth
        precondition(inputs.shape[2] == model.inputWidth && targets.shape == [T, B, Y] && mask.shape == [T],
                     "batch shapes \(inputs.shape), \(targets.shape), \(mask.shape) do not fit the model")
        model.parameters.zeroGradients()
        var logits = [Float](repeating: 0, count: T * B * Y)
        var grad = [Float](repeating: 0, count: T * B * Y)
        var loss = BitLossResult(loss: 0, bitErrors: 0)
        inputs.values.withUnsafeBufferPointer { x in
            logits.withUnsafeMutableBufferPointer { y in
                model.forward(inputs: x.baseAddress!, steps: T, batch: B, logits: y.baseAddress!)
            }
        }
        targets.values.withUnsafeBufferPointer { tg in
            mask.values.withUnsafeBufferPointer { m in
                logits.withUnsafeBufferPointer { y in
                    grad.withUnsafeMutableBufferPointer { g in
                        loss = BitLoss.evaluate(logits: y.baseAddress!, targets: tg.baseAddress!, mask: m.baseAddress!,
                                                steps: T, batch: B, width: Y, gradient: g.baseAddress!)
                    }
                }
            }
        }
        grad.withUnsafeBufferPointer { model.backward(logitGradients: $0.baseAddress!) }
        return PassResult(logits: Tensor(shape: [T, B, Y], values: logits), loss: loss)
    }

    /// The trace file of one pass: batch, logits, loss, every parameter's gradient, recorded tensors.
    public static func record(
        model: any SequenceModel, inputs: Tensor, targets: Tensor, mask: Tensor, metadata extra: [String: String] = [:]
    ) -> SafeTensorsFile {
        let pass = forwardBackward(model: model, inputs: inputs, targets: targets, mask: mask)
        var tensors = [
            SafeTensor(name: "inputs", shape: inputs.shape, values: inputs.values),
            SafeTensor(name: "targets", shape: targets.shape, values: targets.values),
            SafeTensor(name: "mask", shape: mask.shape, values: mask.values),
            SafeTensor(name: "logits", shape: pass.logits.shape, values: pass.logits.values),
            SafeTensor(name: "loss", shape: [1], values: [Float(pass.loss.loss)]),
        ]
        for p in model.parameters {
            tensors.append(SafeTensor(name: "grad.\(p.name)", shape: p.shape, values: p.grad.array))
        }
        for (name, t) in model.recordedTensors() {
            tensors.append(SafeTensor(name: name, shape: t.shape, values: t.values))
        }
        var metadata = extra
        metadata["format"] = Checkpoint.format
        metadata["model"] = model.kind
        metadata["config"] = model.configJSON.serialized(sortedKeys: true)
        return SafeTensorsFile(metadata: metadata, tensors: tensors)
    }
}
