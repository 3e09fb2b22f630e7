package dev.noodle.nodes.values;

/**
 * The LATENT wire value, as ComfyUI's {@code {"samples", "noise_mask", "batch_index"}}: raw (unscaled) latents.
 *
 * @param samples [B, 4, H/8, W/8]
 * @param noiseMask [B or 1, 1, h, w] in [0, 1] where 1 = regenerate, or null
 * @param batchIndex noise row of each sample, or null for 0..B-1
 */
public record LatentValue(HeapTensor samples, HeapTensor noiseMask, int[] batchIndex) {
    /** A latent with no mask and the default batch index. */
    public static LatentValue of(HeapTensor samples) {
        return new LatentValue(samples, null, null);
    }

    /** Batch size. */
    public int batch() {
        return (int) samples.dim(0);
    }

    @Override
    public String toString() {
        return "LATENT " + samples + (noiseMask == null ? "" : " with noise mask");
    }
}
