package dev.noodle.engine.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Makes the {@link UNetPatches} of one UNet call from what the call sees: a ControlNet runs its own network on the
 * same noisy input, an IP-Adapter projects its image tokens, GLIGEN its boxes. Sources travel on conditioning
 * entries (controls, GLIGEN) or on the model (IP-Adapter). Implementations must be thread-safe and create their
 * results in {@code scope}.
 */
@FunctionalInterface
public interface UNetPatchSource {
    /**
     * The patches for one call.
     *
     * @param call the call's inputs
     * @param scope manager for the results (closed after the call)
     * @return the patches, or {@link UNetPatches#NONE} (e.g. outside the source's step range)
     */
    UNetPatches prepare(Call call, NDManager scope);

    /**
     * One UNet call as a patch source sees it.
     *
     * @param x the UNet's input [N, C, H, W] (c_in-scaled latent, extra channels appended)
     * @param timesteps the UNet timestep of each row, length N
     * @param sigma the noise level of the step, or NaN when unknown
     * @param context cross-attention context [N, T, D]
     * @param y the {@code label_emb} vector [N, adm], or null
     * @param chunkOfRow for each row, the index of the conditioning it belongs to in the sampler's list (ComfyUI's
     *     {@code cond_or_uncond}: 0 = positive, 1 = negative for CFG)
     */
    record Call(NDArray x, float[] timesteps, float sigma, NDArray context, NDArray y, int[] chunkOfRow) {}
}
