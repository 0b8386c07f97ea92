// A small JSON value type with a strict parser and a deterministic serializer.
// Objects keep member order and duplicate keys, so callers (the safetensors reader,
// preset loading) can reject duplicates instead of having them collapsed silently.

/// One `"key": value` pair of a JSON object, in source order.
public struct JSONMember: Sendable, Equatable {
    public var key: String
    public var value: JSONValue

    public init(key: String, value: JSONValue) {
        self.key = key
        self.value = value
    }
}

/// A JSON document. Objects are ordered member lists that may hold duplicate keys;
/// use ``objectMembers`` to see all of them or the subscript for the first match.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([JSONMember])

    /// The deepest nesting of arrays and objects that `parse(_:)` accepts;
    /// the bound keeps hostile input from exhausting the stack.
    public static let maxDepth = 64

    // MARK: - Accessors

    /// The value of the first member named `key`, or nil if this is not an object or has no such member.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// All members in source order (duplicates included), or nil if this is not an object.
    public var objectMembers: [JSONMember]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// The elements, or nil if this is not an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// The string, or nil if this is not a string.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The number, or nil if this is not a number.
    public var doubleValue: Double? {
        if case .number(let d) = self { return d }
        return nil
    }

    /// The number as an `Int`, or nil if this is not a number, not integral, or out of range.
    public var intValue: Int? {
        if case .number(let d) = self { return Int(exactly: d) }
        return nil
    }

    /// The boolean, or nil if this is not `true` or `false`.
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// Whether this is `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    // MARK: - Parsing

    /// Parses one JSON document (RFC 8259, strict: no comments, trailing commas, NaN or
    /// leading zeros; strings must be valid UTF-8). Errors are `NTMError.runtime` and
    /// name the byte offset, e.g. `invalid JSON at byte 7: expected ':' after an object key`.
    public static func parse(_ bytes: [UInt8]) throws(NTMError) -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        return try parser.parseDocument()
    }

    /// Parses like `parse(_:)` and also returns the text of every number token as written, in
    /// document order, which is the order a depth-first walk of the value (members and elements in order) meets
    /// its numbers (see ``numberCount``). The value alone cannot tell `576` from `5.76e2` or `576.0`; a format
    /// that allows only integers (safetensors) must read the text.
    static func parseKeepingNumberText(_ bytes: [UInt8]) throws(NTMError) -> (value: JSONValue, numberTexts: [String]) {
        var parser = JSONParser(bytes: bytes)
        parser.numberTexts = []
        let value = try parser.parseDocument()
        return (value, parser.numberTexts ?? [])
    }

    /// How many numbers the value holds, at any depth: how many of ``parseKeepingNumberText(_:)``'s texts are its own.
    var numberCount: Int {
        switch self {
        case .number: return 1
        case .array(let elements): return elements.reduce(0) { $0 + $1.numberCount }
        case .object(let members): return members.reduce(0) { $0 + $1.value.numberCount }
        case .null, .bool, .string: return 0
        }
    }

    /// Parses a JSON document held in a string; see `parse(_:)`.
    public static func parse(_ text: String) throws(NTMError) -> JSONValue {
        try parse(Array(text.utf8))
    }

    // MARK: - Serializing

    /// Renders the value as JSON text. Integral numbers within ±2^53 print without a decimal
    /// point, other finite numbers use Swift's shortest round-trip form, non-finite ones print
    /// as `null`. `sortedKeys` orders object members by the bytes of their keys (stable for
    /// duplicates), which makes the output deterministic. `pretty` indents by two spaces.
    public func serialized(sortedKeys: Bool = false, pretty: Bool = false) -> String {
        var out = ""
        write(into: &out, sortedKeys: sortedKeys, pretty: pretty, indent: 0)
        return out
    }

    private func write(into out: inout String, sortedKeys: Bool, pretty: Bool, indent: Int) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let d): out += JSONValue.format(d)
        case .string(let s): JSONValue.appendQuoted(s, to: &out)
        case .array(let elements):
            if elements.isEmpty { out += "[]"; return }
            out += "["
            for (i, element) in elements.enumerated() {
                if i > 0 { out += "," }
                if pretty { JSONValue.newline(&out, indent + 1) }
                element.write(into: &out, sortedKeys: sortedKeys, pretty: pretty, indent: indent + 1)
            }
            if pretty { JSONValue.newline(&out, indent) }
            out += "]"
        case .object(var members):
            if members.isEmpty { out += "{}"; return }
            if sortedKeys {
                // Sort indices with the original position as tie-break so duplicates keep their order.
                members = members.indices.sorted { a, b in
                    let ka = members[a].key.utf8, kb = members[b].key.utf8
                    if ka.elementsEqual(kb) { return a < b }
                    return ka.lexicographicallyPrecedes(kb)
                }.map { members[$0] }
            }
            out += "{"
            for (i, member) in members.enumerated() {
                if i > 0 { out += "," }
                if pretty { JSONValue.newline(&out, indent + 1) }
                JSONValue.appendQuoted(member.key, to: &out)
                out += pretty ? ": " : ":"
                member.value.write(into: &out, sortedKeys: sortedKeys, pretty: pretty, indent: indent + 1)
            }
            if pretty { JSONValue.newline(&out, indent) }
            out += "}"
        }
    }

    private static func newline(_ out: inout String, _ indent: Int) {
        out += "\n"
        out += String(repeating: "  ", count: indent)
    }

    private static func format(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        if d.rounded(.towardZero) == d, d.magnitude <= 9_007_199_254_740_992 {
            return String(Int64(d))
        }
        return d.description  // shortest round-trip form, e.g. 0.1, 1e-07, 1e+20: all valid JSON
    }

    private static func appendQuoted(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}

/// A recursive-descent parser over bytes; depth is bounded by `JSONValue.maxDepth`.
private struct JSONParser {
    let bytes: [UInt8]
    var pos = 0
    /// When set, the text of each number token is appended, in the order of the tokens.
    var numberTexts: [String]?

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func parseDocument() throws(NTMError) -> JSONValue {
        skipWhitespace()
        let value = try parseValue(depth: 0)
        skipWhitespace()
        if pos != bytes.count { throw fail("unexpected \(describeCurrent()) after the top-level value") }
        return value
    }

    private func fail(_ message: String, at offset: Int? = nil) -> NTMError {
        .runtime("invalid JSON at byte \(offset ?? pos): \(message)")
    }

    private func describeCurrent() -> String {
        guard pos < bytes.count else { return "end of input" }
        let b = bytes[pos]
        if b > 0x20 && b < 0x7F { return "'\(Character(Unicode.Scalar(b)))'" }
        return "byte 0x" + (b < 0x10 ? "0" : "") + String(b, radix: 16, uppercase: true)
    }

    private mutating func skipWhitespace() {
        while pos < bytes.count {
            switch bytes[pos] {
            case 0x20, 0x09, 0x0A, 0x0D: pos += 1
            default: return
            }
        }
    }

    private mutating func parseValue(depth: Int) throws(NTMError) -> JSONValue {
        guard pos < bytes.count else { throw fail("unexpected end of input, expected a value") }
        switch bytes[pos] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw fail("unexpected \(describeCurrent()), expected a value")
        }
    }

    private mutating func expectLiteral(_ word: StaticString) throws(NTMError) {
        let start = pos
        let text = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        for expected in text {
            guard pos < bytes.count, bytes[pos] == expected else {
                throw fail("invalid literal, expected '\(word)'", at: start)
            }
            pos += 1
        }
    }

    private mutating func parseObject(depth: Int) throws(NTMError) -> JSONValue {
        guard depth <= JSONValue.maxDepth else { throw fail("nesting deeper than \(JSONValue.maxDepth) levels") }
        pos += 1  // '{'
        var members: [JSONMember] = []
        skipWhitespace()
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "}") { pos += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") else {
                throw fail("unexpected \(describeCurrent()), expected a string key")
            }
            let key = try parseString()
            skipWhitespace()
            guard pos < bytes.count, bytes[pos] == UInt8(ascii: ":") else {
                throw fail("unexpected \(describeCurrent()), expected ':' after an object key")
            }
            pos += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            members.append(JSONMember(key: key, value: value))
            skipWhitespace()
            guard pos < bytes.count else { throw fail("unterminated object, expected ',' or '}'") }
            if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
            if bytes[pos] == UInt8(ascii: "}") { pos += 1; return .object(members) }
            throw fail("unexpected \(describeCurrent()), expected ',' or '}'")
        }
    }

    private mutating func parseArray(depth: Int) throws(NTMError) -> JSONValue {
        guard depth <= JSONValue.maxDepth else { throw fail("nesting deeper than \(JSONValue.maxDepth) levels") }
        pos += 1  // '['
        var elements: [JSONValue] = []
        skipWhitespace()
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "]") { pos += 1; return .array(elements) }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            guard pos < bytes.count else { throw fail("unterminated array, expected ',' or ']'") }
            if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
            if bytes[pos] == UInt8(ascii: "]") { pos += 1; return .array(elements) }
            throw fail("unexpected \(describeCurrent()), expected ',' or ']'")
        }
    }

    private mutating func parseString() throws(NTMError) -> String {
        let start = pos
        pos += 1  // opening quote
        var utf8: [UInt8] = []
        while true {
            guard pos < bytes.count else { throw fail("unterminated string", at: start) }
            let b = bytes[pos]
            if b == UInt8(ascii: "\"") {
                pos += 1
                break
            } else if b == UInt8(ascii: "\\") {
                try parseEscape(into: &utf8)
            } else if b < 0x20 {
                throw fail("control character 0x\(String(b, radix: 16, uppercase: true)) in a string (escape it)")
            } else {
                utf8.append(b)
                pos += 1
            }
        }
        guard let s = String(validating: utf8, as: UTF8.self) else {
            throw fail("string is not valid UTF-8", at: start)
        }
        return s
    }

    private mutating func parseEscape(into utf8: inout [UInt8]) throws(NTMError) {
        let start = pos
        guard pos + 1 < bytes.count else { throw fail("unterminated escape sequence", at: start) }
        let c = bytes[pos + 1]
        pos += 2
        switch c {
        case UInt8(ascii: "\""): utf8.append(0x22)
        case UInt8(ascii: "\\"): utf8.append(0x5C)
        case UInt8(ascii: "/"): utf8.append(0x2F)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0C)
        case UInt8(ascii: "n"): utf8.append(0x0A)
        case UInt8(ascii: "r"): utf8.append(0x0D)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"):
            var code = try parseHex4(escapeStart: start)
            if code >= 0xD800 && code < 0xDC00 {
                // A high surrogate is only meaningful together with an escaped low surrogate.
                guard pos + 1 < bytes.count, bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u") else {
                    throw fail("unpaired surrogate \\u\(String(code, radix: 16, uppercase: true))", at: start)
                }
                pos += 2
                let low = try parseHex4(escapeStart: pos - 2)
                guard low >= 0xDC00 && low < 0xE000 else {
                    throw fail("unpaired surrogate \\u\(String(code, radix: 16, uppercase: true))", at: start)
                }
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
            } else if code >= 0xDC00 && code < 0xE000 {
                throw fail("unpaired surrogate \\u\(String(code, radix: 16, uppercase: true))", at: start)
            }
            // Surrogates were excluded above, so the scalar always exists.
            guard let scalar = Unicode.Scalar(code) else { throw fail("invalid \\u escape", at: start) }
            UTF8.encode(scalar) { utf8.append($0) }
        default:
            throw fail("invalid escape sequence", at: start)
        }
    }

    private mutating func parseHex4(escapeStart: Int) throws(NTMError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard pos < bytes.count else { throw fail("truncated \\u escape", at: escapeStart) }
            let b = bytes[pos]
            let digit: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = b - UInt8(ascii: "A") + 10
            default: throw fail("invalid hex digit in \\u escape", at: escapeStart)
            }
            value = value << 4 | UInt32(digit)
            pos += 1
        }
        return value
    }

    private mutating func parseNumber() throws(NTMError) -> Double {
        let start = pos
        func isDigit(_ i: Int) -> Bool {
            i < bytes.count && bytes[i] >= UInt8(ascii: "0") && bytes[i] <= UInt8(ascii: "9")
        }
        if bytes[pos] == UInt8(ascii: "-") { pos += 1 }
        guard isDigit(pos) else { throw fail("expected a digit in a number", at: pos) }
        if bytes[pos] == UInt8(ascii: "0") {
            pos += 1
            if isDigit(pos) { throw fail("number has a leading zero", at: start) }
        } else {
            while isDigit(pos) { pos += 1 }
        }
        if pos < bytes.count, bytes[pos] == UInt8(ascii: ".") {
            pos += 1
            guard isDigit(pos) else { throw fail("expected a digit after the decimal point", at: pos) }
            while isDigit(pos) { pos += 1 }
        }
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "e") || bytes[pos] == UInt8(ascii: "E") {
            pos += 1
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "+") || bytes[pos] == UInt8(ascii: "-") { pos += 1 }
            guard isDigit(pos) else { throw fail("expected a digit in the exponent", at: pos) }
            while isDigit(pos) { pos += 1 }
        }
        let text = String(decoding: bytes[start..<pos], as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            throw fail("number \(text.prefix(40)) is out of range", at: start)
        }
        numberTexts?.append(text)
        return value
    }
}
