// The generalisation figure (`generalisation.svg`) of a run and of a comparison across seeds: bit errors
// per sequence against the evaluation points, on the run's length axis.
import NTMTasks
import NTMTraining

extension ExperimentConfig {
    /// A line chart of one value per evaluation point for each series. Points that are one length each sit on
    /// the configuration's ``LengthAxis``; repeat copy's `L x R` points sit evenly spaced in order.
    func generalisationChart(title: String, series: [(name: String, values: [Double])]) -> LineChart {
        let points = evaluationPoints
        let yLabel = "bit errors per sequence"
        guard task.kind != .repeatCopy else {
            return LineChart(title: title, xLabels: points.map(\.description), yLabel: yLabel, series: series)
        }
        let noun: String
        switch task.kind {
        case .copy, .repeatCopy: noun = "sequence length"
        case .ngrams: noun = "sequence length (bits)"
        case .associativeRecall: noun = "items"
        case .prioritySort: noun = "inputs"
        }
        return LineChart(title: title, xValues: points.map { Double($0.length) }, scale: lengthAxis,
                         xTitle: noun + (lengthAxis == .log ? ", logarithmic scale" : ""), yLabel: yLabel, series: series)
    }
}
