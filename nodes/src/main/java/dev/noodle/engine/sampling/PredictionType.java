package dev.noodle.engine.sampling;

/**
 * What the diffusion network predicts, which fixes how its output becomes a denoised latent.
 *
 * <p>Mirrors ComfyUI {@code comfy/model_sampling.py} ({@code EPS}, {@code V_PREDICTION}, {@code EDM}, {@code X0},
 * {@code IMG_TO_IMG}, {@code COSMOS_RFLOW}); the formulas below are for σ_data = 1, {@link ModelSampling} applies
 * the schedule's own σ_data (Karras et al. 2022, Table 1).
 */
public enum PredictionType {
    /** The network predicts the added noise ε: denoised = x − σ·ε (c_skip = 1, c_out = −σ). */
    EPS,
    /**
     * The network predicts v: denoised = x/(σ²+1) − v·σ/sqrt(σ²+1) (c_skip = 1/(σ²+1), c_out =
     * −σ/sqrt(σ²+1)); SD 2.x 768-px models.
     */
    V_PREDICTION,
    /**
     * Latent consistency models (LCM and LCM-LoRA): the ε-prediction's x0 blended with the input by the
     * consistency boundary condition, σ_data = 0.5 and the timestep scaled by 10 (Luo et al. 2023):
     * c_skip = σ_d²/((10t)² + σ_d²), c_out = 10t/sqrt((10t)² + σ_d²), denoised = c_out·(x − σ·ε) + c_skip·x.
     */
    LCM,
    /** The network predicts the clean latent itself: denoised = out. */
    X0,
    /** Like {@link #X0}, but the network sees the noisy latent unscaled (c_in = 1): image-to-image models. */
    IMG_TO_IMG,
    /**
     * EDM's F-prediction (Karras et al. 2022, Table 1, "EDM" column): denoised = x·σ_d²/(σ²+σ_d²) +
     * out·σ·σ_d/sqrt(σ²+σ_d²), the v rule with the output's sign flipped; EDM models use σ_d = 0.5.
     */
    EDM,
    /**
     * Cosmos rectified flow on σ: with s = σ/(σ+1) the network sees x·(1−s) and denoised = x·(1−s) − out·s; its
     * starting latent is noise·σ + latent. Only with the Cosmos continuous schedule.
     */
    COSMOS_RFLOW
}
