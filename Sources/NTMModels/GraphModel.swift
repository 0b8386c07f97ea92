// Any forward-only RecurrentDefinition as a SequenceModel: the trainer, evaluator, checkpoints,
// traces, reports and benchmarks then serve it exactly as they serve the fused built-in models.
import NTMCore
import NTMAutodiff

/// A ``SequenceModel`` whose backward pass is derived from its forward step (see ``RecurrentDefinition``).
public final class GraphModel: SequenceModel {
    public let kind: String
    public let configJSON: JSONValue
    public let inputWidth: Int
    public let outputWidth: Int
    public let parameters: [Parameter]
    public let executor: RecurrentExecutor

    /// Records `definition` once and binds it to fresh parameters drawn from `rng` by its `initialize`.
    public init(kind: String, configJSON: JSONValue, definition: some RecurrentDefinition, rng: inout RandomSource) {
        self.kind = kind
        self.configJSON = configJSON
        inputWidth = definition.inputWidth
        outputWidth = definition.outputWidth
        parameters = definition.makeParameters()
        definition.initialize(parameters, rng: &rng)
        executor = RecurrentExecutor(program: RecurrentProgram(definition), parameters: parameters)
    }

    public func forward(inputs: UnsafePointer<Float>, steps: Int, batch: Int, logits: UnsafeMutablePointer<Float>) {
        executor.forward(inputs: inputs, steps: steps, batch: batch, outputs: logits)
    }

    public func backward(logitGradients: UnsafePointer<Float>) {
        executor.backward(outputGradients: logitGradients)
    }

    public func recordedTensors() -> [(name: String, tensor: Tensor)] { executor.recordedTensors() }
}

extension GraphModel {
    /// The NTM of `models.md` written forward-only: ``NTMOpsMemory`` behind ``ControlledMemory``, for a
    /// built-in NTM configuration (its controller: LSTM or feedforward, as `config.controller` says).
    public static func ntmOpsDefinition(_ config: ModelConfig) -> ControlledMemory<NTMOpsMemory> {
        ControlledMemory(memory: NTMOpsMemory(config: config.memoryConfig), inputWidth: config.inputWidth,
                         outputWidth: config.outputWidth, layers: config.layers, clipValue: Double(config.clipValue),
                         controller: config.controller)
    }

    /// The NTM written forward-only, with the same parameter names, order and first values as the fused
    /// NTM built from `config`. `configJSON` defaults to the fused NTM's (the spec's keys), so a golden
    /// checkpoint's model and config describe it; the `ntm-ops` registry entry passes its own canonical config.
    public static func ntmWithOps(_ config: ModelConfig, kind: String = "ntm-ops", configJSON: JSONValue? = nil,
                                  rng: inout RandomSource) -> GraphModel {
        GraphModel(kind: kind, configJSON: configJSON ?? config.json, definition: ntmOpsDefinition(config), rng: &rng)
    }
}
