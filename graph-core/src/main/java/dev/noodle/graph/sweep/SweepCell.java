package dev.noodle.graph.sweep;

import dev.noodle.graph.model.Workflow;
import java.util.List;

/**
 * One cell of a sweep: its place in the grid and the workflow with the cell's values set (the workflow its images
 * carry, so opening one reproduces that cell).
 *
 * @param x the index into the X axis's values (0 when there is no X axis), likewise {@code y} and {@code z}
 * @param index the cell's place in the grid: {@code x + y * columns + z * columns * rows}
 * @param captions one {@code label: value} per axis, X first
 */
public record SweepCell(int x, int y, int z, int index, List<String> captions, Workflow workflow) {
    /** Copies the captions. */
    public SweepCell {
        captions = List.copyOf(captions);
    }

    /** The captions joined, e.g. {@code strength_model: 0.5, stop_at_clip_layer: -2}. */
    public String describe() {
        return captions.isEmpty() ? "the workflow as it is" : String.join(", ", captions);
    }
}
