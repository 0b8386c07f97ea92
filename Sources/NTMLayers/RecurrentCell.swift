// The single-step recurrent cell protocol shared by LSTM and GRU stacks, NTM controllers and
// any cell a user adds: forward one step at a time, then backward through the same steps in reverse.
import NTMCore

/// A recurrent cell unrolled by a sequence model one step at a time, with an explicit backward pass.
///
/// A cell owns its parameters (including learned initial states) and a cache sized by
/// ``prepare(steps:batch:)``. A forward pass calls ``forward(step:input:)`` for `t = 0, 1, …, T-1`;
/// the backward pass then calls ``beginBackward()``, ``backward(step:outputGradient:inputGradient:)``
/// for `t = T-1, …, 0`, and ``finishBackward()``, which adds the weight gradients of the whole
/// sequence to the parameters' `grad`. Both add into (see ``GradientConvention``).
///
/// Layout: every per-step tensor is batch-major `[B, width]`, contiguous.
public protocol RecurrentCell: AnyObject {
    /// Width of the input at each step.
    var inputSize: Int { get }
    /// Width of the output `h` at each step.
    var outputSize: Int { get }
    /// Parameters in checkpoint order.
    var parameters: [Parameter] { get }

    /// Sizes the caches for `steps` steps of `batch` sequences (allocates only when they grow).
    func prepare(steps: Int, batch: Int)

    /// Runs step `t` on `input` `[B, inputSize]` and returns a pointer to its output `[B, outputSize]`,
    /// valid until the next `prepare`.
    func forward(step t: Int, input: UnsafePointer<Float>) -> UnsafePointer<Float>

    /// Output of step `t` (`[B, outputSize]`), as returned by `forward`.
    func output(step t: Int) -> UnsafePointer<Float>

    /// Outputs of steps `0..<T` as one contiguous `[T, B, outputSize]` block.
    var outputs: UnsafePointer<Float> { get }

    /// Clears the recurrent gradients carried between backward steps.
    func beginBackward()

    /// Backward through step `t`: `outputGradient` `[B, outputSize]` is dL/dh_t from outside the cell
    /// (the cell adds the recurrent part itself); adds dL/dinput_t into (see ``GradientConvention``)
    /// `inputGradient` `[B, inputSize]` when it is not `nil`.
    func backward(step t: Int, outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?)

    /// Adds the gradients of weights, biases and initial states for the whole sequence into their `grad`
    /// (see ``GradientConvention``).
    func finishBackward()

    /// ``finishBackward()`` with up to `parallelism.threads` threads for the weight-gradient products.
    /// The result must not depend on the thread count. The default ignores it and runs serially.
    func finishBackward(parallelism: Parallelism)
}

extension RecurrentCell {
    public func finishBackward(parallelism: Parallelism) { finishBackward() }
}
