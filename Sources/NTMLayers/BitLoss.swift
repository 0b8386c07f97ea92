// The bit tasks' loss and metrics (models.md § "Loss and metrics"): binary cross-entropy with
// logits summed over target bits, averaged over the batch; cost in bits; bit errors.
import NTMCore

/// Loss, cost and bit errors of a batch of logits against binary targets.
public struct BitLossResult: Sendable {
    /// BCE with logits, summed over every target bit of every masked step, divided by the batch size.
    public var loss: Double
    /// `loss / ln 2`: bits per sequence.
    public var costBits: Double { loss / 0.693_147_180_559_945_3 }
    /// Target bits where `σ(y) > 0.5` disagrees with the target, per sequence.
    public var bitErrors: Double

    public init(loss: Double, bitErrors: Double) {
        self.loss = loss
        self.bitErrors = bitErrors
    }
}

public enum BitLoss {
    /// Loss and metrics, and, when `gradient` is given, `dL/dy` (`[T, B, Y]`) written into it: the buffer
    /// is zeroed, then ``backward(logits:targets:mask:steps:batch:width:logitGradient:)`` adds into it.
    /// Writing is the one exception to ``GradientConvention``: a loss seeds the backward pass, so nothing
    /// can have been added into `dL/dy` before it.
    ///
    /// `BCE(y, t) = max(y, 0) - y t + log(1 + e^{-|y|})`, the stable form.
    public static func evaluate(
        logits: UnsafePointer<Float>, targets: UnsafePointer<Float>, mask: UnsafePointer<Float>,
        steps: Int, batch: Int, width: Int, gradient: UnsafeMutablePointer<Float>?
    ) -> BitLossResult {
        var loss = 0.0
        var errors = 0
        let stepSize = batch * width
        for t in 0..<steps {
            let m = mask[t]
            if m == 0 { continue }
            let y = logits + t * stepSize, target = targets + t * stepSize
            var stepLoss: Float = 0
            for i in 0..<stepSize {
                let yi = y[i], ti = target[i]
                stepLoss += max(yi, 0) - yi * ti + KitMath.log1p(KitMath.exp(-abs(yi)))
                if (yi > 0) != (ti > 0.5) { errors += 1 }
            }
            loss += Double(stepLoss) * Double(m)
        }
        if let gradient {
            gradient.update(repeating: 0, count: steps * stepSize)
            backward(logits: logits, targets: targets, mask: mask, steps: steps, batch: batch, width: width,
                     logitGradient: gradient)
        }
        return BitLossResult(loss: loss / Double(batch), bitErrors: Double(errors) / Double(batch))
    }

    /// Adds `dL/dy = (σ(y) - target) · mask / B` into (see ``GradientConvention``) `logitGradient`
    /// (`[T, B, Y]`); steps without a target (`mask == 0`) add nothing.
    public static func backward(
        logits: UnsafePointer<Float>, targets: UnsafePointer<Float>, mask: UnsafePointer<Float>,
        steps: Int, batch: Int, width: Int, logitGradient: UnsafeMutablePointer<Float>
    ) {
        let invB = 1 / Float(batch)
        let stepSize = batch * width
        for t in 0..<steps {
            let m = mask[t]
            if m == 0 { continue }
            let y = logits + t * stepSize, target = targets + t * stepSize, d = logitGradient + t * stepSize
            for i in 0..<stepSize { d[i] += (sigmoid(y[i]) - target[i]) * m * invB }
        }
    }
}
