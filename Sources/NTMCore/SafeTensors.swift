// Reading and writing safetensors checkpoints (F32 tensors only). The reader treats the
// file as hostile: every length, offset and shape is checked, without trapping on
// overflow, before any of it is used to index or allocate.

/// One named tensor: a shape and its values in row-major order.
public struct SafeTensor: Sendable, Equatable {
    public var name: String
    public var shape: [Int]
    /// Row-major values; `values.count` is the product of `shape` (1 for a scalar, `[]`).
    public var values: [Float]

    /// Creates a tensor. Traps if a dimension is negative or `values.count` does not match `shape`:
    /// those are programming errors, never caused by input files.
    public init(name: String, shape: [Int], values: [Float]) {
        let count = SafeTensor.elementCount(shape)
        precondition(count != nil, "SafeTensor \(name): invalid shape \(shape)")
        precondition(count == values.count,
                     "SafeTensor \(name): shape \(shape) needs \(count ?? -1) values, got \(values.count)")
        self.name = name
        self.shape = shape
        self.values = values
    }

    /// The product of the dimensions, or nil if one is negative or the product overflows.
    static func elementCount(_ shape: [Int]) -> Int? {
        var product = 1
        for dim in shape {
            guard dim >= 0 else { return nil }
            let (next, overflow) = product.multipliedReportingOverflow(by: dim)
            if overflow { return nil }
            product = next
        }
        return product
    }
}

/// A safetensors file: string metadata plus F32 tensors.
public struct SafeTensorsFile: Sendable, Equatable {
    /// The `__metadata__` entries of the header.
    public var metadata: [String: String]
    /// Tensors in the order given, or, for a decoded file, in order of their data offsets.
    public var tensors: [SafeTensor]

    public init(metadata: [String: String] = [:], tensors: [SafeTensor] = []) {
        self.metadata = metadata
        self.tensors = tensors
    }

    /// The first tensor named `name`, if any.
    public subscript(name: String) -> SafeTensor? {
        tensors.first { $0.name == name }
    }

    /// The tensor names in the order of ``tensors``.
    public var names: [String] { tensors.map(\.name) }

    // MARK: - Encoding

    /// Encodes the file: tensors are written in ascending byte-wise name order with contiguous
    /// offsets from 0; the header JSON is compact with sorted keys and padded with spaces to a
    /// multiple of 8 bytes, so the data section is 8-byte aligned. The same input always gives
    /// the same bytes. Traps on duplicate tensor names (a programming error; the reader rejects them).
    public func encoded() -> [UInt8] {
        let order = tensors.indices.sorted {
            tensors[$0].name.utf8.lexicographicallyPrecedes(tensors[$1].name.utf8)
        }
        var seen = Set<String>()
        var members: [JSONMember] = []
        var offset = 0
        for index in order {
            let tensor = tensors[index]
            precondition(seen.insert(tensor.name).inserted, "SafeTensorsFile: duplicate tensor name \(tensor.name)")
            let end = offset + tensor.values.count * 4
            let entry: JSONValue = .object([
                JSONMember(key: "data_offsets", value: .array([.number(Double(offset)), .number(Double(end))])),
                JSONMember(key: "dtype", value: .string("F32")),
                JSONMember(key: "shape", value: .array(tensor.shape.map { .number(Double($0)) })),
            ])
            members.append(JSONMember(key: tensor.name, value: entry))
            offset = end
        }
        if !metadata.isEmpty {
            let entries = metadata.map { JSONMember(key: $0.key, value: .string($0.value)) }
            members.append(JSONMember(key: "__metadata__", value: .object(entries)))
        }
        var header = Array(JSONValue.object(members).serialized(sortedKeys: true).utf8)
        while header.count % 8 != 0 { header.append(0x20) }

        var out: [UInt8] = []
        out.reserveCapacity(8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: header)
        var position = out.count
        out.append(contentsOf: repeatElement(0, count: offset))
        out.withUnsafeMutableBytes { raw in
            for index in order {
                for value in tensors[index].values {
                    raw.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: position, as: UInt32.self)
                    position += 4
                }
            }
        }
        return out
    }

    /// Writes the encoded file through ``AtomicFile``.
    public func write(path: String) throws(NTMError) {
        try AtomicFile.write(encoded(), to: path)
    }

    // MARK: - Decoding

    /// Reads and decodes a file; errors are `NTMError.runtime`, e.g. `cannot read FILE: reason`
    /// or a validation error from ``decode(_:source:)`` prefixed with the path.
    public static func read(path: String) throws(NTMError) -> SafeTensorsFile {
        try decode(FileReader.readAll(path: path), source: path)
    }

    /// Decodes a safetensors file, validating the header length, the header JSON, every entry,
    /// and that the tensors tile the data section exactly, before reading any values.
    /// `source` (usually the path) starts every error message, which is one line:
    /// `<source>: <what is wrong> (<hint>)`.
    public static func decode(_ bytes: [UInt8], source: String) throws(NTMError) -> SafeTensorsFile {
        let headerLength = try checkedHeaderLength(bytes.prefix(8), fileSize: bytes.count, source: source)
        let dataStart = 8 + headerLength
        let (metadata, entries) = try decodeHeader(Array(bytes[8..<dataStart]), dataSize: bytes.count - dataStart, source: source)
        let tensors = bytes.withUnsafeBytes { raw in
            entries.map { entry in
                let count = (entry.end - entry.begin) / 4
                let base = dataStart + entry.begin
                let values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                    for i in 0..<count {
                        let bits = raw.loadUnaligned(fromByteOffset: base + 4 * i, as: UInt32.self)
                        buffer[i] = Float(bitPattern: UInt32(littleEndian: bits))
                    }
                    initialized = count
                }
                return SafeTensor(name: entry.name, shape: entry.shape, values: values)
            }
        }
        return SafeTensorsFile(metadata: metadata, tensors: tensors)
    }

    /// The `__metadata__` of the file at `path`, reading only its header: the 8-byte length and the JSON
    /// (for a status line over many checkpoints, where reading every tensor would be most of the cost). The
    /// header is validated as ``decode(_:source:)`` validates it, against the file's size; the values are not read.
    public static func readMetadata(path: String) throws(NTMError) -> [String: String] {
        try FileReader.withOpenFile(path: path) { file throws(NTMError) in
            let headerLength = try checkedHeaderLength(try file.read(upTo: 8), fileSize: file.size, source: path)
            let header = try file.read(upTo: headerLength)
            guard header.count == headerLength else {
                throw .runtime("\(path): the file shrank while its header was read (\(notSafetensors))")
            }
            return try decodeHeader(header, dataSize: file.size - 8 - headerLength, source: path).metadata
        }
    }

    /// The header length of a file of `fileSize` bytes whose first bytes are `prefix`, checked against its size.
    private static func checkedHeaderLength(_ prefix: some Collection<UInt8>, fileSize: Int, source: String) throws(NTMError) -> Int {
        guard prefix.count >= 8, fileSize >= 8 else {
            throw .runtime("\(source): file is \(fileSize) bytes, shorter than the 8-byte header length (\(notSafetensors))")
        }
        var headerLength: UInt64 = 0
        for (i, byte) in prefix.prefix(8).enumerated() { headerLength |= UInt64(byte) << (8 * UInt64(i)) }
        guard headerLength <= UInt64(fileSize - 8) else {
            throw .runtime("\(source): header length \(headerLength) exceeds the file size \(fileSize) (\(notSafetensors))")
        }
        return Int(headerLength)
    }

    /// Validates the header JSON (every entry, and that the tensors tile a data section of `dataSize` bytes
    /// exactly) and returns its metadata and tensor entries, in order of their offsets.
    private static func decodeHeader(_ headerBytes: [UInt8], dataSize: Int, source: String) throws(NTMError)
        -> (metadata: [String: String], entries: [Entry]) {
        func fail(_ what: String, _ hint: String = corrupt) -> NTMError {
            .runtime("\(source): \(what) (\(hint))")
        }
        guard String(validating: headerBytes, as: UTF8.self) != nil else {
            throw fail("header is not valid UTF-8", notSafetensors)
        }
        let header: JSONValue
        var numberTexts: ArraySlice<String>
        do {
            let parsed = try JSONValue.parseKeepingNumberText(headerBytes)
            header = parsed.value
            numberTexts = parsed.numberTexts[...]
        } catch {
            throw fail("header is \(error.message)", notSafetensors)
        }
        guard let members = header.objectMembers else { throw fail("header is not a JSON object", notSafetensors) }

        var entries: [Entry] = []
        var metadata: [String: String] = [:]
        var seen = Set<String>()
        for member in members {
            // The texts of this member's numbers come next, in order.
            let texts = numberTexts.prefix(member.value.numberCount)
            numberTexts = numberTexts.dropFirst(texts.count)
            guard seen.insert(member.key).inserted else {
                throw fail("header lists \(quoted(member.key)) twice")
            }
            if member.key == "__metadata__" {
                guard let pairs = member.value.objectMembers else { throw fail("__metadata__ is not a JSON object") }
                for pair in pairs {
                    guard let value = pair.value.stringValue else {
                        throw fail("__metadata__ entry \(quoted(pair.key)) is not a string")
                    }
                    guard metadata.updateValue(value, forKey: pair.key) == nil else {
                        throw fail("__metadata__ lists \(quoted(pair.key)) twice")
                    }
                }
            } else {
                entries.append(try parseEntry(member, numberTexts: texts, dataSize: dataSize, source: source))
            }
        }

        // Require the tensors to tile the data section exactly: no overlaps (aliased
        // weights), no gaps and no trailing bytes (a sign of a truncated or spliced file).
        entries.sort {
            ($0.begin, $0.end) != ($1.begin, $1.end)
                ? ($0.begin, $0.end) < ($1.begin, $1.end)
                : $0.name.utf8.lexicographicallyPrecedes($1.name.utf8)
        }
        var cursor = 0
        var previous: String?
        for entry in entries {
            if entry.begin < cursor {
                throw fail("tensor \(quoted(entry.name)) overlaps tensor \(quoted(previous ?? "")) in the data section")
            }
            if entry.begin > cursor {
                throw fail("\(entry.begin - cursor) unused bytes before tensor \(quoted(entry.name)) in the data section")
            }
            cursor = entry.end
            previous = entry.name
        }
        if cursor != dataSize {
            throw fail("\(dataSize - cursor) unused bytes after the last tensor in the data section")
        }
        return (metadata, entries)
    }

    private static let notSafetensors = "the file is truncated or not a safetensors file"
    private static let corrupt = "the file is corrupt or was not written as safetensors"

    private struct Entry {
        var name: String
        var shape: [Int]
        var begin: Int
        var end: Int
    }

    /// Validates one tensor entry of the header against the size of the data section. `numberTexts` are the
    /// entry's number tokens as written, in order (``JSONValue/parseKeepingNumberText(_:)``).
    private static func parseEntry(_ member: JSONMember, numberTexts: ArraySlice<String>, dataSize: Int,
                                   source: String) throws(NTMError) -> Entry {
        let name = quoted(member.key)
        func bad(_ what: String, _ hint: String = corrupt) -> NTMError {
            .runtime("\(source): tensor \(name) \(what) (\(hint))")
        }
        guard let fields = member.value.objectMembers else { throw bad("is not a JSON object") }
        var found: [String: (value: JSONValue, texts: ArraySlice<String>)] = [:]
        var texts = numberTexts
        for field in fields {
            let own = texts.prefix(field.value.numberCount)
            texts = texts.dropFirst(own.count)
            guard ["dtype", "shape", "data_offsets"].contains(field.key) else {
                throw bad("has an unexpected field \(quoted(field.key))")
            }
            guard found.updateValue((field.value, own), forKey: field.key) == nil else {
                throw bad("lists the field \(quoted(field.key)) twice")
            }
        }
        guard let dtype = found["dtype"]?.value else { throw bad("has no \"dtype\" field") }
        guard let shape = found["shape"] else { throw bad("has no \"shape\" field") }
        guard let offsets = found["data_offsets"] else { throw bad("has no \"data_offsets\" field") }

        guard let dtypeName = dtype.stringValue else { throw bad("has a dtype that is not a string") }
        guard dtypeName == "F32" else {
            throw bad("has dtype \(quoted(dtypeName)), but only F32 is supported", "convert the checkpoint to float32")
        }

        guard let dimValues = shape.value.arrayValue else { throw bad("has a shape that is not an array") }
        // Each entry as written: a non-negative integer in digits only, or the tensor is refused.
        func integers(_ values: [JSONValue], texts: ArraySlice<String>, entry: String, place: String = "", hint: String) throws(NTMError) -> [Int] {
            var out: [Int] = []
            out.reserveCapacity(values.count)
            for (value, text) in written(values, texts: texts) {
                let integer = text.map(unsignedInteger)
                guard let v = integer?.value else {
                    throw bad("has an invalid \(entry) \(text ?? brief(value))\(place): \(integer?.problem ?? "not a number")", hint)
                }
                out.append(v)
            }
            return out
        }
        let dims = try integers(dimValues, texts: shape.texts, entry: "dimension", place: " in its shape", hint: "dimensions are non-negative integers, written in digits only")
        guard let count = SafeTensor.elementCount(dims), !count.multipliedReportingOverflow(by: 4).overflow else {
            throw bad("has a shape whose size overflows")
        }
        let byteCount = count * 4

        guard let pair = offsets.value.arrayValue, pair.count == 2 else {
            throw bad("has data_offsets \(brief(offsets.value)), expected two non-negative integers")
        }
        let bounds = try integers(pair, texts: offsets.texts, entry: "data_offsets entry", hint: "offsets are non-negative integers, written in digits only")
        let (begin, end) = (bounds[0], bounds[1])
        guard begin <= end else { throw bad("has data_offsets [\(begin), \(end)] that end before they begin") }
        guard end <= dataSize else {
            throw bad("ends at byte \(end), beyond the \(dataSize)-byte data section", notSafetensors)
        }
        guard end - begin == byteCount else {
            throw bad("has \(end - begin) bytes of data but shape \(dims) needs \(byteCount)")
        }
        return Entry(name: member.key, shape: dims, begin: begin, end: end)
    }

    /// Each element of an array with the text it was written as when it is a number (`texts`: the array's
    /// number texts in order; an element that is not a number skips the numbers inside it).
    private static func written(_ elements: [JSONValue], texts: ArraySlice<String>) -> [(JSONValue, String?)] {
        var rest = texts
        return elements.map { element in
            if case .number = element, let text = rest.first {
                rest = rest.dropFirst()
                return (element, text)
            }
            rest = rest.dropFirst(element.numberCount)
            return (element, nil)
        }
    }

    /// A number token read as safetensors reads its dimensions and offsets (Rust `usize` from `serde_json`):
    /// digits only. A sign, a fraction or an exponent (`-0`, `3.0`, `5.76e2`) is refused even where the value is
    /// a whole number, as is a value beyond `Int.max`; `problem` says which.
    static func unsignedInteger(_ text: String) -> (value: Int?, problem: String) {
        if text.hasPrefix("-") { return (nil, "it is negative") }
        if text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) {
            return (nil, "it is written with a fraction or an exponent, not as an integer")
        }
        guard let value = Int(text) else { return (nil, "it is beyond the largest integer, \(Int.max)") }
        return (value, "")
    }
}

/// A name rendered as a JSON string: quoted, escaped onto one line, and cut short so a
/// hostile multi-megabyte name cannot flood an error message.
private func quoted(_ s: String) -> String {
    let short = s.unicodeScalars.count > 64 ? String(s.unicodeScalars.prefix(64)) + "..." : s
    return JSONValue.string(short).serialized()
}

/// A JSON value rendered compactly for an error message, cut short.
private func brief(_ value: JSONValue) -> String {
    let text = value.serialized()
    return text.count > 40 ? String(text.prefix(40)) + "..." : text
}
