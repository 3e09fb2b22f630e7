package dev.noodle.engine.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import java.util.List;

/**
 * Guidance by two conditionings and a negative (ComfyUI {@code DualCFGGuider}), from one batched network call over
 * [negative, cond2, cond1]. Regular style: CFG from the negative to cond2 at {@code cfgCond2Negative} (with the
 * model's guidance patches), plus {@code cfgConds}·(cond1 − cond2). Nested style: cond2 + cfgConds·(cond1 − cond2)
 * (with the patches) is the text estimate, then negative + cfgCond2Negative·(text − negative). In the regular style
 * a scale of exactly 1 skips the pass it makes unnecessary, as ComfyUI does. Stateless apart from its final fields.
 *
 * @param <C> conditioning type
 */
public final class DualCfgDenoiser<C> implements Denoiser {
    private final ModelSampling sampling;
    private final ModelFunction<C> model;
    private final C cond1;
    private final C cond2;
    private final C negative;
    private final float cfgConds;
    private final float cfgCond2Negative;
    private final boolean nested;
    private final List<GuidancePatch> patches;

    /**
     * Creates the guided denoiser.
     *
     * @param cond1 the conditioning to move towards
     * @param cond2 the middle conditioning
     * @param negative the conditioning to move away from
     * @param cfgConds scale from cond2 towards cond1
     * @param cfgCond2Negative scale from the negative towards cond2 (regular) or the text estimate (nested)
     * @param nested ComfyUI's "nested" style instead of "regular"
     * @param patches the model's guidance patches
     */
    public DualCfgDenoiser(ModelSampling sampling, ModelFunction<C> model, C cond1, C cond2, C negative,
            float cfgConds, float cfgCond2Negative, boolean nested, List<GuidancePatch> patches) {
        if (sampling == null || model == null || cond1 == null || cond2 == null || negative == null) {
            throw new IllegalArgumentException("sampling, model, cond1, cond2 and negative are required");
        }
        if (!Float.isFinite(cfgConds) || !Float.isFinite(cfgCond2Negative)) {
            throw new IllegalArgumentException("cfg_conds and cfg_cond2_negative must be finite, got " + cfgConds
                    + " and " + cfgCond2Negative);
        }
        this.sampling = sampling;
        this.model = model;
        this.cond1 = cond1;
        this.cond2 = cond2;
        this.negative = negative;
        this.cfgConds = cfgConds;
        this.cfgCond2Negative = cfgCond2Negative;
        this.nested = nested;
        this.patches = List.copyOf(patches);
    }

    @Override
    public NDArray denoise(NDArray x, float sigma, NDManager scope) {
        return guide(x, sigma, scope, false).denoised();
    }

    /**
     * The guided estimate with the unconditional one of the inner CFG step (regular: the negative; nested: cond2),
     * what ComfyUI's post-CFG hook hands the CFG++ samplers; no pass is skipped (disable_cfg1_optimization).
     */
    @Override
    public Guided denoiseGuided(NDArray x, float sigma, NDManager scope) {
        return guide(x, sigma, scope, true);
    }

    private Guided guide(NDArray x, float sigma, NDManager scope, boolean allPasses) {
        // x: [B, C, H, W]
        C neg = negative;
        C middle = cond2;
        if (!allPasses && !nested && CondBatch.isClose(cfgCond2Negative, 1.0)) {
            neg = null;
            if (CondBatch.isClose(cfgConds, 1.0)) {
                middle = null;
            }
        }
        NDArray[] d = CondBatch.denoised(sampling, model, Arrays.asList(neg, middle, cond1), x, sigma, scope);
        if (nested) {
            NDArray text = Guidance.cfg(patches, d[2], d[1], cfgConds, x, sigma);
            return new Guided(d[0].add(text.sub(d[0]).mul(cfgCond2Negative)), d[1]);
        }
        NDArray guided = Guidance.cfg(patches, d[1], neg == null ? null : d[0], cfgCond2Negative, x, sigma);
        return new Guided(guided.add(d[2].sub(d[1]).mul(cfgConds)), d[0]);
    }
}
