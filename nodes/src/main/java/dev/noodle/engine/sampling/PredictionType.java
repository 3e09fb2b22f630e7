package dev.noodle.engine.sampling;

/**
 * What the diffusion network predicts, which fixes how its output becomes a denoised latent.
 *
 * <p>Mirrors ComfyUI {@code comfy/model_sampling.py} ({@code EPS}, {@code V_PREDICTION}) with
 * σ_data = 1.
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
    X0
}
