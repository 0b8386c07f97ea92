// The copy report's plain-words reading beyond the training length: "carries over" only for an NTM that
// copies that length, and a loss to the baseline said as one.
import Testing
@_spi(Testing) import NTMReport

@Suite("Report reading")
struct ReportReadingTests {
    @Test func carriesOverOnlyWhenTheLongerLengthIsCopied() {
        let exact = RunReport.beyondTraining(length: 100, ntm: 0.02, best: 362.4, baseline: "GRU")
        #expect(exact == "Beyond the training distribution, at length 100, the NTM makes fewer errors than the best "
                + "baseline (GRU: 362.4 against the NTM's 0.020): it has learned an algorithm that carries over to longer sequences.")
        let partial = RunReport.beyondTraining(length: 100, ntm: 91.5, best: 362.4, baseline: "GRU")
        #expect(partial.hasSuffix("(GRU: 362.4 against the NTM's 91.5), but it does not copy sequences of that length exactly."))
        #expect(!partial.contains("carries over"))
        let lost = RunReport.beyondTraining(length: 40, ntm: 150, best: 129.8, baseline: "GRU")
        #expect(lost == "At length 40, beyond the training distribution, the NTM does not beat the best baseline "
                + "(GRU: 129.8 against the NTM's 150.0).")
    }
}
