package dev.noodle.engine.control;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.noodle.engine.model.ModelFamily;
import dev.noodle.engine.unet.ControlResiduals;
import dev.noodle.engine.unet.UNetWeights;

/**
 * A loaded control model — a ControlNet (Zhang et al. 2023) or a T2I-Adapter (Mou et al. 2023) — as the sampler
 * uses it: given the UNet call's input and a control image, the feature maps to add inside the UNet. Weights are
 * only read, so one model serves every run and thread; closing it frees them.
 */
public interface ControlModel extends AutoCloseable {
    /** The base-model family the control was trained for (a control for another family is refused). */
    ModelFamily family();

    /**
     * Whether the residuals depend only on the control image (T2I adapters: computed once per image and reused at
     * every step), not on the noisy input, timestep or text.
     */
    boolean hintOnly();

    /**
     * The control image as this model takes it for a UNet input of {@code latentH × latentW} cells: resized (and,
     * for single-channel adapters, turned grey) as ComfyUI does; by default resized to 8 pixels per cell with
     * ComfyUI's {@code common_upscale(…, "nearest-exact", "center")}.
     *
     * @param image [B, 3, H, W] in 0..1
     * @return [B, channels, latentH·8, latentW·8] in {@code scope}
     */
    default NDArray hint(NDArray image, long latentH, long latentW, NDManager scope) {
        return ControlHints.resize(image, latentH, latentW, scope);
    }

    /**
     * The residuals for one UNet call.
     *
     * @param x the UNet's input [N, C, H, W] (c_in-scaled latent)
     * @param timesteps UNet timesteps [N]
     * @param context cross-attention context [N, T, D]
     * @param y label_emb vector [N, adm] or null
     * @param hint the prepared control image ({@link #hint}) [N or 1, channels, 8H, 8W]
     * @return residuals at strength 1, in {@code scope}
     */
    ControlResiduals residuals(NDArray x, NDArray timesteps, NDArray context, NDArray y, NDArray hint,
            NDManager scope);

    /**
     * The control model to run with a given model: itself, except for controls built on the model they are applied
     * to (Stability's control-LoRAs, ComfyUI's {@code ControlLora.pre_run}), which return the ControlNet they make
     * from that model's UNet. The result belongs to this control model (closed with it).
     *
     * @param unet the UNet weights of the model being sampled
     * @param modelFamily that model's family, for messages
     */
    default ControlModel forModel(UNetWeights unet, ModelFamily modelFamily) {
        return this;
    }

    /** Native bytes held by the weights. */
    long sizeBytes();

    @Override
    void close();
}
