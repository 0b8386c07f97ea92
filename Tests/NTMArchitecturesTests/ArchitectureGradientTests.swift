// The DNC's and the memory network's gradients, derived by the kit from their forward code, checked
// in Double against central differences over several steps.
import Testing
import NTMCore
import NTMAutodiff
import NTMArchitectures

@Suite struct ArchitectureGradientTests {
    static func expectPasses(_ report: DoubleGradientReport, _ what: String) {
        print("\(what):\n\(report)")
        #expect(report.passes(tolerance: 1e-6), "\(what): \(report)")
        #expect(report.entries.allSatisfy { $0.checked > 0 }, "\(what): \(report)")
    }

    @Test func dncMemoryAloneOverSixSteps() {
        let memory = DNCMemory(controllerSize: 5, rows: 5, width: 3, readHeads: 2)
        Self.expectPasses(checkGradients(of: MemoryProbe(memory), steps: 6, batch: 2, seed: 1, checkInputs: true), "DNC memory")
    }

    @Test func dncBehindTheLSTMControllerOverFiveSteps() {
        let model = ControlledMemory(memory: DNCMemory(controllerSize: 6, rows: 4, width: 3, readHeads: 1), inputWidth: 3, outputWidth: 2)
        Self.expectPasses(checkGradients(of: model, steps: 5, batch: 2, seed: 2), "DNC model")
    }

    @Test func memoryNetworkPastItsLastSlot() {
        // Seven steps through four slots: the ring wraps and overwrites the oldest slots.
        let model = MemoryNetwork(inputWidth: 3, outputWidth: 2, slots: 4, embeddingSize: 5, hops: 2)
        Self.expectPasses(checkGradients(of: model, steps: 7, batch: 2, seed: 3, checkInputs: true), "memory network")
    }
}
