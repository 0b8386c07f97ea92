// Training checkpoints: everything a trainer needs to continue a run exactly where it stopped
// (weights, optimiser state, the data generator, counters, the partial learning-curve window, the
// curve and validations so far, the best validation's weights), in safetensors with metadata.
//
// Layout (format "ntm-kit/train-state/1"):
//
// tensors
//   <parameter>                     the model's weights under the spec's names (as in model checkpoints)
//   optimizer.<parameter>.<slot>    optimiser state of each trainable parameter, one tensor per slot
//                                   (rmsprop: square_avg, grad_avg, momentum; adam: m, v), parameter-shaped
//   best.<parameter>                weights at the best validation so far (keep-best runs, once there is one)
// metadata
//   format, model, config           as in model checkpoints (format "ntm-kit/train-state/1")
//   status                          "training", or "finished" once trained and evaluated
//   experiment                      the resolved configuration of the run (as config.json), compared on --resume
//   optimizer, optimizer.step       optimiser name and updates applied so far (decimal)
//   rng.data                        the training data generator: four UInt64 words, decimal, space-separated
//   progress                        JSON: sequences, steps, skipped_steps, consecutive_skipped, window_count,
//                                   window_cost_sum, window_bit_error_sum, last_cost_bits
//   curve, validation               JSON arrays of points {sequences, cost_bits, bit_errors, seconds}
//   best                            JSON point of the best validation (with best.* tensors)
//   evaluation                      JSON array {length, sequences, cost_bits, bit_errors} (finished only), with
//                                   `repeats` for points that have a repeat count (repeat copy)
//   curriculum                      runs with an advancing curriculum (naive, lookback) only: JSON {level,
//                                   window_count, window_bit_error_sum}: the current level and the window of
//                                   training bit errors at it (see `CurriculumState`)
//   seconds                         training wall time so far (a wall-clock field)
//   checksum                        "fnv1a64:<hex>" over every tensor and every other metadata entry
// Every Double is stored as the 16 hex digits of its IEEE-754 bit pattern, so it restores exactly.
import NTMCore
import NTMModels

/// The complete state of a training between two steps.
public struct TrainingState: Sendable {
    public enum Status: String, Sendable {
        case training
        case finished
    }

    public var status: Status
    /// One array per model parameter, in the model's parameter order.
    public var weights: [[Float]]
    /// Updates applied by the optimiser.
    public var optimizerStep: Int
    /// One array per trainable parameter, the optimiser's slots one after the other (as `OptimizerState.buffers`).
    public var optimizerBuffers: [[Float]]
    public var dataRNG: RandomSource
    public var sequences: Int
    public var steps: Int
    public var skipped: Int
    public var consecutiveSkipped: Int
    /// Sums over the curve window in progress.
    public var windowCost: Double
    public var windowErrors: Double
    public var windowCount: Int
    public var lastCost: Double
    public var curve: [CurvePoint]
    public var validation: [ValidationPoint]
    public var best: ValidationPoint?
    /// Weights at `best`, one array per model parameter.
    public var bestWeights: [[Float]]?
    /// Training wall time so far.
    public var seconds: Double
    /// The evaluation of a finished model.
    public var evaluation: [EvaluationResult]?
    /// The state of an advancing curriculum (nil without one).
    public var curriculum: CurriculumState? = nil

    public static let format = "ntm-kit/train-state/1"
}

public enum TrainingCheckpoint {
    // MARK: - Encoding

    /// The training checkpoint file of `state` for `model` trained with `optimizer`; `extra` adds metadata.
    public static func file(_ state: TrainingState, model: any SequenceModel, optimizer: any Optimizer,
                            extra: [String: String] = [:]) -> SafeTensorsFile {
        let params = model.parameters
        let trainable = params.filter(\.trainable)
        precondition(state.weights.count == params.count && state.optimizerBuffers.count == trainable.count,
                     "training state does not match the model")
        var tensors: [SafeTensor] = []
        for (p, w) in zip(params, state.weights) { tensors.append(SafeTensor(name: p.name, shape: p.shape, values: w)) }
        let slots = optimizer.stateSlots
        for (p, buffer) in zip(trainable, state.optimizerBuffers) {
            for (k, slot) in slots.enumerated() {
                tensors.append(SafeTensor(name: "optimizer.\(p.name).\(slot)", shape: p.shape,
                                          values: Array(buffer[(k * p.count)..<((k + 1) * p.count)])))
            }
        }
        if let bestWeights = state.bestWeights {
            for (p, w) in zip(params, bestWeights) { tensors.append(SafeTensor(name: "best.\(p.name)", shape: p.shape, values: w)) }
        }
        var m = extra
        m["format"] = TrainingState.format
        m["model"] = model.kind
        m["config"] = model.configJSON.serialized(sortedKeys: true)
        m["status"] = state.status.rawValue
        m["optimizer"] = optimizer.name
        m["optimizer.step"] = String(state.optimizerStep)
        let r = state.dataRNG.state
        m["rng.data"] = "\(r.0) \(r.1) \(r.2) \(r.3)"
        m["progress"] = JSONValue.object([
            .init(key: "sequences", value: int(state.sequences)),
            .init(key: "steps", value: int(state.steps)),
            .init(key: "skipped_steps", value: int(state.skipped)),
            .init(key: "consecutive_skipped", value: int(state.consecutiveSkipped)),
            .init(key: "window_count", value: int(state.windowCount)),
            .init(key: "window_cost_sum", value: .string(hex(state.windowCost))),
            .init(key: "window_bit_error_sum", value: .string(hex(state.windowErrors))),
            .init(key: "last_cost_bits", value: .string(hex(state.lastCost))),
        ]).serialized()
        m["curve"] = JSONValue.array(state.curve.map {
            point(sequences: $0.sequences, cost: $0.costBits, errors: $0.bitErrors, seconds: $0.seconds)
        }).serialized()
        m["validation"] = JSONValue.array(state.validation.map(validationJSON)).serialized()
        if let best = state.best { m["best"] = validationJSON(best).serialized() }
        if let evaluation = state.evaluation {
            m["evaluation"] = JSONValue.array(evaluation.map { e in
                .object([.init(key: "length", value: int(e.length)), .init(key: "sequences", value: int(e.sequences)),
                         .init(key: "cost_bits", value: .string(hex(e.costBits))),
                         .init(key: "bit_errors", value: .string(hex(e.bitErrors)))]
                        + (e.repeats.map { [.init(key: "repeats", value: int($0))] } ?? []))
            }).serialized()
        }
        if let c = state.curriculum {
            m["curriculum"] = JSONValue.object([
                .init(key: "level", value: int(c.level)),
                .init(key: "window_count", value: int(c.windowCount)),
                .init(key: "window_bit_error_sum", value: .string(hex(c.windowErrors))),
            ]).serialized()
        }
        m["seconds"] = hex(state.seconds)
        var file = SafeTensorsFile(metadata: m, tensors: tensors)
        file.metadata["checksum"] = checksum(of: file)
        return file
    }

    /// Writes a training checkpoint atomically (see `AtomicFile`), creating its directory if needed.
    public static func write(_ file: SafeTensorsFile, to path: String) throws(NTMError) {
        try file.write(path: path)
    }

    // MARK: - Decoding

    /// The `status` and sequence count in a training checkpoint's metadata (``SafeTensorsFile/readMetadata(path:)``
    /// reads it without the tensors), or nil when it is not a training checkpoint's.
    public static func peekStatus(metadata: [String: String]) -> (status: String, sequences: Int?)? {
        guard metadata["format"] == TrainingState.format, let status = metadata["status"] else { return nil }
        let progress = metadata["progress"].flatMap { try? JSONValue.parse($0) }
        return (status, progress?["sequences"]?.intValue)
    }

    /// Decodes and validates a training checkpoint for `model` trained with `optimizer`: format, model
    /// kind and configuration, checksum, every tensor's name, shape and finiteness, every metadata field.
    /// Errors are one-line `NTMError.runtime`s starting with `source`.
    public static func decode(_ file: SafeTensorsFile, source: String, model: any SequenceModel,
                              optimizer: any Optimizer) throws(NTMError) -> TrainingState {
        func bad(_ what: String) -> NTMError {
            .runtime("\(source): \(what) (the training checkpoint is damaged; remove it to start this model over)")
        }
        let m = file.metadata
        guard let format = m["format"] else { throw bad("no 'format' in the metadata; not a training checkpoint") }
        guard format == TrainingState.format else {
            throw .runtime("\(source): format '\(format)' is not a training checkpoint (expected \"\(TrainingState.format)\")")
        }
        guard let sum = m["checksum"] else { throw bad("no 'checksum' in the metadata") }
        guard sum == checksum(of: file) else { throw bad("the checksum does not match the contents") }
        guard m["model"] == model.kind else {
            throw .runtime("\(source): holds a '\(m["model"] ?? "?")' model, not the \(model.kind) this run trains")
        }
        guard let configText = m["config"], let config = try? JSONValue.parse(configText),
              config.serialized(sortedKeys: true) == model.configJSON.serialized(sortedKeys: true) else {
            throw .runtime("\(source): the model configuration differs from this run's \(model.kind) model")
        }
        guard let statusText = m["status"], let status = TrainingState.Status(rawValue: statusText) else {
            throw bad("'status' must be \"training\" or \"finished\"")
        }
        guard m["optimizer"] == optimizer.name else {
            throw .runtime("\(source): was trained with the '\(m["optimizer"] ?? "?")' optimiser, this run uses \(optimizer.name)")
        }
        guard let stepText = m["optimizer.step"], let optimizerStep = Int(stepText), optimizerStep >= 0 else {
            throw bad("'optimizer.step' is not a non-negative integer")
        }
        let words = (m["rng.data"] ?? "").split(separator: " ").map { UInt64($0) }
        guard words.count == 4, let a = words[0], let b = words[1], let c = words[2], let d = words[3],
              let rng = RandomSource(state: (a, b, c, d)) else {
            throw bad("'rng.data' is not four non-zero UInt64 words")
        }

        // Tensors: every expected one present with the right shape and finite values, nothing else.
        let params = model.parameters
        let trainable = params.filter(\.trainable)
        let slots = optimizer.stateSlots
        let hasBest = m["best"] != nil
        var expected: [String: [Int]] = [:]
        for p in params {
            expected[p.name] = p.shape
            if hasBest { expected["best.\(p.name)"] = p.shape }
        }
        for p in trainable { for s in slots { expected["optimizer.\(p.name).\(s)"] = p.shape } }
        for t in file.tensors where expected[t.name] == nil {
            throw bad("unexpected tensor '\(t.name)'")
        }
        func values(_ name: String, _ shape: [Int]) throws(NTMError) -> [Float] {
            guard let t = file[name] else { throw bad("missing tensor '\(name)'") }
            guard t.shape == shape else { throw bad("tensor '\(name)' has shape \(t.shape), the model needs \(shape)") }
            if let i = t.values.firstIndex(where: { !$0.isFinite }) {
                throw bad("tensor '\(name)' holds a non-finite value at index \(i)")
            }
            return t.values
        }
        var weights: [[Float]] = []
        for p in params { weights.append(try values(p.name, p.shape)) }
        var buffers: [[Float]] = []
        for p in trainable {
            var buffer: [Float] = []
            buffer.reserveCapacity(p.count * slots.count)
            for s in slots { buffer += try values("optimizer.\(p.name).\(s)", p.shape) }
            buffers.append(buffer)
        }
        var bestWeights: [[Float]]?
        if hasBest {
            var w: [[Float]] = []
            for p in params { w.append(try values("best.\(p.name)", p.shape)) }
            bestWeights = w
        }

        // Metadata JSON.
        func json(_ key: String) throws(NTMError) -> JSONValue {
            guard let text = m[key] else { throw bad("no '\(key)' in the metadata") }
            do { return try JSONValue.parse(text) } catch { throw bad("'\(key)' is not valid JSON") }
        }
        let progress = try json("progress")
        func count(_ key: String) throws(NTMError) -> Int {
            guard let v = progress[key]?.intValue, v >= 0 else { throw bad("progress '\(key)' is not a non-negative integer") }
            return v
        }
        func double(_ v: JSONValue?, _ what: String) throws(NTMError) -> Double {
            guard let s = v?.stringValue, let d = decodeHex(s) else { throw bad("\(what) is not a hex-encoded double") }
            return d
        }
        func points(_ v: JSONValue, _ what: String) throws(NTMError) -> [(Int, Double, Double, Double)] {
            guard let items = v.arrayValue else { throw bad("'\(what)' is not a JSON array") }
            var out: [(Int, Double, Double, Double)] = []
            for item in items { out.append(try point(item, what)) }
            return out
        }
        func point(_ item: JSONValue, _ what: String) throws(NTMError) -> (Int, Double, Double, Double) {
            guard let n = item["sequences"]?.intValue, n >= 0 else { throw bad("a '\(what)' point has no valid 'sequences'") }
            return (n, try double(item["cost_bits"], "a '\(what)' cost"), try double(item["bit_errors"], "a '\(what)' bit error count"),
                    try double(item["seconds"], "a '\(what)' time"))
        }
        let curve = try points(try json("curve"), "curve").map {
            CurvePoint(sequences: $0.0, costBits: $0.1, bitErrors: $0.2, seconds: $0.3)
        }
        let validation = try points(try json("validation"), "validation").map {
            ValidationPoint(sequences: $0.0, costBits: $0.1, bitErrors: $0.2, seconds: $0.3)
        }
        var best: ValidationPoint?
        if hasBest {
            let p = try point(try json("best"), "best")
            best = ValidationPoint(sequences: p.0, costBits: p.1, bitErrors: p.2, seconds: p.3)
        }
        var evaluation: [EvaluationResult]?
        if status == .finished {
            guard let items = try json("evaluation").arrayValue else { throw bad("'evaluation' is not a JSON array") }
            var results: [EvaluationResult] = []
            for item in items {
                guard let length = item["length"]?.intValue, length >= 1, let n = item["sequences"]?.intValue, n >= 1 else {
                    throw bad("an 'evaluation' entry has no valid length or sequence count")
                }
                var repeats: Int?
                if let r = item["repeats"] {
                    guard let v = r.intValue, v >= 1 else { throw bad("an 'evaluation' entry has an invalid repeat count") }
                    repeats = v
                }
                results.append(EvaluationResult(length: length, sequences: n, costBits: try double(item["cost_bits"], "an evaluation cost"),
                                                bitErrors: try double(item["bit_errors"], "an evaluation bit error count"),
                                                repeats: repeats))
            }
            evaluation = results
        }
        var curriculum: CurriculumState?
        if m["curriculum"] != nil {
            let c = try json("curriculum")
            guard let level = c["level"]?.intValue, level >= 1, let count = c["window_count"]?.intValue, count >= 0 else {
                throw bad("'curriculum' has no valid level or window count")
            }
            curriculum = CurriculumState(level: level, windowErrors: try double(c["window_bit_error_sum"], "the curriculum window"),
                                         windowCount: count)
        }
        guard let secondsText = m["seconds"], let seconds = decodeHex(secondsText), seconds.isFinite, seconds >= 0 else {
            throw bad("'seconds' is not a hex-encoded non-negative double")
        }
        return TrainingState(
            status: status, weights: weights, optimizerStep: optimizerStep, optimizerBuffers: buffers, dataRNG: rng,
            sequences: try count("sequences"), steps: try count("steps"), skipped: try count("skipped_steps"),
            consecutiveSkipped: try count("consecutive_skipped"),
            windowCost: try double(progress["window_cost_sum"], "progress 'window_cost_sum'"),
            windowErrors: try double(progress["window_bit_error_sum"], "progress 'window_bit_error_sum'"),
            windowCount: try count("window_count"),
            lastCost: try double(progress["last_cost_bits"], "progress 'last_cost_bits'"),
            curve: curve, validation: validation, best: best, bestWeights: bestWeights, seconds: seconds,
            evaluation: evaluation, curriculum: curriculum)
    }

    // MARK: - Helpers

    static func int(_ i: Int) -> JSONValue { .number(Double(i)) }

    static func point(sequences: Int, cost: Double, errors: Double, seconds: Double) -> JSONValue {
        .object([.init(key: "sequences", value: int(sequences)), .init(key: "cost_bits", value: .string(hex(cost))),
                 .init(key: "bit_errors", value: .string(hex(errors))), .init(key: "seconds", value: .string(hex(seconds)))])
    }

    static func validationJSON(_ v: ValidationPoint) -> JSONValue {
        point(sequences: v.sequences, cost: v.costBits, errors: v.bitErrors, seconds: v.seconds)
    }

    /// The 16 hex digits of a Double's bit pattern.
    public static func hex(_ d: Double) -> String {
        let s = String(d.bitPattern, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }

    /// The Double whose bit pattern `s` spells in exactly 16 hex digits.
    public static func decodeHex(_ s: String) -> Double? {
        guard s.utf8.count == 16, let bits = UInt64(s, radix: 16) else { return nil }
        return Double(bitPattern: bits)
    }

    /// FNV-1a (64-bit) over every tensor (name, shape, value bits, in name order) and every metadata entry
    /// but `checksum` (in key order).
    public static func checksum(of file: SafeTensorsFile) -> String {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        @inline(__always) func byte(_ b: UInt8) { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        func word(_ w: UInt64) { for k in 0..<8 { byte(UInt8(truncatingIfNeeded: w >> (8 * UInt64(k)))) } }
        func text(_ s: String) {
            for b in s.utf8 { byte(b) }
            byte(0)
        }
        for t in file.tensors.sorted(by: { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }) {
            text(t.name)
            word(UInt64(t.shape.count))
            for d in t.shape { word(UInt64(truncatingIfNeeded: d)) }
            t.values.withUnsafeBufferPointer { buffer in
                for v in buffer {
                    let bits = v.bitPattern
                    byte(UInt8(truncatingIfNeeded: bits))
                    byte(UInt8(truncatingIfNeeded: bits >> 8))
                    byte(UInt8(truncatingIfNeeded: bits >> 16))
                    byte(UInt8(truncatingIfNeeded: bits >> 24))
                }
            }
        }
        for key in file.metadata.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) where key != "checksum" {
            text(key)
            text(file.metadata[key]!)
        }
        let s = String(h, radix: 16)
        return "fnv1a64:" + String(repeating: "0", count: 16 - s.count) + s
    }
}
