package dev.noodle.nodes.values;

import dev.noodle.engine.sampling.SamplerKind;
import dev.noodle.engine.sampling.SamplerOptions;
import java.util.Objects;

/**
 * The SAMPLER wire value, as ComfyUI's sampler object: which sampling algorithm a custom sampler runs, and with which
 * settings when a {@code Sampler*} option node made it.
 *
 * @param kind the sampler, e.g. euler
 * @param options its settings (η, s_noise, …), or null for the sampler's ComfyUI defaults on the model it runs on
 *     (KSamplerSelect)
 */
public record SamplerValue(SamplerKind kind, SamplerOptions options) {
    /** Checks the sampler is present. */
    public SamplerValue {
        Objects.requireNonNull(kind, "kind");
    }

    /** A sampler picked by name, with its defaults. */
    public SamplerValue(SamplerKind kind) {
        this(kind, null);
    }

    /** The name ComfyUI gives this sampler, e.g. "dpmpp_2m_sde_gpu". */
    public String comfyName() {
        return kind.comfyName();
    }

    @Override
    public String toString() {
        return "SAMPLER " + comfyName();
    }
}
