// A small command-line parser: `--flag value`, `--flag=value` and switches, checked against
// the flags a command declares, with one-line usage errors that suggest the nearest flag.
import Foundation
import NTMCore
import NTMModels
import NTMTraining

/// A flag a command accepts.
public struct FlagSpec: Sendable {
    public var name: String
    public var valueName: String?  // nil for a switch
    public var help: String

    public init(_ name: String, _ valueName: String?, _ help: String) {
        self.name = name
        self.valueName = valueName
        self.help = help
    }
}

/// Parsed flags of one command.
public struct Arguments {
    public let command: String
    private var values: [String: String] = [:]
    private var switches: Set<String> = []
    /// The flags in the order given, for the report's "exact command".
    public let raw: [String]

    public init(command: String, arguments: [String], specs: [FlagSpec]) throws(NTMError) {
        self.command = command
        raw = arguments
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            guard a.hasPrefix("--"), a.count > 2 else {
                throw .usage("\(command): unexpected argument '\(a)' (flags start with --; see '\(CommandLineText.program) \(command) --help')")
            }
            var name = String(a.dropFirst(2))
            var inlineValue: String?
            if let eq = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            guard let spec = specs.first(where: { $0.name == name }) else {
                let nearest = specs.min { editDistance($0.name, name) < editDistance($1.name, name) }
                let hint = nearest.map { " (did you mean --\($0.name)?)" } ?? ""
                throw .usage("\(command): unknown flag --\(name)\(hint)")
            }
            if values[name] != nil || switches.contains(name) {
                throw .usage("\(command): --\(name) is given twice")
            }
            if spec.valueName == nil {
                if inlineValue != nil { throw .usage("\(command): --\(name) takes no value") }
                switches.insert(name)
                i += 1
            } else if let inlineValue {
                values[name] = inlineValue
                i += 1
            } else {
                guard i + 1 < arguments.count else {
                    throw .usage("\(command): --\(name) needs a value (\(spec.valueName!))")
                }
                values[name] = arguments[i + 1]
                i += 2
            }
        }
    }

    /// Splits the operands of a command that takes some (`report DIR...`, `notebook run FILE`) from its flags:
    /// an argument not starting with `--` is an operand unless it is the value of the flag before it.
    public static func separatingOperands(_ arguments: [String], specs: [FlagSpec]) -> (operands: [String], flags: [String]) {
        var operands: [String] = [], flags: [String] = []
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            if a.hasPrefix("--") {
                flags.append(a)
                let name = String(a.dropFirst(2))
                if !name.contains("="), specs.first(where: { $0.name == name })?.valueName != nil, i + 1 < arguments.count {
                    flags.append(arguments[i + 1])
                    i += 1
                }
            } else {
                operands.append(a)
            }
            i += 1
        }
        return (operands, flags)
    }

    public func has(_ name: String) -> Bool { values[name] != nil || switches.contains(name) }

    public func string(_ name: String) -> String? { values[name] }

    public func int(_ name: String, in range: ClosedRange<Int>) throws(NTMError) -> Int? {
        guard let s = values[name] else { return nil }
        guard let v = Int(s) else { throw .usage("--\(name) must be an integer, got '\(s)'") }
        guard range.contains(v) else {
            throw .usage("--\(name) must be in \(range.lowerBound)...\(range.upperBound), got \(v)")
        }
        return v
    }

    public func double(_ name: String, in range: ClosedRange<Double>) throws(NTMError) -> Double? {
        guard let s = values[name] else { return nil }
        guard let v = Double(s), v.isFinite else { throw .usage("--\(name) must be a number, got '\(s)'") }
        guard range.contains(v) else {
            throw .usage("--\(name) must be in \(range.lowerBound)...\(range.upperBound), got \(v)")
        }
        return v
    }

    /// The help text of a command: its summary, usage line and flags.
    public static func help(command: String, summary: String, usage: String, specs: [FlagSpec]) -> String {
        let program = CommandLineText.program
        var lines = ["\(program) \(command): \(summary)", "", "usage: \(program) \(command) \(usage)", "", "flags:"]
        let width = specs.map { $0.name.count + ($0.valueName.map { $0.count + 1 } ?? 0) }.max() ?? 0
        for s in specs {
            let left = "--\(s.name)" + (s.valueName.map { " \($0)" } ?? "")
            lines.append("  " + left.padding(toLength: width + 4, withPad: " ", startingAt: 0) + s.help)
        }
        return lines.joined(separator: "\n")
    }
}
