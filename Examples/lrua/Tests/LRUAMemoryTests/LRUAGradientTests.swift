// The memory's gradients, derived by the kit from the forward code above, checked in Double.
import Testing
import NTMKit
import LRUAMemory

@Suite struct LRUAGradientTests {
    @Test func memoryAloneMatchesCentralDifferences() {
        let memory = LRUAMemory(controllerSize: 5, rows: 6, width: 3)
        let report = checkGradients(of: MemoryProbe(memory), steps: 6, batch: 2, seed: 1, checkInputs: true)
        print("memory alone, 6 steps, batch 2:\n\(report)")
        #expect(report.passes(tolerance: 1e-6), "\(report)")
        #expect(report.entries.allSatisfy { $0.checked > 0 }, "\(report)")
    }

    @Test func wholeModelMatchesCentralDifferences() {
        let model = ControlledMemory(memory: LRUAMemory(controllerSize: 6, rows: 5, width: 3), inputWidth: 3, outputWidth: 2)
        let report = checkGradients(of: model, steps: 5, batch: 2, seed: 2)
        print("whole model, 5 steps, batch 2:\n\(report)")
        #expect(report.passes(tolerance: 1e-6), "\(report)")
        #expect(report.entries.allSatisfy { $0.checked > 0 }, "\(report)")
    }
}
