package dev.noodle.engine.unet;

import ai.djl.ndarray.NDArray;

/**
 * Replaces the key and value inputs of the UNet's attention layers before their {@code to_k}/{@code to_v}
 * projections: how A1111 hypernetworks act (k = to_k(hn_k(c)), v = to_v(hn_v(c))). Implementations must be
 * thread-safe and create their results in the input's manager (the block scope frees them).
 */
@FunctionalInterface
public interface AttentionHook {
    /**
     * The key/value inputs to use.
     *
     * @param kvInput the attention's key/value source: the normalized hidden states [B, N, C] for self-attention
     *     (attn1), the context [B, T, D] for cross-attention (attn2)
     * @param crossAttention whether this is attn2
     * @return the inputs for to_k and to_v, or null to leave both unchanged
     */
    KeyValue apply(NDArray kvInput, boolean crossAttention);

    /** Inputs for to_k and to_v, each shaped like the original input. */
    record KeyValue(NDArray k, NDArray v) {}
}
