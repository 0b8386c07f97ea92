// The one rule every backward function of the kit follows, stated once so that each doc comment
// can point here instead of restating (or contradicting) it.

/// How every backward pass in the kit treats gradient buffers.
///
/// **A backward adds (`+=`) into the gradients of its inputs and parameters. It never overwrites them,
/// never modifies its output gradient or its inputs in place, and never returns a gradient.**
///
/// - Gradients of inputs (`inputGradient`, `keyGradient`, `memoryGradient`, …) and of scalar inputs
///   (`betaGradient`, `gateGradient`, `gammaGradient`: a pointer to one `Float`) receive
///   `+= dL/dinput`. A caller that wants the gradient alone zeroes the buffer first, once; a caller
///   whose input feeds several ops passes the same buffer to each and gets the sum, which is the
///   chain rule for a value used more than once.
/// - Gradients of parameters (`Parameter.grad`) likewise receive `+= dL/dθ`, so a sequence, a batch or
///   several shards can accumulate into one `grad` that an optimiser step reads and then zeroes.
/// - The output gradient (`outputGradient`, `dL/dy`) is read only; ops that need scratch have their own.
///
/// Adding into a zeroed buffer gives the same bits as writing the value (`0 + x == x` for every
/// finite `x`), so code that zeroes its buffers once gets exactly the numbers it would get from ops
/// that overwrite.
///
/// The one function outside the rule is `BitLoss.evaluate(…, gradient:)` in NTMLayers, whose optional
/// `gradient` is written: it is a loss, the seed of a backward pass rather than a backward, and
/// `BitLoss.backward` is its form that follows the rule.
///
/// The ops of NTMAutodiff follow the same rule: each op's kernel adds into its inputs' gradients, so
/// a value used by several ops of a step program gets the sum of their gradients.
///
/// Every backward's doc comment says "adds into (see ``GradientConvention``)"; a test
/// (`GradientConventionTests`) pre-fills every gradient buffer of every public backward with a
/// non-zero value and checks that it comes back as that value plus the gradient.
public enum GradientConvention {}
