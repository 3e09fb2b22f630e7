package dev.noodle.nodes.loaders;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.TensorInfo;
import dev.noodle.engine.io.TensorSource;
import dev.noodle.engine.vae.AutoencoderKL;
import java.util.Set;
import java.util.TreeSet;

/**
 * The VAE weights of a standalone VAE file: the LDM autoencoder keys ({@code encoder.}, {@code decoder.},
 * {@code quant_conv.}, {@code post_quant_conv.}, optionally under {@code first_stage_model.}), leaving out the
 * training leftovers some .ckpt VAEs carry ({@code loss.*}, {@code model_ema.*}). Immutable.
 */
public final class VaeFileKeys implements TensorSource {
    private static final String[] PARTS = {"encoder.", "decoder.", "quant_conv.", "post_quant_conv."};
    private final TensorSource base;
    private final Set<String> keys;

    private VaeFileKeys(TensorSource base, Set<String> keys) {
        this.base = base;
        this.keys = keys;
    }

    /** The autoencoder keys of {@code src}; throws naming the file when it has none. */
    public static TensorSource vaeOnly(TensorSource src) {
        TensorSource view = AutoencoderKL.vaeView(src);
        Set<String> keys = new TreeSet<>();
        for (String k : view.keys()) {
            for (String p : PARTS) {
                if (k.startsWith(p)) {
                    keys.add(k);
                }
            }
        }
        if (keys.stream().noneMatch(k -> k.startsWith("decoder."))) {
            throw new ModelFormatException(src.describe() + " has no VAE decoder weights (decoder.* or"
                    + " first_stage_model.decoder.*); it is not a VAE file. Put VAE files in models/vae.");
        }
        return new VaeFileKeys(view, keys);
    }

    @Override
    public Set<String> keys() {
        return keys;
    }

    @Override
    public TensorInfo info(String key) {
        return base.info(key);
    }

    @Override
    public NDArray load(String key, NDManager manager, DataType compute) {
        return base.load(key, manager, compute);
    }

    @Override
    public float[] loadFloats(String key) {
        return base.loadFloats(key);
    }

    @Override
    public String describe() {
        return base.describe();
    }
}
