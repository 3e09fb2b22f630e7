package dev.noodle.graph.spec;

/**
 * An integer widget input with inclusive bounds.
 *
 * @param controlAfterGenerate true for seed-like inputs that ComfyUI's UI follows with a "control_after_generate" widget
 */
public record IntInput(
        String name,
        long defaultValue,
        long min,
        long max,
        long step,
        boolean optional,
        String tooltip,
        boolean controlAfterGenerate)
        implements InputSpec {

    /** Checks the bounds. */
    public IntInput {
        if (min > max) {
            throw new IllegalArgumentException("input '" + name + "': min " + min + " > max " + max);
        }
        tooltip = tooltip == null ? "" : tooltip;
    }

    /** A required int input with step 1. */
    public static IntInput of(String name, long defaultValue, long min, long max) {
        return new IntInput(name, defaultValue, min, max, 1, false, "", false);
    }

    /** A required seed input over the full non-negative long range that re-randomises after generation. */
    public static IntInput seed(String name) {
        return new IntInput(name, 0, 0, Long.MAX_VALUE, 1, false, "", true);
    }

    /** A copy with this tooltip. */
    public IntInput withTooltip(String text) {
        return new IntInput(name, defaultValue, min, max, step, optional, text, controlAfterGenerate);
    }

    /** A copy marked optional. */
    public IntInput asOptional() {
        return new IntInput(name, defaultValue, min, max, step, true, tooltip, controlAfterGenerate);
    }
}
