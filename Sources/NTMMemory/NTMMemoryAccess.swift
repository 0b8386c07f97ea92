// The NTM's memory: heads emitting addressing parameters, content then location addressing,
// weighted reads and erase/add writes, with every step's state cached for BPTT (models.md § NTM).
import NTMCore
import NTMLayers

/// Sizes and options of the NTM memory and its heads.
public struct NTMMemoryConfig: Sendable, Equatable {
    public var controllerSize: Int
    public var memoryRows: Int
    public var memoryWidth: Int
    public var readHeads: Int
    public var writeHeads: Int
    public var shiftRange: Int
    public var memoryInit: MemoryInit
    public var weightingInit: WeightingInit
    public var clipValue: Float

    public init(controllerSize: Int, memoryRows: Int, memoryWidth: Int, readHeads: Int, writeHeads: Int,
                shiftRange: Int, memoryInit: MemoryInit = .constant, weightingInit: WeightingInit = .uniform,
                clipValue: Float = 20) {
        self.controllerSize = controllerSize
        self.memoryRows = memoryRows
        self.memoryWidth = memoryWidth
        self.readHeads = readHeads
        self.writeHeads = writeHeads
        self.shiftRange = shiftRange
        self.memoryInit = memoryInit
        self.weightingInit = weightingInit
        self.clipValue = clipValue
    }
}

/// The NTM memory of `models.md`: `R` read heads and `W` write heads over an `N x M` memory.
///
/// One step (every head addresses `Mem_{t-1}`):
/// ```
/// p^j = HeadActivation(W_j h + b_j)         → k, β, g, s, γ (, e, a)
/// w^j = Sharpen(Shift(Interp(Content(k, β, Mem_{t-1}), w^j_{t-1}, g), s), γ)
/// r^i = Σ_n w^i_n Mem_{t-1}[n]
/// Mem_t = Mem_{t-1}, then for each write head in order: Mem ∘ (1 - w eᵀ) + w aᵀ
/// ```
public final class NTMMemoryAccess: MemoryAccess {
    public let config: NTMMemoryConfig
    public let layouts: [HeadLayout]
    /// Each head's clip and activations (``HeadActivation``), in the order of `layouts`.
    public let activations: [HeadActivation]
    /// One linear layer per head: read heads first (`read_heads.{i}`), then write heads (`write_heads.{j}`).
    public let heads: [Linear]
    /// `ρ^i` of each read head (`read_heads.{i}.r0`, `[M]`).
    public let readInit: [Parameter]
    /// `ω^j` of each head (`….w0`, `[N]`).
    public let weightingInit: [Parameter]
    /// `memory.m0` (`[N, M]`): the memory itself for `constant` and `random`, `μ` for `learned`.
    public let memoryInit: Parameter

    public var controllerSize: Int { config.controllerSize }
    public var readSize: Int { config.readHeads * config.memoryWidth }
    private var headCount: Int { config.readHeads + config.writeHeads }

    public var parameters: [Parameter] {
        var list: [Parameter] = []
        for i in 0..<config.readHeads { list += heads[i].parameters + [readInit[i], weightingInit[i]] }
        for j in 0..<config.writeHeads {
            let h = config.readHeads + j
            list += heads[h].parameters + [weightingInit[h]]
        }
        return list + [memoryInit]
    }

    // Caches. Memory over T+1 slots [B, N, M] (slot 0 = Mem_0), plus the memory between write heads
    // when there are several; per head: raw and activated parameters [T, B, P], similarity, content,
    // interpolated and shifted weightings [T, B, N], key norms [T, B], weightings over T+1 slots;
    // row norms of Mem_{t-1} [T, B, N]; reads over T+1 slots [B, R M].
    private var steps = 0, batch = 0
    private let memoryCache = Workspace(), betweenWrites = Workspace(), rowNormCache = Workspace()
    private let readCache = Workspace()
    private let rawCache: [Workspace], actCache: [Workspace]
    private let similarityCache: [Workspace], contentCache: [Workspace], interpCache: [Workspace]
    private let shiftedCache: [Workspace], weightCache: [Workspace], keyNormCache: [Workspace]
    private let logShiftedCache: [Workspace]
    // Backward state and scratch. The memory gradient lives in two buffers: a write's backward reads
    // dL/dMem' from one and adds dL/dMem into the other (zeroed), and then they swap roles.
    private let memoryGradients = [Workspace(), Workspace()]
    private var currentMemoryGradient = 0
    private let weightingGradientNext: [Workspace], rawGradient: [Workspace]
    private let weightingGradient: [Workspace], activatedGradient: [Workspace]
    private let scratchShifted = Workspace(), scratchInterp = Workspace()
    private let scratchContent = Workspace(), scratchSimilarity = Workspace(), scratchMemory = Workspace()

    public init(config: NTMMemoryConfig) {
        let c = config
        precondition(c.controllerSize > 0 && c.memoryRows > 0 && c.memoryWidth > 0, "NTM sizes must be positive")
        precondition(c.readHeads >= 0 && c.writeHeads >= 0 && c.shiftRange >= 0, "NTM head counts must be >= 0")
        precondition(2 * c.shiftRange + 1 <= c.memoryRows, "shift range \(c.shiftRange) needs at least \(2 * c.shiftRange + 1) memory rows")
        self.config = c
        var layouts: [HeadLayout] = []
        var heads: [Linear] = []
        var weightingInit: [Parameter] = []
        for i in 0..<c.readHeads {
            let layout = HeadLayout(memoryWidth: c.memoryWidth, shiftRange: c.shiftRange, isWrite: false)
            layouts.append(layout)
            heads.append(Linear(inputSize: c.controllerSize, outputSize: layout.size, prefix: "read_heads.\(i)"))
            weightingInit.append(Parameter(name: "read_heads.\(i).w0", shape: [c.memoryRows]))
        }
        for j in 0..<c.writeHeads {
            let layout = HeadLayout(memoryWidth: c.memoryWidth, shiftRange: c.shiftRange, isWrite: true)
            layouts.append(layout)
            heads.append(Linear(inputSize: c.controllerSize, outputSize: layout.size, prefix: "write_heads.\(j)"))
            weightingInit.append(Parameter(name: "write_heads.\(j).w0", shape: [c.memoryRows]))
        }
        self.layouts = layouts
        activations = layouts.map { HeadActivation(layout: $0, clipValue: c.clipValue) }
        self.heads = heads
        self.weightingInit = weightingInit
        readInit = (0..<c.readHeads).map { Parameter(name: "read_heads.\($0).r0", shape: [c.memoryWidth]) }
        memoryInit = Parameter(name: "memory.m0", shape: [c.memoryRows, c.memoryWidth],
                               trainable: c.memoryInit == .learned)
        let n = layouts.count
        rawCache = (0..<n).map { _ in Workspace() }
        actCache = (0..<n).map { _ in Workspace() }
        similarityCache = (0..<n).map { _ in Workspace() }
        contentCache = (0..<n).map { _ in Workspace() }
        interpCache = (0..<n).map { _ in Workspace() }
        shiftedCache = (0..<n).map { _ in Workspace() }
        logShiftedCache = (0..<n).map { _ in Workspace() }
        weightCache = (0..<n).map { _ in Workspace() }
        keyNormCache = (0..<n).map { _ in Workspace() }
        weightingGradientNext = (0..<n).map { _ in Workspace() }
        weightingGradient = (0..<n).map { _ in Workspace() }
        rawGradient = (0..<n).map { _ in Workspace() }
        activatedGradient = (0..<n).map { _ in Workspace() }
        if c.memoryInit == .constant { memoryInit.value.fill(MemoryInit.constantValue) }
    }

    /// Initialisation (documented in README § "Initialisation"): head weights Glorot-uniform, biases
    /// zero; `ρ` from `N(0, 0.1²)`; `ω` per `weightingInit`; memory per `memoryInit` (`learned` starts
    /// from the same `N(0, 0.5²)` draw as `random`).
    public func initialize(rng: inout RandomSource) {
        for h in heads {
            Initializer.glorotUniform(h.weight, fanIn: h.inputSize, fanOut: h.outputSize, rng: &rng)
            h.bias.value.zero()
        }
        for p in readInit { Initializer.normal(p, std: 0.1, rng: &rng) }
        // `first-row` still makes the `uniform` draw and then replaces it, so that every other parameter
        // gets the same values under either choice and a comparison of the two changes `ω` alone.
        for p in weightingInit { Initializer.normal(p, std: 0.1, rng: &rng) }
        if config.weightingInit == .firstRow {
            for p in weightingInit {
                p.value.fill(0)
                p.value.base[0] = WeightingInit.firstRowLogit
            }
        }
        switch config.memoryInit {
        case .constant:
            memoryInit.value.fill(MemoryInit.constantValue)
        case .learned:
            Initializer.normal(memoryInit, std: 0.5, rng: &rng)
        case .random:
            Initializer.normal(memoryInit, std: 0.5, rng: &rng)
            for i in 0..<memoryInit.count { memoryInit.value.base[i] = KitMath.tanh(memoryInit.value.base[i]) }
        }
    }

    public func prepare(steps: Int, batch: Int) {
        self.steps = steps
        self.batch = batch
        let N = config.memoryRows, M = config.memoryWidth, B = batch
        memoryCache.reserve((steps + 1) * B * N * M)
        betweenWrites.reserve(steps * max(config.writeHeads - 1, 0) * B * N * M)
        rowNormCache.reserve(steps * B * N)
        readCache.reserve((steps + 1) * B * readSize)
        for h in 0..<headCount {
            let P = layouts[h].size
            rawCache[h].reserve(steps * B * P)
            actCache[h].reserve(steps * B * P)
            similarityCache[h].reserve(steps * B * N)
            contentCache[h].reserve(steps * B * N)
            interpCache[h].reserve(steps * B * N)
            shiftedCache[h].reserve(steps * B * N)
            logShiftedCache[h].reserve(steps * B * N)
            weightCache[h].reserve((steps + 1) * B * N)
            keyNormCache[h].reserve(steps * B)
            weightingGradientNext[h].reserve(B * N)
            weightingGradient[h].reserve(N)
            rawGradient[h].reserve(steps * B * P)
            activatedGradient[h].reserve(P)
        }
        for g in memoryGradients { g.reserve(B * N * M) }
        scratchShifted.reserve(N)
        scratchInterp.reserve(N)
        scratchContent.reserve(N)
        scratchSimilarity.reserve(N)
        scratchMemory.reserve(N * M)
    }

    // MARK: - Forward

    public func initialReads() -> UnsafePointer<Float> {
        let M = config.memoryWidth, B = batch
        let r0 = readCache.base
        for b in 0..<B {
            for i in 0..<config.readHeads {
                let src = readInit[i].value.base, dst = r0 + b * readSize + i * M
                for m in 0..<M { dst[m] = KitMath.tanh(src[m]) }
            }
        }
        return UnsafePointer(r0)
    }

    /// Fills slot 0 of the memory and the weightings for every sequence.
    private func startSequence() {
        let N = config.memoryRows, NM = N * config.memoryWidth, B = batch
        let mem0 = memoryCache.base
        let m0 = memoryInit.value.base
        for i in 0..<NM { mem0[i] = config.memoryInit == .learned ? KitMath.tanh(m0[i]) : m0[i] }
        for b in 1..<max(B, 1) { (mem0 + b * NM).update(from: mem0, count: NM) }
        for h in 0..<headCount {
            let w0 = weightCache[h].base
            Softmax.forward(output: w0, input: weightingInit[h].value.base, count: N)
            for b in 1..<max(B, 1) { (w0 + b * N).update(from: w0, count: N) }
        }
    }

    public func forward(step t: Int, controllerOutput: UnsafePointer<Float>) -> UnsafePointer<Float> {
        precondition(t >= 0 && t < steps, "step \(t) outside the prepared 0..<\(steps)")
        if t == 0 { startSequence() }
        let N = config.memoryRows, M = config.memoryWidth, NM = N * M, B = batch, S = config.shiftRange
        let memPrev = memoryCache.base + t * B * NM
        let memNext = memoryCache.base + (t + 1) * B * NM
        let norms = rowNormCache.base + t * B * N
        // 1. Head parameters for the whole batch, clipped and activated.
        for h in 0..<headCount {
            let P = layouts[h].size
            let raw = rawCache[h].base + t * B * P, act = actCache[h].base + t * B * P
            heads[h].forward(rows: B, input: controllerOutput, output: raw, reusingTransposedWeight: t > 0)
            for b in 0..<B { activations[h].forward(raw: raw + b * P, output: act + b * P) }
        }
        // 2. Addressing of every head against Mem_{t-1}.
        for h in 0..<headCount {
            let L = layouts[h], P = L.size
            for b in 0..<B {
                let act = actCache[h].base + (t * B + b) * P
                let row = (t * B + b) * N
                let K = similarityCache[h].base + row, wc = contentCache[h].base + row
                let wg = interpCache[h].base + row, ws = shiftedCache[h].base + row
                let wPrev = weightCache[h].base + (t * B + b) * N
                let w = weightCache[h].base + ((t + 1) * B + b) * N
                let keyNorm = CosineSimilarity.forward(
                    similarity: K, rowNorms: norms + b * N, key: act + L.key, memory: memPrev + b * NM,
                    rows: N, width: M, rowNormsAreKnown: h > 0)
                keyNormCache[h].base[t * B + b] = keyNorm
                Softmax.forward(output: wc, input: K, count: N, beta: act[L.beta])
                Interpolation.forward(output: wg, content: wc, previous: wPrev, gate: act[L.gate], count: N)
                CircularShift.forward(output: ws, input: wg, shifts: act + L.shift, shiftRange: S, count: N)
                Sharpening.forward(output: w, input: ws, gamma: act[L.gamma], count: N,
                                   logs: logShiftedCache[h].base + row)
            }
        }
        // 3. Reads see Mem_{t-1}.
        let reads = readCache.base + (t + 1) * B * readSize
        for b in 0..<B {
            for i in 0..<config.readHeads {
                WeightedRead.forward(
                    output: reads + b * readSize + i * M, weighting: weightCache[i].base + ((t + 1) * B + b) * N,
                    memory: memPrev + b * NM, rows: N, width: M)
            }
        }
        // 4. Writes, one head after another.
        for b in 0..<B {
            var source = UnsafePointer(memPrev + b * NM)
            for j in 0..<config.writeHeads {
                let h = config.readHeads + j, L = layouts[h]
                if j > 0 {
                    let saved = betweenWrites.base + ((t * (config.writeHeads - 1) + j - 1) * B + b) * NM
                    saved.update(from: memNext + b * NM, count: NM)
                    source = UnsafePointer(saved)
                }
                let act = actCache[h].base + (t * B + b) * L.size
                EraseAddWrite.forward(
                    output: memNext + b * NM, memory: source, weighting: weightCache[h].base + ((t + 1) * B + b) * N,
                    erase: act + L.erase, add: act + L.add, rows: N, width: M)
            }
            if config.writeHeads == 0 { (memNext + b * NM).update(from: memPrev + b * NM, count: NM) }
        }
        return UnsafePointer(reads)
    }

    // MARK: - Backward

    public func beginBackward() {
        let N = config.memoryRows, B = batch
        currentMemoryGradient = 0
        memoryGradients[0].base.update(repeating: 0, count: B * N * config.memoryWidth)
        for h in 0..<headCount { weightingGradientNext[h].base.update(repeating: 0, count: B * N) }
    }

    public func backward(step t: Int, readGradient: UnsafePointer<Float>,
                         controllerOutputGradient: UnsafeMutablePointer<Float>) {
        let N = config.memoryRows, M = config.memoryWidth, NM = N * M, B = batch, S = config.shiftRange
        let memPrev = memoryCache.base + t * B * NM
        let norms = rowNormCache.base + t * B * N
        let W = config.writeHeads
        let incoming = memoryGradients[currentMemoryGradient].base
        let spare = memoryGradients[1 - currentMemoryGradient].base
        for b in 0..<B {
            // dL/dw^j_t starts with what step t+1's interpolation sent back; dL/dp^j with nothing.
            for h in 0..<headCount {
                weightingGradient[h].base.update(from: weightingGradientNext[h].base + b * N, count: N)
                activatedGradient[h].base.update(repeating: 0, count: layouts[h].size)
                (rawGradient[h].base + (t * B + b) * layouts[h].size).update(repeating: 0, count: layouts[h].size)
            }
            // Writes, last head first, from dL/dMem_t to dL/dMem_{t-1} (the write path), each into the
            // other buffer; with no write head, Mem_t = Mem_{t-1} and the gradient stays where it is.
            var dMemAfter = incoming + b * NM, dMem = spare + b * NM
            for j in stride(from: W - 1, through: 0, by: -1) {
                let h = config.readHeads + j, L = layouts[h]
                let source: UnsafePointer<Float> = j == 0
                    ? UnsafePointer(memPrev + b * NM)
                    : UnsafePointer(betweenWrites.base + ((t * (config.writeHeads - 1) + j - 1) * B + b) * NM)
                let act = actCache[h].base + (t * B + b) * L.size
                let dAct = activatedGradient[h].base
                dMem.update(repeating: 0, count: NM)
                EraseAddWrite.backward(
                    outputGradient: dMemAfter, memory: source, weighting: weightCache[h].base + ((t + 1) * B + b) * N,
                    erase: act + L.erase, add: act + L.add, rows: N, width: M, memoryGradient: dMem,
                    weightingGradient: weightingGradient[h].base, eraseGradient: dAct + L.erase,
                    addGradient: dAct + L.add)
                swap(&dMemAfter, &dMem)
            }
            dMem = dMemAfter
            // Reads.
            for i in 0..<config.readHeads {
                WeightedRead.backward(
                    outputGradient: readGradient + b * readSize + i * M,
                    weighting: weightCache[i].base + ((t + 1) * B + b) * N, memory: memPrev + b * NM,
                    rows: N, width: M, weightingGradient: weightingGradient[i].base, memoryGradient: dMem)
            }
            // Addressing, each head from its weighting back to its parameters.
            for h in 0..<headCount {
                let L = layouts[h]
                let act = actCache[h].base + (t * B + b) * L.size
                let dAct = activatedGradient[h].base
                let row = (t * B + b) * N
                let w = weightCache[h].base + ((t + 1) * B + b) * N
                let wPrev = weightCache[h].base + (t * B + b) * N
                let dws = scratchShifted.base, dwg = scratchInterp.base, dwc = scratchContent.base
                let dK = scratchSimilarity.base
                dws.update(repeating: 0, count: N)
                dwg.update(repeating: 0, count: N)
                dwc.update(repeating: 0, count: N)
                dK.update(repeating: 0, count: N)
                let dWPrev = weightingGradientNext[h].base + b * N
                dWPrev.update(repeating: 0, count: N)
                Sharpening.backward(
                    outputGradient: weightingGradient[h].base, output: w, input: shiftedCache[h].base + row,
                    gamma: act[L.gamma], count: N, inputGradient: dws, gammaGradient: dAct + L.gamma,
                    logs: logShiftedCache[h].base + row)
                CircularShift.backward(
                    outputGradient: dws, input: interpCache[h].base + row, shifts: act + L.shift, shiftRange: S,
                    count: N, inputGradient: dwg, shiftGradient: dAct + L.shift)
                Interpolation.backward(
                    outputGradient: dwg, content: contentCache[h].base + row, previous: wPrev, gate: act[L.gate],
                    count: N, contentGradient: dwc, previousGradient: dWPrev, gateGradient: dAct + L.gate)
                Softmax.backward(
                    outputGradient: dwc, output: contentCache[h].base + row, input: similarityCache[h].base + row,
                    count: N, beta: act[L.beta], inputGradient: dK, betaGradient: dAct + L.beta)
                CosineSimilarity.backward(
                    similarityGradient: dK, similarity: similarityCache[h].base + row, rowNorms: norms + b * N,
                    keyNorm: keyNormCache[h].base[t * B + b], key: act + L.key, memory: memPrev + b * NM,
                    rows: N, width: M, keyGradient: dAct + L.key, memoryGradient: dMem)
                activations[h].backward(outputGradient: dAct, raw: rawCache[h].base + (t * B + b) * L.size, output: act,
                                        inputGradient: rawGradient[h].base + (t * B + b) * L.size)
            }
        }
        currentMemoryGradient = (currentMemoryGradient + W) % 2
        for h in 0..<headCount {
            heads[h].backwardInput(rows: B, outputGradient: rawGradient[h].base + t * B * layouts[h].size,
                                   inputGradient: controllerOutputGradient)
        }
    }

    public func finishBackward(controllerOutputs: UnsafePointer<Float>, initialReadGradient: UnsafePointer<Float>) {
        let N = config.memoryRows, M = config.memoryWidth, NM = N * M, B = batch, rows = steps * B
        for h in 0..<headCount {
            heads[h].accumulateWeightGradients(rows: rows, input: controllerOutputs,
                                               outputGradient: rawGradient[h].base)
            // w_0 = softmax(ω): dω = softmax backward of Σ_b dL/dw_0.
            let dw0 = weightingGradient[h].base
            dw0.update(repeating: 0, count: N)
            addColumnSums(B, N, weightingGradientNext[h].base, N, into: dw0)
            Softmax.backward(outputGradient: dw0, output: weightCache[h].base, input: weightingInit[h].value.base,
                             count: N, inputGradient: weightingInit[h].grad.base)
        }
        // r_0 = tanh(ρ).
        for i in 0..<config.readHeads {
            let rho = readInit[i].value.base, d = readInit[i].grad.base
            for b in 0..<B {
                let g = initialReadGradient + b * readSize + i * M
                for m in 0..<M {
                    let r = KitMath.tanh(rho[m])
                    d[m] += g[m] * (1 - r * r)
                }
            }
        }
        // Mem_0 = tanh(μ) when learned; the other initialisations are not trained.
        if config.memoryInit == .learned {
            let mem0 = memoryCache.base, d = memoryInit.grad.base
            for b in 0..<B {
                let g = memoryGradients[currentMemoryGradient].base + b * NM
                for i in 0..<NM { d[i] += g[i] * (1 - mem0[i] * mem0[i]) }
            }
        }
    }

    public func recordedWeightings() -> [(name: String, tensor: Tensor)] {
        let N = config.memoryRows, B = batch, T = steps
        return (0..<headCount).map { h in
            let name = h < config.readHeads ? "read_weights.\(h)" : "write_weights.\(h - config.readHeads)"
            let start = weightCache[h].base + B * N
            return (name, Tensor(shape: [T, B, N], values: Array(UnsafeBufferPointer(start: start, count: T * B * N))))
        }
    }
}
