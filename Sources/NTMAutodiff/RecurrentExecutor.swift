// The Float32 executor a model trains with: a recorded program bound to the kit's Parameters,
// so gradients land in each Parameter's `grad` where optimisers, clipping and checkpoints find them.
import NTMCore

/// Runs a ``RecurrentProgram`` in Float over `[T, B, X]` inputs, with backpropagation through time.
///
/// Parameter values are read from, and gradients added into, the given ``Parameter``s directly
/// (matched by name). Buffers are sized on the first sequence and reused; no step allocates.
public final class RecurrentExecutor {
    public let program: RecurrentProgram
    public let parameters: [Parameter]
    let engine: RecurrentEngine<Float>

    public init(program: RecurrentProgram, parameters: [Parameter]) {
        self.program = program
        self.parameters = parameters
        var slots: [String: ParameterSlot<Float>] = [:]
        for p in parameters { slots[p.name] = ParameterSlot(value: p.value.base, grad: p.grad.base) }
        for s in program.parameterSpecs {
            guard let p = parameters.named(s.name) else { preconditionFailure("no Parameter named '\(s.name)'") }
            precondition(p.shape == s.shape, "Parameter '\(s.name)' has shape \(p.shape), declared \(s.shape)")
        }
        engine = RecurrentEngine(program: program, parameters: slots)
    }

    /// `inputs` `[T, B, X]` → `outputs` `[T, B, Y]`.
    public func forward(inputs: UnsafePointer<Float>, steps: Int, batch: Int, outputs: UnsafeMutablePointer<Float>) {
        engine.forward(inputs: inputs, outputs: outputs, steps: steps, batch: batch)
    }

    /// Adds `dL/dθ` into every parameter's `grad`, for `dL/doutputs` of the last forward pass.
    public func backward(outputGradients: UnsafePointer<Float>) {
        engine.backward(outputGradients: outputGradients)
    }

    /// Every value recorded with ``StepGraph/record(_:_:)`` over the last forward pass, `[T, B, ...]`.
    public func recordedTensors() -> [(name: String, tensor: Tensor)] {
        program.recordedNames.compactMap { name in
            engine.recorded(name).map { (name, Tensor(shape: $0.shape, values: $0.values)) }
        }
    }
}
