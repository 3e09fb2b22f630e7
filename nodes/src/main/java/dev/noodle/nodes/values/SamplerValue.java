package dev.noodle.nodes.values;

import dev.noodle.engine.sampling.SamplerKind;
import java.util.Objects;

/**
 * The SAMPLER wire value, as ComfyUI's sampler object: which sampling algorithm a custom sampler runs.
 *
 * @param kind the sampler, e.g. euler
 */
public record SamplerValue(SamplerKind kind) {
    /** Checks the sampler is present. */
    public SamplerValue {
        Objects.requireNonNull(kind, "kind");
    }

    @Override
    public String toString() {
        return "SAMPLER " + kind.comfyName();
    }
}
