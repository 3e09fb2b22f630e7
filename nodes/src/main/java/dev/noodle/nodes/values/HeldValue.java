package dev.noodle.nodes.values;

import dev.noodle.graph.node.ReleasableValue;

/**
 * A wire value whose model is shared through a {@link ModelValue.Hold} (a file loaded once and kept while any value
 * holds it): its size is the hold's and releasing the value releases the hold.
 */
public interface HeldValue extends ReleasableValue {
    /** Keeps the shared model loaded while this value lives. */
    ModelValue.Hold hold();

    @Override
    default long sizeBytes() {
        return hold().sizeBytes();
    }

    @Override
    default void release() {
        hold().release();
    }
}
