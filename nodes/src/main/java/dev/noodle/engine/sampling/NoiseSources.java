package dev.noodle.engine.sampling;

/** Picks the noise a sampler gets, following ComfyUI's choices. Stateless. */
public final class NoiseSources {
    private NoiseSources() {}

    /**
     * ComfyUI on the CPU: per-step noise from a generator seeded with seed + 1; the SDE samplers a
     * Brownian path over [smallest positive σ, largest σ] seeded with seed (see {@link
     * BrownianNoise} for how far it matches torchsde).
     */
    public static NoiseSource comfyCpu(SamplerKind kind, long seed, float[] sigmas) {
        return switch (kind.noiseUse()) {
            case BROWNIAN -> BrownianNoise.forSchedule(new TorchCpuNoise(seed), sigmas);
            case STEP, NONE -> TorchCpuNoise.comfyAncestral(seed);
        };
    }
}
