package dev.noodle.nodes.values;

import dev.noodle.engine.vae.AutoencoderKL;
import dev.noodle.graph.node.ReleasableValue;

/** The VAE wire value: an autoencoder (raw-latent convention) and where it came from. Immutable. */
public record VaeValue(ModelValue.Hold hold, AutoencoderKL vae, String source, LazyPart<AutoencoderKL> lazyVae)
        implements ReleasableValue {
    /** An autoencoder in memory. */
    public VaeValue(ModelValue.Hold hold, AutoencoderKL vae, String source) {
        this(hold, vae, source, null);
    }

    /** The autoencoder; a lazy one ({@code lazyVae}, {@code vae} null) is made on the first call. */
    @Override
    public AutoencoderKL vae() {
        return vae != null || lazyVae == null ? vae : lazyVae.get();
    }

    @Override
    public long sizeBytes() {
        return 0; // counted with the checkpoint (or the VAE file's hold)
    }

    @Override
    public void release() {
        hold.release();
    }

    @Override
    public String toString() {
        return "VAE: " + source;
    }
}
