// The protocol every trainable model implements, so that the trainer, the evaluator, checkpoints,
// traces and reports serve the NTM, the baselines and any user model alike.
import NTMCore

/// A model that maps an input sequence to one logit vector per step, with an explicit backward pass.
///
/// Layout is time-major, as in the spec's trace format: inputs `[T, B, X]`, logits `[T, B, Y]`.
public protocol SequenceModel: AnyObject {
    /// The model kind written in checkpoints (`ntm`, `lstm`, `gru`, or a user's own).
    var kind: String { get }
    /// The configuration written in checkpoints (the `config` metadata), as a JSON object.
    var configJSON: JSONValue { get }
    var inputWidth: Int { get }
    var outputWidth: Int { get }
    /// Every parameter, trainable or not, in checkpoint order.
    var parameters: [Parameter] { get }

    /// Runs the model over `inputs` (`[T, B, X]`) and writes `logits` (`[T, B, Y]`), keeping what
    /// `backward` needs.
    func forward(inputs: UnsafePointer<Float>, steps: Int, batch: Int, logits: UnsafeMutablePointer<Float>)

    /// Given `dL/dlogits` of the last forward pass, adds the gradient of every parameter into its `grad`
    /// (see ``GradientConvention``); `logitGradients` is read only.
    func backward(logitGradients: UnsafePointer<Float>)

    /// Internal per-step tensors of the last forward pass that traces record (the NTM's head weightings).
    func recordedTensors() -> [(name: String, tensor: Tensor)]

    /// Threads the model may use inside one forward or backward pass, for work split into disjoint
    /// output blocks (so no number depends on it). `GradientStep.modelThreads` sets it; by default 1,
    /// since splitting the paper's NTM at batch 1 measured slower on 2 cores. Models that have no use
    /// for it ignore it.
    var parallelism: Parallelism { get set }
}

extension SequenceModel {
    public func recordedTensors() -> [(name: String, tensor: Tensor)] { [] }

    public var parallelism: Parallelism {
        get { .serial }
        set {}
    }

    /// Number of trainable scalars.
    public var parameterCount: Int { parameters.trainableCount }
}
