package dev.noodle.nodes.values;

import dev.noodle.engine.vae.AutoencoderKL;
import dev.noodle.engine.vae.Vae;
import dev.noodle.graph.node.ReleasableValue;

/**
 * The VAE wire value: an autoencoder (raw-latent convention; the full LDM VAE or TAESD) and where it came from.
 * A checkpoint's VAE may be lazy ({@code lazyVae}, {@code vae} null): read from its file on first use. Immutable.
 */
public record VaeValue(ModelValue.Hold hold, Vae vae, String source, LazyPart<AutoencoderKL> lazyVae)
        implements ReleasableValue {
    /** An autoencoder in memory. */
    public VaeValue(ModelValue.Hold hold, Vae vae, String source) {
        this(hold, vae, source, null);
    }

    /** The autoencoder; a lazy one is made on the first call. */
    @Override
    public Vae vae() {
        return vae != null || lazyVae == null ? vae : lazyVae.get();
    }

    /**
     * The full LDM autoencoder, for nodes that need its weights (saving, merging).
     *
     * @param node the node asking, for the message
     * @throws IllegalArgumentException when this VAE is another kind (TAESD has no full VAE weights)
     */
    public AutoencoderKL autoencoderKL(String node) {
        Vae v = vae();
        if (v instanceof AutoencoderKL kl) {
            return kl;
        }
        throw new IllegalArgumentException(node + ": the VAE '" + source + "' is " + v + ", the tiny preview"
                + " autoencoder, which has no full VAE weights to use here. Connect a checkpoint's VAE or load a"
                + " file from models/vae.");
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
