package dev.noodle.engine.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;

/**
 * The raw diffusion network (e.g. the UNet) as the sampler sees it: scaled input and timesteps in,
 * prediction (ε or v) out.
 *
 * @param <C> the conditioning type (cross-attention context, pooled vector, …), supplied by the
 *     integrator
 */
@FunctionalInterface
public interface ModelFunction<C> {
    /**
     * Runs the network on a batch made of {@code chunks.size()} chunks of equal size B.
     *
     * @param xIn c_in-scaled latent [chunks·B, C, H, W]; rows [k·B, (k+1)·B) use {@code chunks.get(k)}
     * @param timesteps one UNet timestep per row (length chunks·B)
     * @param chunks conditioning per chunk, in batch order
     * @param scope manager for temporaries and the result
     * @return network output [chunks·B, C, H, W] (ε or v), owned by {@code scope}
     */
    NDArray predict(NDArray xIn, float[] timesteps, List<C> chunks, NDManager scope);

    /**
     * Runs the network at noise level {@code sigma}, for conditioning that applies only over part of the schedule
     * (ComfyUI's timestep ranges); the default ignores σ.
     *
     * @param sigma the noise level of the latent xIn was scaled from
     * @see #predict(NDArray, float[], List, NDManager)
     */
    default NDArray predict(NDArray xIn, float sigma, float[] timesteps, List<C> chunks, NDManager scope) {
        return predict(xIn, timesteps, chunks, scope);
    }
}
