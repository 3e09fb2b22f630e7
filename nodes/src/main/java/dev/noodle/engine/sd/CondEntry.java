package dev.noodle.engine.sd;

import ai.djl.ndarray.NDArray;

/**
 * One conditioning entry as the sampler uses it: a cross-attention context, an optional pooled vector, and
 * where and how strongly it applies (ComfyUI's cond dict: {@code cross_attn}, {@code pooled_output},
 * {@code area}, {@code strength}).
 *
 * @param context [1, T, D] text-encoder states
 * @param pooled [1, P] pooled output (SDXL's y is built from it), or null
 * @param strength weight of this entry where it applies
 * @param area latent-space rectangle it applies to, or null for everywhere
 */
public record CondEntry(NDArray context, NDArray pooled, float strength, LatentArea area) {
    /** The same entry restricted to an area with a strength (ConditioningSetArea). */
    public CondEntry withArea(LatentArea newArea, float newStrength) {
        return new CondEntry(context, pooled, newStrength, newArea);
    }
}
