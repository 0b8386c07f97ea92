// Reading a JSON object field by field, refusing unknown keys (with the nearest valid one
// suggested), wrong types and out-of-range values, each with a one-line message. It lives beside the
// model registry because a registered model decodes its own preset section and checkpoint config with it.
import NTMCore

/// A JSON object being decoded under a path such as `tasks/copy.json: ntm`.
public struct StrictObject: Sendable {
    public let path: String
    public let members: [JSONMember]

    public init(_ value: JSONValue, path: String) throws(NTMError) {
        guard let members = value.objectMembers else { throw .usage("\(path): expected a JSON object") }
        var seen = Set<String>()
        for m in members where !seen.insert(m.key).inserted {
            throw .usage("\(path): key '\(m.key)' appears twice")
        }
        self.path = path
        self.members = members
    }

    /// Refuses keys outside `allowed`, suggesting the closest allowed key.
    public func requireKnownKeys(_ allowed: [String]) throws(NTMError) {
        for m in members where !allowed.contains(m.key) {
            let suggestion = allowed.min { editDistance($0, m.key) < editDistance($1, m.key) }
            let hint = suggestion.map { " (did you mean '\($0)'?)" } ?? ""
            throw .usage("\(path): unknown key '\(m.key)'\(hint)")
        }
    }

    public subscript(key: String) -> JSONValue? { members.first { $0.key == key }?.value }

    public func int(_ key: String, in range: ClosedRange<Int>, default def: Int? = nil) throws(NTMError) -> Int {
        guard let v = self[key] else {
            if let def { return def }
            throw .usage("\(path): missing '\(key)' (an integer in \(range.lowerBound)...\(range.upperBound))")
        }
        guard let d = v.doubleValue, d.rounded() == d, let i = v.intValue else {
            throw .usage("\(path): '\(key)' must be an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        guard range.contains(i) else {
            throw .usage("\(path): '\(key)' is \(i), outside the allowed \(range.lowerBound)...\(range.upperBound)")
        }
        return i
    }

    public func double(_ key: String, in range: ClosedRange<Double>, default def: Double? = nil) throws(NTMError) -> Double {
        guard let v = self[key] else {
            if let def { return def }
            throw .usage("\(path): missing '\(key)' (a number in \(range.lowerBound)...\(range.upperBound))")
        }
        guard let d = v.doubleValue, d.isFinite else { throw .usage("\(path): '\(key)' must be a number") }
        guard range.contains(d) else {
            throw .usage("\(path): '\(key)' is \(d), outside the allowed \(range.lowerBound)...\(range.upperBound)")
        }
        return d
    }

    public func string(_ key: String, oneOf choices: [String]? = nil, default def: String? = nil) throws(NTMError) -> String {
        guard let v = self[key] else {
            if let def { return def }
            throw .usage("\(path): missing '\(key)'")
        }
        guard let s = v.stringValue else { throw .usage("\(path): '\(key)' must be a string") }
        if let choices, !choices.contains(s) {
            throw .usage("\(path): '\(key)' is '\(s)', expected one of: \(choices.joined(separator: ", "))")
        }
        return s
    }

    public func bool(_ key: String, default def: Bool) throws(NTMError) -> Bool {
        guard let v = self[key] else { return def }
        guard let b = v.boolValue else { throw .usage("\(path): '\(key)' must be true or false") }
        return b
    }

    public func object(_ key: String) throws(NTMError) -> StrictObject? {
        guard let v = self[key] else { return nil }
        return try StrictObject(v, path: "\(path).\(key)")
    }
}

/// Levenshtein distance, for "did you mean" suggestions.
public func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a.lowercased().utf8), y = Array(b.lowercased().utf8)
    if x.isEmpty { return y.count }
    if y.isEmpty { return x.count }
    var prev = Array(0...y.count), cur = [Int](repeating: 0, count: y.count + 1)
    for i in 1...x.count {
        cur[0] = i
        for j in 1...y.count {
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
        }
        swap(&prev, &cur)
    }
    return prev[y.count]
}
