package dev.noodle.engine.memory;

import ai.djl.Device;

/**
 * Something that occupies device memory and can move between a GPU and CPU memory as a unit: a model's weights
 * ({@link WeightStore}). {@link ModelPlacement} decides where each one is.
 */
public interface Resident {
    /** What it is, for messages ("UNet of sd15.safetensors"). */
    String name();

    /** Native bytes it occupies on whichever device it is. */
    long bytes();

    /** The device it computes on, where it returns before use. */
    Device home();

    /** The device it is on now. */
    Device device();

    /** Moves it (copying, then freeing the old copy). */
    void moveTo(Device device);

    /** Whether it was closed (and occupies nothing). */
    boolean isClosed();

    /**
     * Whether its model can compute on its home GPU while it stays in CPU memory, each weight copied in as a layer
     * uses it and freed after (slower, for models bigger than the GPU's budget).
     */
    default boolean streams() {
        return false;
    }
}
