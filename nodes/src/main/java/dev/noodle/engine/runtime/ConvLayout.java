package dev.noodle.engine.runtime;

/**
 * The memory order convolution operands are given in; the values are the same in both.
 *
 * <p>Immutable and thread-safe.
 */
public enum ConvLayout {
    /** Channels-last (NHWC) memory order, which oneDNN convolutions on the CPU run fastest on; the default. */
    CHANNELS_LAST,
    /** The plain NCHW order (the benchmarks' baseline). */
    NCHW
}
