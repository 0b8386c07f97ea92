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
    var storage: [(spec: ParameterSpec, value: UnsafeMutablePointer<Double>, grad: UnsafeMutablePointer<Double>)] = []
    var slots: [String: ParameterSlot<Double>] = [:]
    for s in program.parameterSpecs {
        guard let p = parameters.named(s.name), p.shape == s.shape else {
            preconditionFailure("evaluateInDouble: no parameter '\(s.name)' of shape \(s.shape)")
        }
        let v = UnsafeMutablePointer<Double>.allocate(capacity: max(p.count, 1))
        let g = UnsafeMutablePointer<Double>.allocate(capacity: max(p.count, 1))
        for i in 0..<p.count { v[i] = Double(p.value.base[i]) }
        g.initialize(repeating: 0, count: max(p.count, 1))
        storage.append((s, v, g))
        slots[s.name] = ParameterSlot(value: v, grad: g)
    }
    defer { for s in storage { s.value.deallocate(); s.grad.deallocate() } }
    let engine = RecurrentEngine<Double>(program: program, parameters: slots)
    let x = inputs.map(Double.init)
    var y = [Double](repeating: 0, count: steps * batch * program.outputWidth)
    x.withUnsafeBufferPointer { xp in
        y.withUnsafeMutableBufferPointer { engine.forward(inputs: xp.baseAddress!, outputs: $0.baseAddress!, steps: steps, batch: batch) }
    }
    let (l, dy) = loss(y)
    precondition(dy.count == y.count, "the loss gradient has \(dy.count) values for \(y.count) outputs")
    dy.withUnsafeBufferPointer { engine.backward(outputGradients: $0.baseAddress!) }
    var gradients: [String: [Double]] = [:]
    for s in storage where s.spec.trainable { gradients[s.spec.name] = Array(UnsafeBufferPointer(start: s.grad, count: s.spec.count)) }
    var recorded: [String: [Double]] = [:]
    for name in program.recordedNames { recorded[name] = engine.recorded(name)?.values }
    return DoubleEvaluation(outputs: y, loss: l, gradients: gradients, recorded: recorded)
}
