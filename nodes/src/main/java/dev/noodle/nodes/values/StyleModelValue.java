package dev.noodle.nodes.values;

import dev.noodle.engine.vision.StyleAdapter;

/**
 * The STYLE_MODEL wire value: a loaded T2I style adapter and the file it came from, shared through its hold (loaded
 * once while values use it). Immutable.
 *
 * @param hold keeps the adapter loaded while this value lives
 * @param adapter the style adapter
 * @param source the file name, for messages
 */
public record StyleModelValue(ModelValue.Hold hold, StyleAdapter adapter, String source) implements HeldValue {
    @Override
    public String toString() {
        return "STYLE_MODEL: " + source + " (" + adapter.config().tokens() + " tokens of " + adapter.config().context()
                + ")";
    }
}
