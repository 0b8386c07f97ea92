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
    /// Applies the update rule to `count` scalars. Slot `j` of their state starts at
    /// `state + j * slotStride`. `step` counts updates from 1. The rule must be element-wise (each
    /// scalar's update reads only its own value, gradient and state), so that a parameter may be
    /// updated in blocks on several threads.
    func update(value: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>,
                state: UnsafeMutablePointer<Float>, slotStride: Int, count: Int, step: Int)
}

extension Optimizer {
    /// Applies the update rule to a whole parameter whose `stateSlots.count` slots of `count` floats
    /// lie one after another in `state`.
    public func update(value: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>,
                       state: UnsafeMutablePointer<Float>, count: Int, step: Int) {
        update(value: value, gradient: gradient, state: state, slotStride: count, count: count, step: step)
    }
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
    ///
    /// With more than one thread, the parameters are laid end to end and cut into one contiguous block
    /// per thread (the update is element-wise, so the numbers do not change).
    public func apply(parallelism: Parallelism = .serial) {
        step += 1
        let total = parameters.reduce(0) { $0 + $1.count }
        let step = self.step
        // Splitting pays only for large models: on the paper's NTM (64k parameters) a second thread cost
        // more than it saved; on a 3 x 256 LSTM (1.3M) it saves a few per cent of a step.
        parallelism.forEachBlock(of: total, alignment: 8, minimumBlock: 262_144) { block in
            self.update(block, step: step)
        }
    }

    /// Updates the scalars `block` of the parameters laid end to end.
    private func update(_ block: Range<Int>, step: Int) {
        var start = 0
        for (p, s) in zip(parameters, buffers) {
            let lo = max(block.lowerBound, start), hi = min(block.upperBound, start + p.count)
            if lo < hi {
                let o = lo - start
                optimizer.update(value: p.value.base + o, gradient: p.grad.base + o, state: s.base + o,
                                 slotStride: p.count, count: hi - lo, step: step)
            }
            start += p.count
            if start >= block.upperBound { break }
        }
    }

    /// Restores the step counter (for resuming).
    public func restore(step: Int) { self.step = step }
}
