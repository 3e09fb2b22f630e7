package dev.noodle.engine.vae;

import ai.djl.ndarray.NDArray;

/**
 * An image autoencoder as VAE Decode/Encode use it: raw (unscaled) latents on one side, images in [0, 1] on the
 * other, whole or in overlapping tiles. Implemented by the full LDM {@link AutoencoderKL} and the tiny distilled
 * {@link TinyAutoencoder} (TAESD), so nodes never ask which one they hold.
 *
 * <p>Implementations are thread-safe (weights are read only); results belong to the input's manager. Closing frees
 * the weights the instance owns.
 */
public interface Vae extends AutoCloseable {
    /** Pixels per latent cell along each side (8 for the SD autoencoders). */
    int downscale();

    /** Latent channels (4 for SD 1.x/2.x and SDXL). */
    int latentChannels();

    /**
     * Decodes raw latents to images.
     *
     * @param latent [B, C, h, w]
     * @return [B, 3, f·h, f·w] in [0, 1]
     */
    NDArray decode(NDArray latent);

    /**
     * Encodes images to raw latents.
     *
     * @param image [B, 3, H, W] in [0, 1], H and W multiples of {@link #downscale()}
     * @return [B, C, H/f, W/f]
     */
    NDArray encode(NDArray image);

    /**
     * {@link #decode} in three overlapping tilings averaged, as ComfyUI's VAEDecodeTiled.
     *
     * @param tileSize tile side in latent cells
     * @param overlap overlap in latent cells, below tileSize / 2
     */
    NDArray decodeTiled(NDArray latent, int tileSize, int overlap);

    /**
     * {@link #encode} in three overlapping tilings averaged, as ComfyUI's VAEEncodeTiled.
     *
     * @param tileSize tile side in pixels, a multiple of 2·f
     * @param overlap overlap in pixels, a multiple of f below tileSize / 2
     */
    NDArray encodeTiled(NDArray image, int tileSize, int overlap);

    @Override
    void close();
}
