package dev.noodle.engine.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import java.util.List;

/**
 * Perp-Neg guidance (Armandpour et al. 2023, "Re-imagine the Negative Prompt Algorithm", eq. 7; ComfyUI
 * {@code PerpNegGuider}): with e_pos = pos − empty and e_neg = neg − empty, only the part of e_neg perpendicular to
 * e_pos is subtracted: empty + cfg·(e_pos − negScale·(e_neg − ⟨e_neg, e_pos⟩/|e_pos|²·e_pos)), the inner product and
 * norm taken over the whole batch as ComfyUI does. One batched network call over [pos, neg, empty]; negScale 0 skips
 * the negative pass (and cfg 1 then the empty one). Only the model's post-guidance patches apply, as in ComfyUI.
 * Stateless apart from its final fields.
 *
 * @param <C> conditioning type
 */
public final class PerpNegDenoiser<C> implements Denoiser {
    private final ModelSampling sampling;
    private final ModelFunction<C> model;
    private final C positive;
    private final C negative;
    private final C empty;
    private final float cfg;
    private final float negScale;
    private final List<GuidancePatch> patches;

    /**
     * Creates the guided denoiser.
     *
     * @param positive the conditioning to move towards
     * @param negative the conditioning whose perpendicular part is moved away from
     * @param empty the empty prompt's conditioning, the reference both are measured from
     * @param cfg guidance scale
     * @param negScale weight of the perpendicular negative
     * @param patches the model's guidance patches (only post-guidance ones apply)
     */
    public PerpNegDenoiser(ModelSampling sampling, ModelFunction<C> model, C positive, C negative, C empty, float cfg,
            float negScale, List<GuidancePatch> patches) {
        if (sampling == null || model == null || positive == null || negative == null || empty == null) {
            throw new IllegalArgumentException("sampling, model, positive, negative and empty conditioning are"
                    + " required");
        }
        if (!Float.isFinite(cfg) || !Float.isFinite(negScale)) {
            throw new IllegalArgumentException("cfg and neg_scale must be finite, got " + cfg + " and " + negScale);
        }
        this.sampling = sampling;
        this.model = model;
        this.positive = positive;
        this.negative = negative;
        this.empty = empty;
        this.cfg = cfg;
        this.negScale = negScale;
        this.patches = List.copyOf(patches);
    }

    @Override
    public NDArray denoise(NDArray x, float sigma, NDManager scope) {
        return guide(x, sigma, scope, false).denoised();
    }

    /**
     * The guided estimate with the negative's, what ComfyUI's post-CFG hook hands the CFG++ samplers; no pass is
     * skipped (disable_cfg1_optimization).
     */
    @Override
    public Guided denoiseGuided(NDArray x, float sigma, NDManager scope) {
        return guide(x, sigma, scope, true);
    }

    private Guided guide(NDArray x, float sigma, NDManager scope, boolean allPasses) {
        // x: [B, C, H, W]
        C neg = negative;
        C emp = empty;
        if (!allPasses && negScale == 0f) {
            neg = null;
            if (CondBatch.isClose(cfg, 1.0)) {
                emp = null;
            }
        }
        NDArray[] d = CondBatch.denoised(sampling, model, Arrays.asList(positive, neg, emp), x, sigma, scope);
        NDArray pos = d[0].sub(d[2]);
        NDArray ng = d[1].sub(d[2]);
        NDArray dot = ng.mul(pos).sum(); // scalar over the whole batch
        NDArray norm2 = pos.square().sum();
        NDArray perp = ng.sub(pos.mul(dot.div(norm2)));
        NDArray guided = d[2].add(pos.sub(perp.mul(negScale)).mul(cfg));
        return new Guided(Guidance.post(patches, guided, d[0]), d[1]);
    }
}
