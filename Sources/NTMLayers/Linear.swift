// An affine layer y = W x + b stored as PyTorch stores it ([out, in]), applied to many rows at once.
import NTMCore

/// An affine map `y = W x + b` with `W` `[out, in]` and `b` `[out]`, named `{prefix}.weight`,
/// `{prefix}.bias`.
///
/// It has no cache of its own: callers keep the inputs they passed (for a recurrent model, the whole
/// sequence's inputs sit contiguous in a cache) and call ``accumulateWeightGradients(rows:input:outputGradient:)``
/// once over all of them after the backward sweep.
public final class Linear {
    public let inputSize: Int
    public let outputSize: Int
    public let weight: Parameter
    public let bias: Parameter

    public var parameters: [Parameter] { [weight, bias] }
    /// `Wᵀ` for the forward product, refreshed by every ``forward(rows:input:output:reusingTransposedWeight:)``
    /// that does not reuse it.
    private let weightT = TransposedMatrix()

    public init(inputSize: Int, outputSize: Int, prefix: String) {
        precondition(inputSize > 0 && outputSize > 0, "Linear sizes must be positive")
        self.inputSize = inputSize
        self.outputSize = outputSize
        weight = Parameter(name: "\(prefix).weight", shape: [outputSize, inputSize])
        bias = Parameter(name: "\(prefix).bias", shape: [outputSize])
    }

    /// `y[r] = W x[r] + b` for `rows` rows; `input` `[rows, in]`, `output` `[rows, out]` (overwritten).
    ///
    /// The product reads `Wᵀ`, copied from `W` first unless `reusingTransposedWeight`: a caller that runs the
    /// layer at every step of a sequence copies it at the first step and reuses it after (the weights do not
    /// change within a sequence); a copy costs about as much as one product at batch 1.
    public func forward(rows: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                        reusingTransposedWeight: Bool = false) {
        if !reusingTransposedWeight || weightT.rows != outputSize { weightT.update(from: weight) }
        gemmNT(rows, outputSize, inputSize, input, inputSize, transposed: weightT.base, outputSize, output, outputSize,
               accumulate: false)
        let b = bias.value.base
        for r in 0..<rows {
            let y = output + r * outputSize
            for o in 0..<outputSize { y[o] += b[o] }
        }
    }

    /// `dx[r] += Wᵀ dy[r]`, added into (see ``GradientConvention``) `inputGradient` `[rows, in]`, from
    /// `outputGradient` `[rows, out]`.
    public func backwardInput(
        rows: Int, outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>
    ) {
        gemmAccumulate(rows, inputSize, outputSize, outputGradient, rowStrideA: outputSize, colStrideA: 1,
                       weight.value.base, inputSize, inputGradient, inputSize)
    }

    /// `dW += Σ_r dy[r] x[r]ᵀ`, `db += Σ_r dy[r]` over `rows` rows, added into the parameters' `grad`
    /// (see ``GradientConvention``).
    public func accumulateWeightGradients(
        rows: Int, input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>
    ) {
        gemmAccumulate(outputSize, inputSize, rows, outputGradient, rowStrideA: 1, colStrideA: outputSize,
                       input, inputSize, weight.grad.base, inputSize)
        addColumnSums(rows, outputSize, outputGradient, outputSize, into: bias.grad.base)
    }
}
