// The optimiser protocol: per-parameter state plus one update rule, with the loop over
// parameters written once (the MLX Swift split: newState + applySingle).
import NTMCore

/// An optimiser that updates each trainable parameter from its gradient and a state of its own.
///
/// Implementations give ``stateSize(for:)`` (floats of state per parameter, laid out however they
/// like) and ``update(value:gradient:state:count:step:)``; ``step(_:)`` walks the parameters.
/// The state is exposed as named buffers (`{name}.{slot}`) so checkpoints can save and restore it.
public protocol Optimizer: AnyObject {
    /// A short name for reports (`rmsprop`, `adam`, ...).
    var name: String { get }
    /// Names of the per-parameter state slots, each the parameter's size (e.g. `["m", "v"]`).
    var stateSlots: [String] { get }
    /// Applies the update rule to `count` scalars. `state` holds `stateSlots.count` consecutive slots of
    /// `count` floats each. `step` counts updates from 1.
    func update(value: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>,
                state: UnsafeMutablePointer<Float>, count: Int, step: Int)
}

/// Holds an optimiser's state for a list of parameters and applies it.
public final class OptimizerState {
    public let optimizer: any Optimizer
    public let parameters: [Parameter]
    /// One buffer per trainable parameter: `stateSlots.count * count` floats.
    public let buffers: [FloatBuffer]
    /// Updates applied so far.
    public private(set) var step = 0

    public init(optimizer: any Optimizer, parameters: [Parameter]) {
        self.optimizer = optimizer
        self.parameters = parameters.filter(\.trainable)
        buffers = self.parameters.map { FloatBuffer(count: $0.count * optimizer.stateSlots.count) }
    }

    /// One update of every trainable parameter from its current gradient.
    public func apply() {
        step += 1
        for (p, s) in zip(parameters, buffers) {
            optimizer.update(value: p.value.base, gradient: p.grad.base, state: s.base, count: p.count, step: step)
        }
    }

    /// Restores the step counter (for resuming).
    public func restore(step: Int) { self.step = step }
}
