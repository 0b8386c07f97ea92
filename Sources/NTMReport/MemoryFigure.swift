// The memory figure of a recorded example: what run reports write as memory-<model>.svg and what
// `ntm-bench eval --memory-figure` draws for any checkpoint.
import NTMCore
import NTMTraining

/// A ``RecordedExample`` as stacked heatmaps: input, target, the model's outputs, then every recorded
/// tensor (the NTM's head weightings), each cut down to the rows it visits.
public enum MemoryFigure {
    public static func svg(_ example: RecordedExample, title: String) -> String {
        let T = example.steps
        func panel(_ name: String, _ tensor: Tensor) -> HeatmapChart.Panel {
            // The shade runs over [0, 1], widened to the values' own range (priorities in [-1, 1]).
            let finite = tensor.values.filter(\.isFinite)
            return HeatmapChart.Panel(name: name, timeMajor: tensor.values, steps: T,
                                      low: Swift.min(0, finite.min() ?? 0), high: Swift.max(1, finite.max() ?? 1))
        }
        let panels = [panel("input", example.inputs), panel("target", example.targets), panel("output", example.outputs)]
            + example.recorded.map { panel($0.name, $0.tensor).cropped() }
        return HeatmapChart(title: title, steps: T, panels: panels).svg
    }
}
