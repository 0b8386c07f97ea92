import NTMCore
import NTMModels
import Testing
import _NTMTestSupport
@Test func zzScratch() {
    for c in ModelGradientTests.cases {
    var rng = RandomSource(seed: c.seed)
    let model = ModelFactory.make(c.config, rng: &rng)
    for p in model.parameters where p.trainable { for i in 0..<p.count { p.value.base[i] += rng.uniform(-0.3, 0.3) } }
    let T = 5, B = 2, X = 4, Y = 3
    let inputs = Tensor(shape: [T, B, X], values: TestData.uniform(T * B * X, rng: &rng))
    let targets = Tensor(shape: [T, B, Y], values: (0..<(T * B * Y)).map { _ in rng.bit() ? 1 : 0 })
    let mask = Tensor(shape: [T], values: [0, 1, 0, 1, 1])
    _ = Trace.forwardBackward(model: model, inputs: inputs, targets: targets, mask: mask)
    let tensors = model.parameters.filter(\.trainable).map { p in (name: p.name, values: p.value.base, count: p.count, analytic: p.grad.array) }
    var line = c.testDescription
    for eps: Float in [1e-2, 5e-3, 3e-3, 1e-3] {
        let r = gradientCheck(tensors: tensors, epsilon: eps, maxEntriesPerTensor: 24) {
            scratchLoss(model, inputs, targets, mask)
        }
        let w = r.entries.max { $0.relativeError < $1.relativeError }!
        line += "  eps \(eps): \(w.relativeError) (\(w.name))"
    }
    print(line)
    }
}
