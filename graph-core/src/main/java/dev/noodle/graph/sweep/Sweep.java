package dev.noodle.graph.sweep;

import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.NodeRegistry;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A sweep, as AUTOMATIC1111's X/Y/Z plot: a workflow run once per combination of up to three axes' values, X
 * across the grid's columns, Y down its rows, Z one grid per value.
 *
 * <p>Immutable. The cells' workflows are the base workflow with the axes' literals set; nothing else changes, so a
 * cell re-runs only what its values touch (see {@link SweepRunner}).
 *
 * @param axes X, then Y, then Z; one to three of them
 */
public record Sweep(List<SweepAxis> axes) {
    /** The axis names in order. */
    public static final List<String> AXIS_NAMES = List.of("X", "Y", "Z");

    /** Copies the axes and refuses none, more than three, and two axes over one input. */
    public Sweep {
        axes = List.copyOf(axes);
        if (axes.isEmpty() || axes.size() > 3) {
            throw new IllegalArgumentException("a sweep has one to three axes (X, Y, Z), not " + axes.size());
        }
        Set<String> seen = new HashSet<>();
        for (SweepAxis a : axes) {
            if (!seen.add(a.nodeId() + "." + a.input())) {
                throw new IllegalArgumentException("two axes sweep node " + a.nodeId() + " input '" + a.input()
                        + "'; give each input one axis");
            }
        }
    }

    /**
     * A sweep of {@code ref=values} texts, X first (see {@link SweepAxis#parse}); an error names the axis it is in.
     */
    public static Sweep parse(Workflow wf, NodeRegistry registry, List<String> axes) {
        List<SweepAxis> parsed = new ArrayList<>();
        for (int i = 0; i < axes.size(); i++) {
            try {
                parsed.add(SweepAxis.parse(wf, registry, axes.get(i)));
            } catch (IllegalArgumentException e) {
                String name = i < AXIS_NAMES.size() ? AXIS_NAMES.get(i) : "axis " + (i + 1);
                throw new IllegalArgumentException(name + " axis: " + e.getMessage(), e);
            }
        }
        return new Sweep(parsed);
    }

    /** The X axis. */
    public SweepAxis x() {
        return axes.get(0);
    }

    /** The Y axis, or null. */
    public SweepAxis y() {
        return axes.size() > 1 ? axes.get(1) : null;
    }

    /** The Z axis, or null. */
    public SweepAxis z() {
        return axes.size() > 2 ? axes.get(2) : null;
    }

    /** The number of values of axis {@code i}, 1 for an absent axis. */
    public int size(int i) {
        return i < axes.size() ? axes.get(i).values().size() : 1;
    }

    /** The number of cells. */
    public int cellCount() {
        return size(0) * size(1) * size(2);
    }

    /** The cell at these indexes: {@code base} with each axis's value set. */
    public SweepCell cell(Workflow base, int x, int y, int z) {
        int[] at = {x, y, z};
        Workflow wf = base;
        List<String> captions = new ArrayList<>();
        for (int i = 0; i < axes.size(); i++) {
            SweepAxis a = axes.get(i);
            NodeInstance node = wf.node(a.nodeId());
            if (node == null) {
                throw new IllegalArgumentException("the workflow has no node '" + a.nodeId() + "' to sweep");
            }
            wf = wf.withNode(node.withInput(a.input(), new Literal(a.values().get(at[i]))));
            captions.add(a.caption(at[i]));
        }
        return new SweepCell(x, y, z, x + y * size(0) + z * size(0) * size(1), captions, wf);
    }

    /** Every cell in grid order (X fastest, then Y, then Z). */
    public List<SweepCell> cells(Workflow base) {
        List<SweepCell> cells = new ArrayList<>();
        for (int z = 0; z < size(2); z++) {
            for (int y = 0; y < size(1); y++) {
                for (int x = 0; x < size(0); x++) {
                    cells.add(cell(base, x, y, z));
                }
            }
        }
        return cells;
    }

    /** What the sweep does, one line: {@code X: strength_model = 0, 0.5, 1; Y: stop_at_clip_layer = -1, -2}. */
    public String describe() {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < axes.size(); i++) {
            SweepAxis a = axes.get(i);
            parts.add(AXIS_NAMES.get(i) + ": node " + a.nodeId() + " " + a.label() + " = "
                    + String.join(", ", a.values().stream().map(SweepValues::format).toList()));
        }
        return String.join("; ", parts);
    }
}
