// The memory figure of a recorded example: what run reports write as memory-<model>.svg and what
// `ntm-bench eval --memory-figure` draws for any checkpoint.
import NTMCore
import NTMTraining

/// A ``RecordedExample`` as stacked heatmaps: input, target, the model's outputs, then every recorded
/// tensor (the NTM's head weightings), each cut down to the rows it visits.
public enum MemoryFigure {
    public static func svg(_ example: RecordedExample, title: String) -> String {
        let T = example.steps
        // Full strength at 1: bits, outputs and weightings lie in [0, 1], priorities in [-1, 1]; a larger
        // input (repeat copy's standardised repeat count) is drawn at full strength.
        func panel(_ name: String, _ tensor: Tensor) -> HeatmapChart.Panel {
            HeatmapChart.Panel(name: name, timeMajor: tensor.values, steps: T)
        }
        let panels = [panel("input", example.inputs), panel("target", example.targets), panel("output", example.outputs)]
            + example.recorded.map { panel($0.name, $0.tensor).cropped() }
        return HeatmapChart(title: title, steps: T, panels: panels).svg
    }
}
