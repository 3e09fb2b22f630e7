package dev.noodle.engine.diffusion;

import ai.djl.ndarray.NDArray;

/**
 * One conditioning entry as the sampler uses it: a cross-attention context, an optional pooled vector, the UNet's
 * {@code y} vector for models with {@code label_emb}, and where and how strongly it applies (ComfyUI's cond dict:
 * {@code cross_attn}, {@code pooled_output}, {@code y}, {@code area}, {@code strength}).
 *
 * @param context [1, T, D] text-encoder states
 * @param pooled [1, P] pooled output, or null
 * @param strength weight of this entry where it applies
 * @param area latent-space rectangle it applies to, or null for everywhere
 * @param y [1, adm] class/size vector for models with {@code label_emb} (SDXL: 2816, see {@link AdmConditioning}),
 *     null for the others
 */
public record CondEntry(NDArray context, NDArray pooled, float strength, LatentArea area, NDArray y) {
    /** An entry without a {@code y} vector (models without {@code label_emb}). */
    public CondEntry(NDArray context, NDArray pooled, float strength, LatentArea area) {
        this(context, pooled, strength, area, null);
    }

    /** The same entry restricted to an area with a strength (ConditioningSetArea). */
    public CondEntry withArea(LatentArea newArea, float newStrength) {
        return new CondEntry(context, pooled, newStrength, newArea, y);
    }

    /** The same entry with a {@code y} vector. */
    public CondEntry withY(NDArray newY) {
        return new CondEntry(context, pooled, strength, area, newY);
    }
}
