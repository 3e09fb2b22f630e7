package dev.noodle.engine.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.noodle.engine.runtime.Scopes;

/**
 * Sinusoidal timestep embedding as LDM's {@code timestep_embedding} (Vaswani et al. 2017, §3.5; cos first, then
 * sin, i.e. flip_sin_to_cos): for j &lt; dim/2, f_j = exp(−ln(10000)·j/(dim/2)), emb = [cos(t·f) ‖ sin(t·f)], padded
 * with one zero column when dim is odd. Stateless and thread-safe.
 */
public final class TimestepEmbedding {
    /** LDM's max_period. */
    public static final double MAX_PERIOD = 10000;

    private TimestepEmbedding() {}

    /**
     * Embeds (possibly fractional) timesteps.
     *
     * @param timesteps [B] any numeric type
     * @return [B, dim] float32, owned by the timesteps' manager
     */
    public static NDArray sinusoidal(NDArray timesteps, int dim) {
        NDManager m = timesteps.getManager();
        int half = dim / 2;
        long b = timesteps.getShape().get(0);
        return Scopes.scoped(() -> {
            // float32 arithmetic in the same order as torch: exp(-ln(P) * arange(half) / half)
            NDArray freqs = m.arange(0, half, 1, DataType.FLOAT32).toDevice(timesteps.getDevice(), false)
                    .mul((float) -Math.log(MAX_PERIOD)).div(half).exp(); // [half]
            NDArray args = timesteps.toType(DataType.FLOAT32, false).reshape(b, 1).mul(freqs.reshape(1, half));
            NDArray emb = args.cos().concat(args.sin(), 1); // [B, 2·half]
            if (dim % 2 == 1) {
                emb = emb.concat(m.zeros(new Shape(b, 1), DataType.FLOAT32, timesteps.getDevice()), 1);
            }
            return emb;
        });
    }
}
