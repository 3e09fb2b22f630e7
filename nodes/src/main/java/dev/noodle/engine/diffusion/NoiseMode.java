package dev.noodle.engine.diffusion;

/**
 * Whose seed convention the sampler's noise follows: ComfyUI's or AUTOMATIC1111's (see {@link InitialNoise}).
 * Spelled in workflow JSON as the {@code noise_mode} option of KSampler ({@code comfy}, {@code a1111}).
 */
public enum NoiseMode {
    /** ComfyUI: CPU {@code torch.randn} after {@code manual_seed(seed)}, step noise from seed + 1 (the default). */
    COMFY("comfy"),
    /** AUTOMATIC1111's default "GPU" seeds: one Philox stream, x = latent + noise·σ₀. */
    A1111("a1111");

    private final String jsonName;

    NoiseMode(String jsonName) {
        this.jsonName = jsonName;
    }

    /** The name in workflow JSON and on the command line. */
    public String jsonName() {
        return jsonName;
    }
}
