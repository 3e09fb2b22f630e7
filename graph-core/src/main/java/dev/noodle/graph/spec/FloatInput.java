package dev.noodle.graph.spec;

/**
 * A floating-point widget input with inclusive bounds.
 *
 * @param round the rounding precision the UI applies (0 = none), as ComfyUI's "round" option
 */
public record FloatInput(
        String name,
        double defaultValue,
        double min,
        double max,
        double step,
        double round,
        boolean optional,
        String tooltip)
        implements InputSpec {

    /** Checks the bounds. */
    public FloatInput {
        if (!(min <= max)) {
            throw new IllegalArgumentException("input '" + name + "': min " + min + " > max " + max);
        }
        tooltip = tooltip == null ? "" : tooltip;
    }

    /** A required float input with step 0.01. */
    public static FloatInput of(String name, double defaultValue, double min, double max) {
        return new FloatInput(name, defaultValue, min, max, 0.01, 0, false, "");
    }

    /** A required float input with the given step. */
    public static FloatInput of(String name, double defaultValue, double min, double max, double step) {
        return new FloatInput(name, defaultValue, min, max, step, 0, false, "");
    }

    /** A copy with this tooltip. */
    public FloatInput withTooltip(String text) {
        return new FloatInput(name, defaultValue, min, max, step, round, optional, text);
    }

    /** A copy marked optional. */
    public FloatInput asOptional() {
        return new FloatInput(name, defaultValue, min, max, step, round, true, tooltip);
    }
}
