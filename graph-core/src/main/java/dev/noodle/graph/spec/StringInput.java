package dev.noodle.graph.spec;

/** A text widget input, single or multi-line. */
public record StringInput(
        String name, String defaultValue, boolean multiline, boolean optional, String tooltip)
        implements InputSpec {

    /** Normalises null default and tooltip to empty strings. */
    public StringInput {
        defaultValue = defaultValue == null ? "" : defaultValue;
        tooltip = tooltip == null ? "" : tooltip;
    }

    /** A required single-line text input. */
    public static StringInput of(String name, String defaultValue) {
        return new StringInput(name, defaultValue, false, false, "");
    }

    /** A required multi-line text input (prompts). */
    public static StringInput multiline(String name, String defaultValue) {
        return new StringInput(name, defaultValue, true, false, "");
    }

    /** A copy with this tooltip. */
    public StringInput withTooltip(String text) {
        return new StringInput(name, defaultValue, multiline, optional, text);
    }

    /** A copy marked optional. */
    public StringInput asOptional() {
        return new StringInput(name, defaultValue, multiline, true, tooltip);
    }
}
