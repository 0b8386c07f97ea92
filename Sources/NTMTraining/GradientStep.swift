// Forward, loss and backward of one batch, split into a fixed number of shards that run on
// worker threads; gradients are added in shard order, so the numbers depend on the shard count
// only, never on how many threads ran them.
import Foundation
import NTMCore
import NTMLayers
import NTMModels
import NTMTasks

/// Computes `dL/dθ` of one batch for a model, optionally split into shards over replicas of it.
///
/// Shard `k` holds a contiguous block of the batch's sequences and runs on replica `k` (replica 0 is
/// the model itself). Each replica's gradient is scaled by its share of the batch, so that the sum is
/// the gradient of the loss averaged over the whole batch, and the replicas' gradients are added into
/// the model's in the order 1, 2, …: a fixed order, so a given shard count gives the same bits on any
/// machine and with any number of threads.
///
/// Shared across worker threads during `run`: each thread touches only its own shard's replica and
/// buffers, and the main thread combines them after every worker has finished.
public final class GradientStep: @unchecked Sendable {
    public let model: any SequenceModel
    public let shards: Int
    public let threads: Int
    /// Threads each shard's model may use inside its forward and backward (nil: 1). Results never depend on it.
    public var modelThreads: Int?
    private let replicas: [any SequenceModel]
    private let modelParameters: [Parameter]
    private let replicaParameters: [[Parameter]]
    private let buffers: [ShardBuffers]

    /// - Parameters:
    ///   - shards: how many blocks a batch is split into (capped at the batch size). 1 runs the model alone.
    ///   - threads: how many shards run at once.
    ///   - makeReplica: builds a model of the same configuration (its weights are overwritten before
    ///     every step); required when `shards > 1`.
    public init(model: any SequenceModel, shards: Int = 1, threads: Int = 1, makeReplica: (() -> any SequenceModel)? = nil) {
        precondition(shards >= 1 && threads >= 1, "shards and threads must be at least 1")
        precondition(shards == 1 || makeReplica != nil, "sharding needs a way to build replicas")
        self.model = model
        self.shards = shards
        self.threads = threads
        var replicas: [any SequenceModel] = [model]
        for _ in 1..<shards { replicas.append(makeReplica!()) }
        self.replicas = replicas
        modelParameters = model.parameters
        replicaParameters = replicas.map(\.parameters)
        for ps in replicaParameters {
            precondition(ps.map(\.name) == modelParameters.map(\.name) && ps.map(\.shape) == modelParameters.map(\.shape),
                         "a replica's parameters differ from the model's")
        }
        buffers = (0..<shards).map { _ in ShardBuffers() }
    }

    /// Zeroes the model's gradients, runs `batch` forward and backward, and leaves the gradient of the
    /// batch-averaged loss in the model's parameters. When the loss is not finite, no backward pass runs
    /// and the gradients stay zero.
    public func run(_ batch: Batch) -> BitLossResult {
        let B = batch.batchSize, T = batch.steps, X = batch.inputWidth, Y = batch.outputWidth
        let k = min(shards, B)
        // Shard sizes differ by at most one; the first shards take the remainder.
        let sizes = (0..<k).map { B / k + ($0 < B % k ? 1 : 0) }
        let offsets = sizes.indices.map { sizes[0..<$0].reduce(0, +) }
        for s in 1..<max(k, 1) {
            for (p, q) in zip(modelParameters, replicaParameters[s]) { q.value.copy(from: p.value) }
        }
        // Threads a shard leaves free could go to its model's own kernels (at batch 1, all of them), but
        // on the paper's NTM that measured slower (0.94 -> 1.10 ms per sequence at L 20, batch 1, 2 cores:
        // waking a thread and moving half the weights between cores costs more than the split saves),
        // so models run serially unless `modelThreads` asks otherwise.
        let inner = Parallelism(threads: modelThreads ?? 1)
        for s in 0..<k where replicas[s].parallelism != inner { replicas[s].parallelism = inner }
        if k == 1 || threads == 1 {
            for s in 0..<k {
                buffers[s].result = runShard(s, batch: batch, first: offsets[s], count: sizes[s], total: B, T: T, X: X, Y: Y)
            }
        } else {
            let next = Counter()
            DispatchQueue.concurrentPerform(iterations: min(threads, k)) { _ in
                while let s = next.take(below: k) {
                    self.buffers[s].result = self.runShard(s, batch: batch, first: offsets[s], count: sizes[s], total: B,
                                                           T: T, X: X, Y: Y)
                }
            }
        }
        var loss = 0.0, errors = 0.0
        for s in 0..<k {
            loss += buffers[s].result.loss * Double(sizes[s])
            errors += buffers[s].result.bitErrors * Double(sizes[s])
        }
        let total = BitLossResult(loss: loss / Double(B), bitErrors: errors / Double(B))
        if total.loss.isFinite {
            for s in 1..<max(k, 1) {
                for (p, q) in zip(modelParameters, replicaParameters[s]) {
                    let g = p.grad.base, h = q.grad.base
                    for i in 0..<p.count { g[i] += h[i] }
                }
            }
        } else {
            modelParameters.zeroGradients()
        }
        return total
    }

    private func runShard(_ s: Int, batch: Batch, first: Int, count b: Int, total B: Int, T: Int, X: Int, Y: Int) -> BitLossResult {
        let replica = replicas[s]
        replicaParameters[s].zeroGradients()
        let buf = buffers[s]
        buf.reserve(inputs: T * b * X, outputs: T * b * Y)
        let inputs = buf.inputs.base, targets = buf.targets.base, y = buf.logits.base, dy = buf.gradients.base
        // The shard's sequences, time-major like the batch.
        batch.inputs.values.withUnsafeBufferPointer { src in
            for t in 0..<T { (inputs + t * b * X).update(from: src.baseAddress! + (t * B + first) * X, count: b * X) }
        }
        batch.targets.values.withUnsafeBufferPointer { src in
            for t in 0..<T { (targets + t * b * Y).update(from: src.baseAddress! + (t * B + first) * Y, count: b * Y) }
        }
        replica.forward(inputs: inputs, steps: T, batch: b, logits: y)
        let r = batch.mask.values.withUnsafeBufferPointer { m in
            BitLoss.evaluate(logits: y, targets: targets, mask: m.baseAddress!, steps: T, batch: b, width: Y, gradient: dy)
        }
        if r.loss.isFinite {
            // BitLoss averages over the shard; weight it by the shard's share of the batch.
            let scale = Float(b) / Float(B)
            if scale != 1 { for i in 0..<(T * b * Y) { dy[i] *= scale } }
            replica.backward(logitGradients: dy)
        }
        return r
    }
}

/// One shard's batch slice, logits and logit gradients, grown as needed and reused; touched by one
/// thread at a time.
final class ShardBuffers: @unchecked Sendable {
    private(set) var inputs = FloatBuffer(count: 0), targets = FloatBuffer(count: 0)
    private(set) var logits = FloatBuffer(count: 0), gradients = FloatBuffer(count: 0)
    var result = BitLossResult(loss: 0, bitErrors: 0)

    func reserve(inputs n: Int, outputs m: Int) {
        if inputs.count < n { inputs = FloatBuffer(count: n) }
        if targets.count < m {
            targets = FloatBuffer(count: m)
            logits = FloatBuffer(count: m)
            gradients = FloatBuffer(count: m)
        }
    }
}
