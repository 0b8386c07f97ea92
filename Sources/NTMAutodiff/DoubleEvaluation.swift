// One forward and backward pass of a forward-only model in Double: to compare a float32 model
// with a float64 reference (the spec's golden traces were computed in float64) with nothing lost
// to our own rounding.
import NTMCore

/// What ``evaluateInDouble(_:parameters:inputs:steps:batch:loss:)`` computed.
public struct DoubleEvaluation: Sendable {
    /// `[T, B, Y]`.
    public var outputs: [Double]
    public var loss: Double
    /// `dL/dθ` of every trainable parameter, by name.
    public var gradients: [String: [Double]]
    /// Every value recorded with ``StepGraph/record(_:_:)``, `[T, B, ...]`, by name.
    public var recorded: [String: [Double]]
}

/// Runs `definition` in Double at `parameters` (widened exactly from Float) over `inputs` (`[T, B, X]`);
/// `loss` maps the outputs to the loss and its gradient with respect to them.
public func evaluateInDouble(
    _ definition: some RecurrentDefinition,
    parameters: [Parameter],
    inputs: [Float],
    steps: Int,
    batch: Int,
    loss: ([Double]) -> (loss: Double, gradient: [Double])
) -> DoubleEvaluation {
    let program = RecurrentProgram(definition)
    precondition(inputs.count == steps * batch * program.inputWidth, "inputs hold \(inputs.count) values, not [T, B, X]")
    let copies = DoubleParameters(specs: program.parameterSpecs, from: parameters, caller: "evaluateInDouble")
    defer { withExtendedLifetime(copies) {} }
    let engine = RecurrentEngine<Double>(program: program, parameters: copies.slots)
    let x = inputs.map(Double.init)
    var y = [Double](repeating: 0, count: steps * batch * program.outputWidth)
    x.withUnsafeBufferPointer { xp in
        y.withUnsafeMutableBufferPointer { engine.forward(inputs: xp.baseAddress!, outputs: $0.baseAddress!, steps: steps, batch: batch) }
    }
    let (l, dy) = loss(y)
    precondition(dy.count == y.count, "the loss gradient has \(dy.count) values for \(y.count) outputs")
    dy.withUnsafeBufferPointer { engine.backward(outputGradients: $0.baseAddress!) }
    var gradients: [String: [Double]] = [:]
    for (k, s) in copies.specs.enumerated() where s.trainable {
        gradients[s.name] = Array(UnsafeBufferPointer(start: copies.grads[k], count: s.count))
    }
    var recorded: [String: [Double]] = [:]
    for name in program.recordedNames { recorded[name] = engine.recorded(name)?.values }
    return DoubleEvaluation(outputs: y, loss: l, gradients: gradients, recorded: recorded)
}
