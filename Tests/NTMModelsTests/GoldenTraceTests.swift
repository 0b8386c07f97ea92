// Agreement with the independent implementation of models.md: the golden traces of
// ../shared/golden, copied into Fixtures/, replayed through our models tensor by tensor.
import Foundation
import Testing
import NTMCore
import NTMModels

enum Fixtures {
    static var directory: String {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures").path
    }

    static func tolerances() throws -> JSONValue {
        let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/tolerances.json"))
        return try JSONValue.parse([UInt8](data))
    }
}

@Suite("Golden traces")
struct GoldenTraceTests {
    @Test(arguments: ["ntm-2r1w-s1-l2", "lstm-l2", "gru-l2"])
    func agreesWithReference(folder: String) throws {
        let dir = Fixtures.directory + "/" + folder
        let (model, _) = try Checkpoint.loadModel(path: dir + "/checkpoint.safetensors")
        let trace = try SafeTensorsFile.read(path: dir + "/trace.safetensors")
        let tolerances = try #require(try Fixtures.tolerances()[folder]?.objectMembers)
        let inputs = try #require(trace["inputs"]), targets = try #require(trace["targets"])
        let mask = try #require(trace["mask"])
        let ours = Trace.record(
            model: model, inputs: Tensor(shape: inputs.shape, values: inputs.values),
            targets: Tensor(shape: targets.shape, values: targets.values),
            mask: Tensor(shape: mask.shape, values: mask.values))
        // Every tensor of the reference trace, and every tensor it has a bound for, must agree.
        #expect(Set(tolerances.map(\.key)).isSubset(of: Set(trace.names)))
        var compared = 0
        for member in tolerances {
            let reference = try #require(trace[member.key])
            let actual = try #require(ours[member.key], "our trace has no \(member.key)")
            #expect(actual.shape == reference.shape, "\(member.key) shape")
            let bound = try #require(member.value.doubleValue)
            let c = Closeness(name: member.key, actual: actual.values, reference: reference.values)
            #expect(c.within(bound), "\(folder): \(c) exceeds \(bound)")
            compared += 1
        }
        // Every parameter gradient is covered by a bound.
        for p in model.parameters where p.trainable {
            #expect(tolerances.contains { $0.key == "grad.\(p.name)" }, "no bound for grad.\(p.name)")
        }
        #expect(compared >= 13)
    }
}
