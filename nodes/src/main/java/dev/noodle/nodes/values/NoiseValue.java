package dev.noodle.nodes.values;

/**
 * The NOISE wire value, as ComfyUI's noise objects: seeded initial noise (RandomNoise) or none (DisableNoise, whose
 * seed is 0 as ComfyUI's Noise_EmptyNoise).
 *
 * @param seed the noise seed (also seeds the sampler's per-step noise)
 * @param enabled false = zero initial noise
 */
public record NoiseValue(long seed, boolean enabled) {
    /** Seeded noise, as ComfyUI's prepare_noise draws it. */
    public static NoiseValue random(long seed) {
        return new NoiseValue(seed, true);
    }

    /** No initial noise. */
    public static NoiseValue disabled() {
        return new NoiseValue(0, false);
    }

    @Override
    public String toString() {
        return enabled ? "NOISE seed " + Long.toUnsignedString(seed) : "NOISE disabled";
    }
}
