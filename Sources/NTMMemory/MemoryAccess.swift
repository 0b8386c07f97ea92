// The protocol a memory architecture implements to plug into MemoryAugmentedModel: the NTM's
// memory is one; a DNC or a memory network would be another, in its own file or package.
import NTMCore

/// A differentiable external memory driven by a controller, stepped through time with an explicit
/// backward pass (the same protocol shape as ``RecurrentCell``).
///
/// At step `t` it receives the controller's output `h_t` (`[B, controllerSize]`) and returns the read
/// vectors `r_t` (`[B, readSize]`), which the model feeds to the output layer at `t` and to the
/// controller at `t + 1`. All of its state (memory, weightings) lives in its own caches, indexed by step.
public protocol MemoryAccess: AnyObject {
    var controllerSize: Int { get }
    var readSize: Int { get }
    /// Parameters in checkpoint order, named as in the checkpoint.
    var parameters: [Parameter] { get }

    func prepare(steps: Int, batch: Int)
    /// `r_0` (`[B, readSize]`), valid after `prepare`; computed from the parameters at each call.
    func initialReads() -> UnsafePointer<Float>
    /// Step `t`: addressing, reads, writes. Returns `r_t` (`[B, readSize]`).
    func forward(step t: Int, controllerOutput: UnsafePointer<Float>) -> UnsafePointer<Float>

    func beginBackward()
    /// Backward through step `t`, given `dL/dr_t` from everything that used `r_t`; adds `dL/dh_t` into
    /// (see ``GradientConvention``) `controllerOutputGradient` (`[B, controllerSize]`).
    func backward(step t: Int, readGradient: UnsafePointer<Float>,
                  controllerOutputGradient: UnsafeMutablePointer<Float>)
    /// Adds into the parameters' `grad` (see ``GradientConvention``) the weight gradients (given the
    /// controller outputs of all steps, `[T, B, controllerSize]`) and the gradients of the learned initial
    /// state (given `dL/dr_0`).
    func finishBackward(controllerOutputs: UnsafePointer<Float>, initialReadGradient: UnsafePointer<Float>)

    /// Each head's weighting at every step of the last forward pass, as `(name, [T, B, N])`.
    func recordedWeightings() -> [(name: String, tensor: Tensor)]
}
