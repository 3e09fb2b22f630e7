package dev.noodle.engine.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import java.util.List;

/**
 * Classifier-free guidance around a {@link ModelFunction}: one batched network call for the negative
 * and positive conditioning, then denoised = uncond + cfg·(cond − uncond) (Ho &amp; Salimans 2022).
 *
 * <p>As ComfyUI {@code sampling_function}: the network gets c_in·x and the nearest training
 * timestep, each half's output becomes a denoised latent through the prediction type, and guidance
 * mixes the denoised latents; the batch order is [uncond, cond] as ComfyUI builds it; cfg == 1
 * (isclose) skips the negative pass. Stateless apart from its final fields; thread-safe if the model
 * function is.
 *
 * @param <C> conditioning type
 */
public final class CfgDenoiser<C> implements Denoiser {
    private final ModelSampling sampling;
    private final ModelFunction<C> model;
    private final C positive;
    private final C negative;
    private final float cfg;
    private final List<GuidancePatch> patches;

    /**
     * Creates the guided denoiser.
     *
     * @param sampling schedule and prediction type
     * @param model the network
     * @param positive conditioning to move towards
     * @param negative conditioning to move away from (may be null only when cfg == 1)
     * @param cfg guidance scale (1 = no guidance)
     */
    public CfgDenoiser(
            ModelSampling sampling, ModelFunction<C> model, C positive, C negative, float cfg) {
        this(sampling, model, positive, negative, cfg, List.of());
    }

    /**
     * Creates the guided denoiser with the model's guidance patches, which {@link Guidance#cfg} applies to the mix
     * (also at cfg 1, against a zero unconditional estimate, as ComfyUI).
     */
    public CfgDenoiser(ModelSampling sampling, ModelFunction<C> model, C positive, C negative, float cfg,
            List<GuidancePatch> patches) {
        if (sampling == null || model == null || positive == null) {
            throw new IllegalArgumentException("sampling, model and positive conditioning are required");
        }
        if (!Float.isFinite(cfg)) {
            throw new IllegalArgumentException("cfg must be finite, got " + cfg);
        }
        if (negative == null && !isOne(cfg)) {
            throw new IllegalArgumentException(
                    "cfg " + cfg + " needs negative conditioning; pass one or set cfg to 1");
        }
        this.sampling = sampling;
        this.model = model;
        this.positive = positive;
        this.negative = negative;
        this.cfg = cfg;
        this.patches = List.copyOf(patches);
    }

    private static boolean isOne(float cfg) {
        return Math.abs(cfg - 1.0) <= 1e-9 * Math.max(1.0, Math.abs(cfg));
    }

    @Override
    public NDArray denoise(NDArray x, float sigma, NDManager scope) {
        // x: [B, C, H, W]
        long b = x.getShape().get(0);
        float t = sampling.timestep(sigma);
        NDArray xIn = sampling.calculateInput(x, sigma); // [B, C, H, W]
        if (isOne(cfg)) {
            float[] ts = new float[(int) b];
            Arrays.fill(ts, t);
            NDArray out = model.predict(xIn, sigma, ts, List.of(positive), scope);
            checkShape(out, x, 1);
            NDArray cond = sampling.calculateDenoised(sigma, out, x);
            return patches.isEmpty() ? cond : Guidance.cfg(patches, cond, null, cfg, x, sigma);
        }
        NDArray batch = xIn.concat(xIn, 0); // [2B, C, H, W]
        float[] ts = new float[(int) (2 * b)];
        Arrays.fill(ts, t);
        NDArray out = model.predict(batch, sigma, ts, List.of(negative, positive), scope);
        checkShape(out, x, 2);
        NDList halves = out.split(2, 0);
        NDArray uncond = sampling.calculateDenoised(sigma, halves.get(0), x); // [B, C, H, W]
        NDArray cond = sampling.calculateDenoised(sigma, halves.get(1), x);
        return Guidance.cfg(patches, cond, uncond, cfg, x, sigma);
    }

    /**
     * The guided and the unconditional estimate, as ComfyUI's CFG++ samplers read them through a
     * post-CFG hook with {@code disable_cfg1_optimization}: the negative pass runs whenever negative
     * conditioning was given, cfg 1 included (the guided estimate is then uncond + 1·(cond − uncond)).
     * Without negative conditioning the unconditional estimate is zero, as ComfyUI's
     * {@code calc_cond_batch} leaves it when there is no negative to run.
     */
    @Override
    public Guided denoiseGuided(NDArray x, float sigma, NDManager scope) {
        if (negative == null) {
            NDArray cond = denoise(x, sigma, scope);
            return new Guided(cond, cond.zerosLike());
        }
        // x: [B, C, H, W]; batch [uncond, cond] as in denoise
        long b = x.getShape().get(0);
        NDArray xIn = sampling.calculateInput(x, sigma);
        float[] ts = new float[(int) (2 * b)];
        Arrays.fill(ts, sampling.timestep(sigma));
        NDArray out = model.predict(xIn.concat(xIn, 0), sigma, ts, List.of(negative, positive), scope);
        checkShape(out, x, 2);
        NDList halves = out.split(2, 0);
        NDArray uncond = sampling.calculateDenoised(sigma, halves.get(0), x); // [B, C, H, W]
        NDArray cond = sampling.calculateDenoised(sigma, halves.get(1), x);
        return new Guided(Guidance.cfg(patches, cond, uncond, cfg, x, sigma), uncond);
    }

    private static void checkShape(NDArray out, NDArray x, int chunks) {
        long[] want = x.getShape().getShape().clone();
        want[0] *= chunks;
        if (!Arrays.equals(want, out.getShape().getShape())) {
            throw new IllegalStateException(
                    "model output shape "
                            + out.getShape()
                            + " does not match its input "
                            + Arrays.toString(want)
                            + "; the model function must return one prediction per input row");
        }
    }
}
