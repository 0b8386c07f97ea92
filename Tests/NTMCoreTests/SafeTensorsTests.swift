// Tests for the safetensors reader/writer (round trips, every validation error, a seeded
// mutation fuzz), for AtomicFile, and for the JSONValue parser and serializer they rest on.

import Foundation
import NTMCore
import Testing
import _NTMTestSupport

// MARK: - Helpers

/// Builds a file from a header string and a data section, bypassing the encoder.
private func rawFile(_ header: String, data: [UInt8] = []) -> [UInt8] {
    let h = Array(header.utf8)
    return rawFile(headerBytes: h, data: data)
}

private func rawFile(headerBytes h: [UInt8], data: [UInt8] = []) -> [UInt8] {
    var out: [UInt8] = []
    withUnsafeBytes(of: UInt64(h.count).littleEndian) { out.append(contentsOf: $0) }
    return out + h + data
}

private func decodeError(_ bytes: [UInt8]) -> NTMError? {
    do {
        _ = try SafeTensorsFile.decode(bytes, source: "m.safetensors")
        return nil
    } catch {
        return error
    }
}

private func jsonError(_ text: String) -> NTMError? {
    do {
        _ = try JSONValue.parse(text)
        return nil
    } catch {
        return error
    }
}

/// A fresh empty directory under the system temporary directory.
private func scratchDirectory() throws -> String {
    ScratchDirectory.make("safetensors")
}

/// SplitMix64: a tiny seeded generator so the fuzz test is reproducible.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

private let sample = SafeTensorsFile(
    metadata: ["format": "pt", "step": "1200", "note": "quote \" and\nnewline"],
    tensors: [
        SafeTensor(name: "w", shape: [2, 3], values: [1, -2, 3.5, 0, 1e-30, -7]),
        SafeTensor(name: "b", shape: [3], values: [0.25, 0.5, 0.75]),
        SafeTensor(name: "scale", shape: [], values: [42]),
        SafeTensor(name: "empty", shape: [0, 4], values: []),
    ])

// MARK: - SafeTensors

@Suite struct SafeTensorsTests {
    @Test func roundTripKeepsMetadataShapesAndValues() throws {
        let decoded = try SafeTensorsFile.decode(sample.encoded(), source: "s")
        #expect(decoded.metadata == sample.metadata)
        // Written in byte-wise name order, read back in offset order: the same order.
        #expect(decoded.names == ["b", "empty", "scale", "w"])
        for tensor in sample.tensors { #expect(decoded[tensor.name] == tensor) }
        #expect(decoded["scale"]?.shape == [])
        #expect(decoded["missing"] == nil)
    }

    @Test func roundTripIsBitExactForSpecialValues() throws {
        let values: [Float] = [.nan, .infinity, -.infinity, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude]
        let file = SafeTensorsFile(tensors: [SafeTensor(name: "x", shape: [6], values: values)])
        let back = try SafeTensorsFile.decode(file.encoded(), source: "s")
        #expect(back.tensors[0].values.map(\.bitPattern) == values.map(\.bitPattern))
    }

    @Test func emptyFileRoundTrips() throws {
        let bytes = SafeTensorsFile().encoded()
        #expect(bytes.count == 16)  // 8-byte length + "{}" padded to 8
        #expect(try SafeTensorsFile.decode(bytes, source: "s") == SafeTensorsFile())
    }

    @Test func encodingIsDeterministicAndPadded() {
        let shuffled = SafeTensorsFile(metadata: sample.metadata, tensors: sample.tensors.reversed())
        #expect(sample.encoded() == shuffled.encoded())
        #expect(sample.encoded() == sample.encoded())
        let bytes = sample.encoded()
        let headerLength = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect(headerLength % 8 == 0)
    }

    @Test func encodingMatchesTheExactFormat() {
        let file = SafeTensorsFile(metadata: ["k": "v"], tensors: [SafeTensor(name: "a", shape: [1], values: [1])])
        let json = #"{"__metadata__":{"k":"v"},"a":{"data_offsets":[0,4],"dtype":"F32","shape":[1]}}"#
        let padded = json + String(repeating: " ", count: (8 - json.utf8.count % 8) % 8)
        #expect(file.encoded() == rawFile(padded, data: [0x00, 0x00, 0x80, 0x3F]))
    }

    @Test func largeFileDecodesQuickly() throws {
        let values = (0..<262_144).map { Float($0) * 0.5 }
        let file = SafeTensorsFile(tensors: [SafeTensor(name: "big", shape: [512, 512], values: values)])
        let clock = ContinuousClock()
        var back = SafeTensorsFile()
        let elapsed = try clock.measure { back = try SafeTensorsFile.decode(file.encoded(), source: "s") }
        #expect(back == file)
        #expect(elapsed < .seconds(2))
    }

    @Test func writeAndReadThroughTheFileSystem() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/model.safetensors"
        try sample.write(path: path)
        let back = try SafeTensorsFile.read(path: path)
        #expect(back.metadata == sample.metadata)
        #expect(Set(back.tensors.map(\.name)) == Set(sample.tensors.map(\.name)))
    }

    @Test func readReportsMissingFilesAndPrefixesDecodeErrorsWithThePath() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            _ = try SafeTensorsFile.read(path: dir + "/nope.safetensors")
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .runtime)
            #expect(error.message == "cannot read \(dir)/nope.safetensors: No such file or directory")
        }
        do {
            _ = try SafeTensorsFile.read(path: dir)
            Issue.record("expected an error")
        } catch {
            #expect(error.message.hasPrefix("cannot read \(dir): "))
        }
        let bad = dir + "/bad.safetensors"
        try AtomicFile.write([1, 2, 3], to: bad)
        do {
            _ = try SafeTensorsFile.read(path: bad)
            Issue.record("expected an error")
        } catch {
            #expect(error.message.hasPrefix(bad + ": file is 3 bytes"))
        }
    }

    @Test func headerLengthBeyondTheFileIsRejectedBeforeAllocating() throws {
        var bytes = [UInt8](repeating: 0xFF, count: 8) + Array("{}".utf8)
        let error = try #require(decodeError(bytes))
        #expect(error.message == "m.safetensors: header length 18446744073709551615 exceeds the file size 10"
            + " (the file is truncated or not a safetensors file)")
        bytes = [1, 2, 3]
        #expect(try #require(decodeError(bytes)).message.contains("shorter than the 8-byte header length"))
        bytes = rawFile(headerBytes: [0x7B, 0xFF, 0x7D])
        #expect(try #require(decodeError(bytes)).message.contains("not valid UTF-8"))
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var header: String
        var dataSize = 0
        var expected: String
        var testDescription: String { expected }
    }

    static let e4 = #""dtype":"F32","shape":[1],"data_offsets":[0,4]"#

    static let cases: [Case] = [
        Case(header: #"{"a":"#, expected: "header is invalid JSON at byte 5"),
        Case(header: "[1]", expected: "header is not a JSON object"),
        Case(header: #"{"__metadata__":[1]}"#, expected: "__metadata__ is not a JSON object"),
        Case(header: #"{"__metadata__":{"k":1}}"#, expected: #"__metadata__ entry "k" is not a string"#),
        Case(header: #"{"__metadata__":{"k":"1","k":"2"}}"#, expected: #"__metadata__ lists "k" twice"#),
        Case(header: #"{"__metadata__":{},"__metadata__":{}}"#, expected: #""__metadata__" twice"#),
        Case(header: #"{"a":1}"#, expected: #"tensor "a" is not a JSON object"#),
        Case(header: #"{"a":{"shape":[1],"data_offsets":[0,4]}}"#, dataSize: 4, expected: "no \"dtype\" field"),
        Case(header: #"{"a":{"dtype":"F32","data_offsets":[0,4]}}"#, dataSize: 4, expected: "no \"shape\" field"),
        Case(header: #"{"a":{"dtype":"F32","shape":[1]}}"#, dataSize: 4, expected: "no \"data_offsets\" field"),
        Case(header: #"{"a":{\#(e4),"extra":1}}"#, dataSize: 4, expected: #"unexpected field "extra""#),
        Case(header: #"{"a":{\#(e4),"dtype":"F32"}}"#, dataSize: 4, expected: #"lists the field "dtype" twice"#),
        Case(header: #"{"a":{"dtype":7,"shape":[1],"data_offsets":[0,4]}}"#, dataSize: 4,
             expected: "dtype that is not a string"),
        Case(header: #"{"w\n":{"dtype":"BF16","shape":[1],"data_offsets":[0,2]}}"#, dataSize: 2,
             expected: #"tensor "w\n" has dtype "BF16", but only F32 is supported (convert the checkpoint to float32)"#),
        Case(header: #"{"a":{"dtype":"F32","shape":{},"data_offsets":[0,4]}}"#, dataSize: 4,
             expected: "shape that is not an array"),
        Case(header: #"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, dataSize: 4,
             expected: "invalid dimension -1"),
        Case(header: #"{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}"#, dataSize: 4,
             expected: "invalid dimension 1.5"),
        Case(header: #"{"a":{"dtype":"F32","shape":["1"],"data_offsets":[0,4]}}"#, dataSize: 4,
             expected: #"invalid dimension "1""#),
        Case(header: #"{"a":{"dtype":"F32","shape":[1e30],"data_offsets":[0,4]}}"#, dataSize: 4,
             expected: "invalid dimension 1e30 in its shape: it is written with a fraction or an exponent"),
        Case(header: #"{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}"#, dataSize: 4,
             expected: "shape whose size overflows"),
        Case(header: #"{"a":{"dtype":"F32","shape":[2305843009213693952],"data_offsets":[0,4]}}"#, dataSize: 4,
             expected: "shape whose size overflows"),
        Case(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":4}}"#, dataSize: 4,
             expected: "data_offsets 4, expected two non-negative integers"),
        Case(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}"#, dataSize: 4,
             expected: "expected two non-negative integers"),
        Case(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}"#, dataSize: 4,
             expected: "invalid data_offsets entry -4: it is negative"),
        Case(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4.5]}}"#, dataSize: 4,
             expected: "invalid data_offsets entry 4.5: it is written with a fraction or an exponent"),
        Case(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[1e300,4]}}"#, dataSize: 4,
             expected: "invalid data_offsets entry 1e300: it is written with a fraction or an exponent"),
        Case(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,"4"]}}"#, dataSize: 4,
             expected: #"invalid data_offsets entry "4": not a number"#),
        Case(header: #"{"a":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}}"#, dataSize: 4,
             expected: "end before they begin"),
        Case(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, dataSize: 4,
             expected: "ends at byte 8, beyond the 4-byte data section"),
        Case(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, dataSize: 4,
             expected: "has 4 bytes of data but shape [2] needs 8"),
        Case(header: #"{"a":{\#(e4)},"b":{\#(e4)}}"#, dataSize: 4, expected: #"tensor "b" overlaps tensor "a""#),
        Case(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, dataSize: 8,
             expected: #"4 unused bytes before tensor "a""#),
        Case(header: #"{"a":{\#(e4)}}"#, dataSize: 8, expected: "4 unused bytes after the last tensor"),
        Case(header: "{}", dataSize: 1, expected: "1 unused bytes after the last tensor"),
        Case(header: #"{"a":{\#(e4)},"a":{\#(e4)}}"#, dataSize: 4, expected: #"header lists "a" twice"#),
        Case(header: String(repeating: "[", count: 100), expected: "nesting deeper than 64 levels"),
    ]

    /// Safetensors writes dimensions and offsets as integers (Rust `usize`), and its own reader refuses any other
    /// number token, even one whose value is whole (`5.76e2`, `3.0`, `-0`): so does this one, naming the tensor
    /// and the field. The header is otherwise valid, so only the token's form is wrong.
    static let nonIntegerTokens: [Case] = [
        // The two forms of the report: an offset in exponent notation, a shape of whole floats.
        Case(header: #"{"w":{"dtype":"F32","shape":[144],"data_offsets":[0,5.76e2]}}"#, dataSize: 576,
             expected: #"tensor "w" has an invalid data_offsets entry 5.76e2: it is written with a fraction or an exponent, "#
                + "not as an integer (offsets are non-negative integers, written in digits only)"),
        Case(header: #"{"w":{"dtype":"F32","shape":[3.0,4.0],"data_offsets":[0,48]}}"#, dataSize: 48,
             expected: #"tensor "w" has an invalid dimension 3.0 in its shape: it is written with a fraction or an exponent, "#
                + "not as an integer (dimensions are non-negative integers, written in digits only)"),
        Case(header: #"{"w":{"dtype":"F32","shape":[12],"data_offsets":[0,48.0]}}"#, dataSize: 48,
             expected: "invalid data_offsets entry 48.0: it is written with a fraction or an exponent"),
        Case(header: #"{"w":{"dtype":"F32","shape":[1E1],"data_offsets":[0,40]}}"#, dataSize: 40,
             expected: "invalid dimension 1E1 in its shape: it is written with a fraction or an exponent"),
        Case(header: #"{"w":{"dtype":"F32","shape":[10],"data_offsets":[0e0,40]}}"#, dataSize: 40,
             expected: "invalid data_offsets entry 0e0: it is written with a fraction or an exponent"),
        Case(header: #"{"w":{"dtype":"F32","shape":[-0],"data_offsets":[0,0]}}"#,
             expected: "invalid dimension -0 in its shape: it is negative"),
        Case(header: #"{"w":{"dtype":"F32","shape":[0],"data_offsets":[-0,0]}}"#,
             expected: "invalid data_offsets entry -0: it is negative"),
        Case(header: #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,9223372036854775808]}}"#, dataSize: 4,
             expected: "invalid data_offsets entry 9223372036854775808: it is beyond the largest integer, 9223372036854775807"),
        Case(header: #"{"w":{"dtype":"F32","shape":[18446744073709551616],"data_offsets":[0,4]}}"#, dataSize: 4,
             expected: "invalid dimension 18446744073709551616 in its shape: it is beyond the largest integer"),
        // Integers are read exactly, beyond the 2^53 a Double holds: 2^53 + 1 is not taken for 2^53.
        Case(header: #"{"w":{"dtype":"F32","shape":[9007199254740993],"data_offsets":[0,4]}}"#, dataSize: 4,
             expected: "has 4 bytes of data but shape [9007199254740993] needs 36028797018963972"),
        // Each token is matched to its own tensor and field, whatever the order of entries and fields.
        Case(header: #"{"a":{\#(e4)},"b":{"data_offsets":[4,12],"shape":[2,1.0],"dtype":"F32"},"__metadata__":{"k":"5.0"}}"#,
             dataSize: 12, expected: #"tensor "b" has an invalid dimension 1.0 in its shape"#),
        Case(header: #"{"__metadata__":{"k":"v"},"b":{"shape":[2],"dtype":"F32","data_offsets":[4,1.2e1]},"a":{\#(e4)}}"#,
             dataSize: 12, expected: #"tensor "b" has an invalid data_offsets entry 1.2e1"#),
    ]

    @Test(arguments: cases + nonIntegerTokens)
    func invalidHeadersAreRejected(_ c: Case) throws {
        let error = try #require(decodeError(rawFile(c.header, data: [UInt8](repeating: 0, count: c.dataSize))))
        #expect(error.kind == .runtime)
        #expect(error.message.hasPrefix("m.safetensors: "))
        #expect(error.message.contains(c.expected), "\(error.message)")
        #expect(error.message.hasSuffix(")"))
        #expect(!error.message.contains("\n"))
    }

    /// The same headers with every number written in digits decode: only the form was wrong.
    @Test func theRefusedHeadersDecodeWithIntegerTokens() throws {
        let fixed = [
            (#"{"w":{"dtype":"F32","shape":[144],"data_offsets":[0,576]}}"#, 576, [144]),
            (#"{"w":{"dtype":"F32","shape":[3,4],"data_offsets":[0,48]}}"#, 48, [3, 4]),
        ]
        for (header, size, shape) in fixed {
            let file = try SafeTensorsFile.decode(rawFile(header, data: [UInt8](repeating: 0, count: size)), source: "m")
            #expect(file["w"]?.shape == shape)
        }
    }

    @Test func zeroSizedTensorsMayShareAnOffset() throws {
        let header = #"{"z":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"a":{\#(Self.e4)},"#
            + #""y":{"dtype":"F32","shape":[3,0],"data_offsets":[4,4]}}"#
        let file = try SafeTensorsFile.decode(rawFile(header, data: [0, 0, 0x80, 0x3F]), source: "s")
        #expect(file.names == ["z", "a", "y"])
        #expect(file["a"]?.values == [1])
    }

    @Test func mutatedFilesNeverCrash() {
        let valid = sample.encoded()
        let headerEnd = 8 + valid[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let digitPositions = (8..<headerEnd).filter { valid[$0] >= 0x30 && valid[$0] <= 0x39 }
        let replacements = Array("0123456789-.e+\"{}[],: x".utf8)
        var rng = SplitMix64(state: 0x5EED)
        var successes = 0
        for _ in 0..<3000 {
            var bytes = valid
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                guard !bytes.isEmpty else { break }
                switch Int.random(in: 0..<5, using: &rng) {
                case 0:
                    bytes.removeLast(Int.random(in: 0...bytes.count, using: &rng))
                case 1 where bytes.count > headerEnd:
                    let i = Int.random(in: 8..<headerEnd, using: &rng)
                    bytes[i] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
                case 2 where bytes.count > headerEnd:
                    let i = Int.random(in: headerEnd..<bytes.count, using: &rng)
                    bytes[i] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
                case 3 where bytes.count >= 8:
                    let length: UInt64 = Bool.random(using: &rng)
                        ? rng.next() >> UInt64.random(in: 0..<64, using: &rng)
                        : UInt64(headerEnd - 8) &+ UInt64(bitPattern: Int64.random(in: -16...16, using: &rng))
                    withUnsafeBytes(of: length.littleEndian) { bytes.replaceSubrange(0..<8, with: $0) }
                case 4 where bytes.count > headerEnd:
                    let i = digitPositions.randomElement(using: &rng)!
                    bytes[i] = replacements.randomElement(using: &rng)!
                default:
                    break
                }
            }
            do {
                let file = try SafeTensorsFile.decode(bytes, source: "fuzz")
                successes += 1
                for tensor in file.tensors {
                    #expect(tensor.values.count == tensor.shape.reduce(1, *))
                }
            } catch {
                #expect(error.kind == .runtime)
                #expect(error.message.hasPrefix("fuzz: ") && !error.message.contains("\n"))
            }
        }
        // Data-section bit flips keep the file valid, so both outcomes must have been exercised.
        #expect(successes > 0 && successes < 3000)
    }

    /// `readMetadata` reads only the header, yet accepts exactly the files `read` accepts, with the same
    /// metadata, and refuses the others with the same message.
    @Test func readingOnlyTheHeaderAgreesWithReadingTheWholeFile() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let valid = sample.encoded()
        let path = dir + "/m.safetensors"
        var rng = SplitMix64(state: 0xFEED)
        var outcomes = (accepted: 0, refused: 0)
        for _ in 0..<300 {
            var bytes = valid
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: bytes.removeLast(Int.random(in: 0...bytes.count, using: &rng))
            case 1: bytes.append(contentsOf: repeatElement(0, count: Int.random(in: 1...8, using: &rng)))
            case 2:
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                bytes[i] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
            default: break
            }
            try AtomicFile.write(bytes, to: path)
            let whole: Result<[String: String], NTMError>
            do throws(NTMError) { whole = .success(try SafeTensorsFile.read(path: path).metadata) } catch { whole = .failure(error) }
            let header: Result<[String: String], NTMError>
            do throws(NTMError) { header = .success(try SafeTensorsFile.readMetadata(path: path)) } catch { header = .failure(error) }
            #expect(header == whole)
            if case .success = whole { outcomes.accepted += 1 } else { outcomes.refused += 1 }
        }
        #expect(outcomes.accepted > 0 && outcomes.refused > 0, "\(outcomes)")
        #expect(throws: NTMError.self) { try SafeTensorsFile.readMetadata(path: dir) }
        #expect(throws: NTMError.self) { try SafeTensorsFile.readMetadata(path: dir + "/nope.safetensors") }
    }
}

// MARK: - AtomicFile

@Suite struct AtomicFileTests {
    @Test func writesOverwritesAndLeavesNoTemporaries() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/out.txt"
        try AtomicFile.write("first\n", to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "first\n")
        try AtomicFile.write([0x61, 0x62], to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "ab")
        try AtomicFile.write([], to: path)
        #expect(FileManager.default.contents(atPath: path) == Data())
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["out.txt"])
    }

    @Test func failuresNameThePathAndTheReason() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let missing = dir + "/no/such/dir/out.bin"
        do {
            try AtomicFile.write([1], to: missing)
            Issue.record("expected an error")
        } catch {
            #expect(error == .runtime("cannot write \(missing): No such file or directory"))
        }
        do {
            try AtomicFile.write([1], to: dir + "/")
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .runtime && error.message.hasPrefix("cannot write \(dir)/: "))
        }
        // Renaming a file over a non-empty directory fails; the temporary must be cleaned up.
        try FileManager.default.createDirectory(atPath: dir + "/sub/inner", withIntermediateDirectories: true)
        do {
            try AtomicFile.write([1], to: dir + "/sub")
            Issue.record("expected an error")
        } catch {
            #expect(error.message.hasPrefix("cannot write \(dir)/sub: "))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["sub"])
    }
}

// MARK: - JSONValue

@Suite struct JSONValueTests {
    @Test func parsesAllValueKinds() throws {
        let v = try JSONValue.parse(#" {"a": [1, -2.5e1, true, false, null], "b": {"c": "d"}, "e": {}, "f": []} "#)
        #expect(v["a"] == .array([.number(1), .number(-25), .bool(true), .bool(false), .null]))
        #expect(v["b"]?["c"]?.stringValue == "d")
        #expect(v["e"]?.objectMembers?.isEmpty == true)
        #expect(v["f"]?.arrayValue == [])
        #expect(v["a"]?.arrayValue?[2].boolValue == true)
        #expect(v["a"]?.arrayValue?[4].isNull == true)
        #expect(v["missing"] == nil && JSONValue.number(1)["a"] == nil)
    }

    @Test func stringEscapesDecodeAndRoundTrip() throws {
        let v = try JSONValue.parse(#""q\" b\\ s\/ \b\f\n\r\t \u0041\u00e9 \ud83d\ude00 é""#)
        #expect(v.stringValue == "q\" b\\ s/ \u{8}\u{C}\n\r\t Aé 😀 é")
        let tricky = String((0..<32).map { Character(Unicode.Scalar(UInt8($0))) }) + "\"\\/😀\u{7F}"
        let text = JSONValue.string(tricky).serialized()
        #expect(!text.contains("\n") && text.contains(#"\u001f"#) && text.contains(#"\b"#))
        #expect(try JSONValue.parse(text).stringValue == tricky)
    }

    @Test func duplicateKeysAreKeptInOrder() throws {
        let v = try JSONValue.parse(#"{"a":1,"b":2,"a":3}"#)
        #expect(v.objectMembers?.map(\.key) == ["a", "b", "a"])
        #expect(v["a"] == .number(1))
        #expect(v.serialized() == #"{"a":1,"b":2,"a":3}"#)
        #expect(v.serialized(sortedKeys: true) == #"{"a":1,"a":3,"b":2}"#)
    }

    @Test func sortedKeysUseByteOrder() {
        let v = JSONValue.object(["é", "z", "a", "B", "_"].map { JSONMember(key: $0, value: .null) })
        #expect(v.serialized(sortedKeys: true) == #"{"B":null,"_":null,"a":null,"z":null,"é":null}"#)
    }

    @Test func numbersFormatAndConvert() throws {
        let expected: [(Double, String)] = [
            (1, "1"), (-3, "-3"), (0.1, "0.1"), (1e20, "1e+20"), (-0.0, "0"), (1.5e-7, "1.5e-07"),
            (9_007_199_254_740_992, "9007199254740992"), (.nan, "null"), (.infinity, "null"),
        ]
        for (d, s) in expected { #expect(JSONValue.number(d).serialized() == s) }
        #expect(try JSONValue.parse("1e3").intValue == 1000)
        #expect(try JSONValue.parse("-0").intValue == 0)
        #expect(try JSONValue.parse("1.5").intValue == nil)
        #expect(try JSONValue.parse("1e300").intValue == nil)
        #expect(try JSONValue.parse("1.5").doubleValue == 1.5)
        #expect(JSONValue.string("1").intValue == nil)
        for d in [0.1, 1.0 / 3, 6.02e23, -1e-300, 123456.789] {
            #expect(try JSONValue.parse(JSONValue.number(d).serialized()).doubleValue == d)
        }
    }

    @Test func compactAndPrettyOutputRoundTrip() throws {
        let source = #"{"name":"copy","sizes":[1,2.5,{"deep":[[]]}],"ok":true,"none":null,"empty":{}}"#
        let v = try JSONValue.parse(source)
        #expect(v.serialized() == source)
        let pretty = v.serialized(pretty: true)
        #expect(pretty.hasPrefix("{\n  \"name\": \"copy\",\n  \"sizes\": [\n    1,"))
        #expect(try JSONValue.parse(pretty) == v)
        #expect(try JSONValue.parse(v.serialized(sortedKeys: true, pretty: true))["sizes"] == v["sizes"])
    }

    @Test func nestingIsLimited() throws {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(try JSONValue.parse(ok).arrayValue != nil)
        let deep = String(repeating: #"{"a":"#, count: 65) + "1" + String(repeating: "}", count: 65)
        #expect(try #require(jsonError(deep)).message.contains("nesting deeper than 64 levels"))
    }

    @Test(arguments: [
        ("", "at byte 0: unexpected end of input"), ("{", "at byte 1:"), ("[1,]", "at byte 3:"),
        (#"{"a" 1}"#, "at byte 5: unexpected '1', expected ':'"), (#"{"a":1,}"#, "at byte 7:"),
        ("[1 2]", "at byte 3: unexpected '2'"), ("01", "at byte 0: number has a leading zero"),
        ("1.", "at byte 2:"), ("-", "at byte 1:"), ("1e", "at byte 2:"), ("tru", "at byte 0: invalid literal"),
        ("nan", "at byte 0:"), ("1e400", "at byte 0: number 1e400 is out of range"),
        (#""abc"#, "at byte 0: unterminated string"), (#""\x""#, "at byte 1: invalid escape"),
        (#""\u12g4""#, "at byte 1: invalid hex digit"), (#""\ud800""#, "at byte 1: unpaired surrogate"),
        (#""\ud800\u0041""#, "at byte 1: unpaired surrogate"), (#""\udc00""#, "at byte 1: unpaired surrogate"),
        ("\"a\nb\"", "at byte 2: control character"), ("[1] x", "at byte 4: unexpected 'x' after"),
        ("{1:2}", "at byte 1: unexpected '1', expected a string key"), ("\u{FEFF}{}", "at byte 0:"),
    ])
    func malformedInputNamesTheOffset(_ input: String, _ expected: String) throws {
        let error = try #require(jsonError(input))
        #expect(error.kind == .runtime)
        #expect(error.message.contains("invalid JSON " + expected), "\(error.message)")
    }

    @Test func mutatedDocumentsParseAndRoundTripOrFail() throws {
        let base = Array(#"{"a":[1,-2.5e3,"x\u00e9\n",{"b":null,"c":[true,false]}],"d":0.125,"e":"\ud83d\ude00"}"#.utf8)
        let alphabet = Array(#"{}[]":,\-+.eE0123456789 tfnu"#.utf8) + [0x00, 0x80, 0xC3, 0xFF]
        var rng = SplitMix64(state: 42)
        for _ in 0..<2000 {
            var bytes = base
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes[i] = alphabet.randomElement(using: &rng)!
                case 1: bytes.insert(alphabet.randomElement(using: &rng)!, at: i)
                default: if bytes.count > 1 { bytes.remove(at: i) }
                }
            }
            do {
                let value = try JSONValue.parse(bytes)
                #expect(try JSONValue.parse(value.serialized()) == value)
            } catch {
                #expect(error.message.hasPrefix("invalid JSON at byte "))
            }
        }
    }

    @Test func invalidUTF8InStringsIsRejected() throws {
        do {
            _ = try JSONValue.parse([0x22, 0xC3, 0x28, 0x22])
            Issue.record("expected an error")
        } catch {
            #expect(error.message == "invalid JSON at byte 0: string is not valid UTF-8")
        }
    }
}
