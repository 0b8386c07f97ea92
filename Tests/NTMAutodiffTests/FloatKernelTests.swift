// Every op's Float kernels (the kit's fused NTM kernels for the memory ops, the blocked matrix
// kernels for linear layers) against the same program run in Double: outputs and every gradient.
import Testing
import NTMCore
import NTMAutodiff

@Suite("Float kernels against Double")
struct FloatKernelTests {
    @Test(arguments: opCases)
    func floatAgreesWithDouble(_ c: OpCase) {
        let model = ClosureModel.harness(V: c.V, extra: c.extra, c.op)
        var rng = RandomSource(seed: 5)
        let parameters = model.makeParameters()
        model.initialize(parameters, rng: &rng)
        let T = 4, B = 3
        let inputs = (0..<(T * B * model.inputWidth)).map { _ in rng.normal() }
        let weights = (0..<(T * B * model.outputWidth)).map { _ in Double(rng.normal()) }
        let double = evaluateInDouble(model, parameters: parameters, inputs: inputs, steps: T, batch: B) { y in
            (zip(y, weights).reduce(0) { $0 + $1.0 * $1.1 }, weights)
        }
        let executor = RecurrentExecutor(program: RecurrentProgram(model), parameters: parameters)
        var outputs = [Float](repeating: 0, count: T * B * model.outputWidth)
        inputs.withUnsafeBufferPointer { x in
            outputs.withUnsafeMutableBufferPointer { executor.forward(inputs: x.baseAddress!, steps: T, batch: B, outputs: $0.baseAddress!) }
        }
        let dy = weights.map(Float.init)
        dy.withUnsafeBufferPointer { executor.backward(outputGradients: $0.baseAddress!) }
        func relative(_ a: [Float], _ b: [Double]) -> Double {
            let scale = max(b.map(abs).max() ?? 0, 1e-6)
            return zip(a, b).map { abs(Double($0) - $1) }.max()! / scale
        }
        #expect(relative(outputs, double.outputs) < 1e-4, "\(c.name): outputs")
        for p in parameters where p.trainable {
            let err = relative(p.grad.array, double.gradients[p.name]!)
            #expect(err < 1e-3, "\(c.name): grad.\(p.name) relative error \(err)")
        }
    }
}
