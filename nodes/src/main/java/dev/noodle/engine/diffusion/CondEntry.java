package dev.noodle.engine.diffusion;

import ai.djl.ndarray.NDArray;
import dev.noodle.engine.unet.UNetPatchSource;
import java.util.List;

/**
 * One conditioning entry as the sampler uses it: a cross-attention context, an optional pooled vector, the UNet's
 * {@code y} vector for models with {@code label_emb}, and where, when and how strongly it applies (ComfyUI's cond
 * dict: {@code cross_attn}, {@code pooled_output}, {@code y}, {@code area}, {@code strength}, {@code mask},
 * {@code timestep_start}, {@code timestep_end}).
 *
 * @param context [1, T, D] text-encoder states
 * @param pooled [1, P] pooled output, or null
 * @param strength weight of this entry where it applies
 * @param area latent-space rectangle it applies to, or null for everywhere
 * @param y [1, adm] class/size vector for models with {@code label_emb} (SDXL: 2816, see {@link AdmConditioning}),
 *     null for the others
 * @param mask [1 or B, h, w] weight per latent cell (already at the latent's size and times the mask strength), or
 *     null; a masked entry's edges are not feathered
 * @param sigmaStart the entry is skipped at steps whose σ is above this (+∞ or 999999999.9 = from the start)
 * @param sigmaEnd the entry is skipped at steps whose σ is below this (0 = to the end)
 * @param patches what this entry adds inside the UNet (ControlNets, T2I adapters, GLIGEN), in order; rows of
 *     entries with different patches never share a UNet call (ComfyUI's {@code can_concat})
 */
public record CondEntry(NDArray context, NDArray pooled, float strength, LatentArea area, NDArray y, NDArray mask,
        float sigmaStart, float sigmaEnd, List<UNetPatchSource> patches) {
    public CondEntry {
        patches = List.copyOf(patches);
    }

    /** An entry without UNet patches. */
    public CondEntry(NDArray context, NDArray pooled, float strength, LatentArea area, NDArray y, NDArray mask,
            float sigmaStart, float sigmaEnd) {
        this(context, pooled, strength, area, y, mask, sigmaStart, sigmaEnd, List.of());
    }

    /** An entry that applies at every step, without a mask. */
    public CondEntry(NDArray context, NDArray pooled, float strength, LatentArea area, NDArray y) {
        this(context, pooled, strength, area, y, null, Float.POSITIVE_INFINITY, 0f);
    }

    /** An entry without a {@code y} vector (models without {@code label_emb}). */
    public CondEntry(NDArray context, NDArray pooled, float strength, LatentArea area) {
        this(context, pooled, strength, area, null);
    }

    /** The same entry restricted to an area with a strength (ConditioningSetArea). */
    public CondEntry withArea(LatentArea newArea, float newStrength) {
        return new CondEntry(context, pooled, newStrength, newArea, y, mask, sigmaStart, sigmaEnd, patches);
    }

    /** The same entry with a {@code y} vector. */
    public CondEntry withY(NDArray newY) {
        return new CondEntry(context, pooled, strength, area, newY, mask, sigmaStart, sigmaEnd, patches);
    }

    /** The same entry weighted per latent cell by {@code latentMask} ([1 or B, h, w]). */
    public CondEntry withMask(NDArray latentMask) {
        return new CondEntry(context, pooled, strength, area, y, latentMask, sigmaStart, sigmaEnd, patches);
    }

    /** The same entry applied only at steps with sigmaEnd ≤ σ ≤ sigmaStart (ComfyUI get_area_and_mult). */
    public CondEntry withSigmaRange(float start, float end) {
        return new CondEntry(context, pooled, strength, area, y, mask, start, end, patches);
    }

    /** The same entry with these UNet patch sources (controls, GLIGEN) instead of its own. */
    public CondEntry withPatches(List<UNetPatchSource> newPatches) {
        return new CondEntry(context, pooled, strength, area, y, mask, sigmaStart, sigmaEnd, newPatches);
    }

    /** Whether the entry applies at a step of noise level σ. */
    public boolean activeAt(float sigma) {
        return !(sigma > sigmaStart) && !(sigma < sigmaEnd);
    }
}
