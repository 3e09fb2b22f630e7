package dev.noodle.graph.spec;

/** A boolean toggle widget input. */
public record BoolInput(String name, boolean defaultValue, boolean optional, String tooltip)
        implements InputSpec {

    /** Normalises a null tooltip to empty. */
    public BoolInput {
        tooltip = tooltip == null ? "" : tooltip;
    }

    /** A required boolean input. */
    public static BoolInput of(String name, boolean defaultValue) {
        return new BoolInput(name, defaultValue, false, "");
    }

    /** A copy marked optional. */
    public BoolInput asOptional() {
        return new BoolInput(name, defaultValue, true, tooltip);
    }
}
