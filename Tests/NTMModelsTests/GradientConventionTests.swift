// A model's backward adds into every parameter's `grad` and leaves the logit gradients alone
// (NTMCore's GradientConvention), checked on pre-filled gradients.
import NTMCore
import NTMModels
import Testing
import _NTMTestSupport

@Suite("Gradient convention: NTMModels")
struct ModelGradientConventionTests {
    @Test(arguments: ["ntm", "lstm", "gru", "rnn"])
    func backwardAddsIntoParameterGradients(_ kind: String) {
        let config = kind == "ntm"
            ? ModelConfig(kind: .ntm, inputWidth: 4, outputWidth: 3, controllerSize: 5, layers: 2, memoryRows: 6,
                          memoryWidth: 3, readHeads: 2, writeHeads: 2, shiftRange: 1)
            : ModelConfig(kind: ModelKind(rawValue: kind)!, inputWidth: 4, outputWidth: 3, controllerSize: 5, layers: 2)
        var rng = RandomSource(seed: 31)
        let model = ModelFactory.make(config, rng: &rng)
        for p in model.parameters where p.trainable {
            for i in 0..<p.count { p.value.base[i] += rng.uniform(-0.3, 0.3) }
        }
        let T = 4, B = 2
        let x = TestBuffer(TestData.uniform(T * B * model.inputWidth, rng: &rng))
        let y = TestBuffer(zeros: T * B * model.outputWidth), dy = TestBuffer(TestData.uniform(T * B * model.outputWidth, rng: &rng))
        model.forward(inputs: x.p, steps: T, batch: B, logits: y.p)
        let violations = GradientConventionCheck.violations(
            gradients: model.parameters.filter(\.trainable).map { .init(gradientOf: $0) },
            readOnly: [.init("logit gradients", dy), .init("inputs", x), .init("logits", y)]
                + model.parameters.map { .init(valueOf: $0) }
        ) { model.backward(logitGradients: dy.p) }
        #expect(violations.isEmpty, "\(violations.joined(separator: "\n"))")
    }
}
