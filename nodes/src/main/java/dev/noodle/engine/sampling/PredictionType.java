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
    V_PREDICTION
}
