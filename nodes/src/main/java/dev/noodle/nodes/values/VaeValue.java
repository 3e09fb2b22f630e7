package dev.noodle.nodes.values;

import dev.noodle.engine.vae.AutoencoderKL;
import dev.noodle.engine.vae.Vae;
import dev.noodle.graph.node.ReleasableValue;

/**
 * The VAE wire value: an autoencoder (raw-latent convention; the full LDM VAE or TAESD) and where it came from.
 * Immutable.
 */
public record VaeValue(ModelValue.Hold hold, Vae vae, String source) implements ReleasableValue {
    /**
     * The full LDM autoencoder, for nodes that need its weights (saving, merging).
     *
     * @param node the node asking, for the message
     * @throws IllegalArgumentException when this VAE is another kind (TAESD has no full VAE weights)
     */
    public AutoencoderKL autoencoderKL(String node) {
        if (vae instanceof AutoencoderKL kl) {
            return kl;
        }
        throw new IllegalArgumentException(node + ": the VAE '" + source + "' is " + vae + ", the tiny preview"
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
