package dev.noodle.engine.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.noodle.engine.io.TensorSource;
import dev.noodle.engine.memory.InferenceMemory;
import dev.noodle.engine.memory.ModelPlacement;
import dev.noodle.engine.memory.WeightStore;
import dev.noodle.engine.runtime.EngineOptions;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The Stable Diffusion VAE (LDM {@code AutoencoderKL}, Rombach et al. 2022): encodes images in [0, 1] to scaled
 * latents and decodes them back, whole or in tiles.
 *
 * <p>Latents on Noodle's wires are scaled (the UNet's space): {@link #decode} divides by the scale factor first and
 * {@link #encode} multiplies the posterior mean (the mode, as ComfyUI) by it. The instance owns its weights; close
 * it to free them. Calls are thread-safe (weights are read only); results belong to the input's manager.
 */
public final class AutoencoderKL implements Vae {
    /** Prefix of the VAE keys inside a full single-file checkpoint. */
    public static final String CHECKPOINT_PREFIX = "first_stage_model.";

    private final VaeConfig config;
    private final float scaleFactor;
    private final WeightStore store;
    private final VaeNetwork network;
    private final boolean owner;

    private AutoencoderKL(VaeConfig config, float scaleFactor, WeightStore store, VaeNetwork network, boolean owner) {
        this.config = config;
        this.scaleFactor = scaleFactor;
        this.store = store;
        this.network = network;
        this.owner = owner;
    }

    /**
     * Binds VAE weights by name, inferring the config from them.
     *
     * @param source a standalone VAE file or a full checkpoint (keys under {@value #CHECKPOINT_PREFIX} are used)
     * @param scaleFactor latent scale, {@link VaeConfig#SD_SCALE} or {@link VaeConfig#SDXL_SCALE}
     * @param parent the weights live in a sub-manager of it
     * @param options the kernels (attention, group norm, convolution layout) the VAE computes with
     * @throws dev.noodle.engine.io.ModelFormatException naming missing/unexpected keys and mismatched shapes
     */
    public static AutoencoderKL load(TensorSource source, float scaleFactor, NDManager parent, EngineOptions options) {
        TensorSource vae = vaeView(source);
        return load(vae, VaeConfig.fromWeights(vae), scaleFactor, parent, options);
    }

    /** Binds VAE weights (no prefix) to an explicit config, computing with the kernels {@code options} choose. */
    public static AutoencoderKL load(TensorSource vae, VaeConfig config, float scaleFactor, NDManager parent,
            EngineOptions options) {
        NDManager m = parent.newSubManager();
        try {
            WeightStore store = new WeightStore("VAE (" + vae.describe() + ")", VaeWeights.bind(vae, config, m), m);
            return new AutoencoderKL(config, scaleFactor, store, new VaeNetwork(config, store.view(), options), true);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /** The VAE keys of {@code source}: its {@value #CHECKPOINT_PREFIX} view when it has such keys, else itself. */
    public static TensorSource vaeView(TensorSource source) {
        boolean checkpoint = source.keys().stream().anyMatch(k -> k.startsWith(CHECKPOINT_PREFIX));
        return checkpoint ? source.withPrefix(CHECKPOINT_PREFIX) : source;
    }

    /** Every parameter name (LDM layout, no prefix) and shape of {@code config}, e.g. to write demo checkpoints. */
    public static Map<String, long[]> parameterShapes(VaeConfig config) {
        return VaeWeights.shapes(config);
    }

    /** A view of this VAE with another latent scale factor, sharing the weights (closing it frees nothing). */
    public AutoencoderKL withScaleFactor(float scale) {
        return new AutoencoderKL(config, scale, store, network, false);
    }

    /** The weights, which move to the GPU before a decode or encode there ({@link ModelPlacement}). */
    public WeightStore store() {
        return store;
    }

    /** Parameter names in the LDM layout without prefix ({@code decoder.conv_in.weight}), in module order. */
    public java.util.Set<String> parameterKeys() {
        return parameterShapes(config).keySet();
    }

    /**
     * The bound float32 array of a parameter (mid-block attention projections as {@code [C, C, 1, 1]}); callers
     * must not modify or close it.
     */
    public NDArray parameter(String key) {
        return network.weight(key);
    }

    public VaeConfig config() {
        return config;
    }

    public float scaleFactor() {
        return scaleFactor;
    }

    @Override
    public int downscale() {
        return config.downscale();
    }

    @Override
    public int latentChannels() {
        return config.embedDim();
    }

    /**
     * Decodes scaled latents to images: clamp((D(latent / scale) + 1) / 2, 0, 1), one sample at a time.
     *
     * @param latent [B, embed, h, w]
     * @return [B, 3, f·h, f·w] in [0, 1]
     */
    @Override
    public NDArray decode(NDArray latent) {
        checkRank(latent, config.embedDim(), "latent");
        Shape s = latent.getShape();
        return onHome("VAE decode of " + s, InferenceMemory.vaeDecode(s.get(2), s.get(3), elementBytes()),
                () -> toUnit(perSample(latent, this::decodeRaw)));
    }

    /**
     * Encodes images to scaled latents: mean of the posterior (ComfyUI's mode) × scale.
     *
     * @param image [B, 3, H, W] in [0, 1], H and W multiples of {@link VaeConfig#downscale()}
     * @return [B, embed, H/f, W/f]
     */
    @Override
    public NDArray encode(NDArray image) {
        checkRank(image, config.inChannels(), "image");
        checkMultiple(image);
        Shape s = image.getShape();
        return onHome("VAE encode of " + s, InferenceMemory.vaeEncode(s.get(2), s.get(3), elementBytes()),
                () -> perSample(image, this::encodeScaled));
    }

    /**
     * Tiled decode as ComfyUI's VAEDecodeTiled: three tilings (tile/2 × 2·tile, 2·tile × tile/2, tile × tile, as
     * height × width) blended with linear feathers and averaged, then clamped to [0, 1].
     *
     * @param latent [B, embed, h, w]
     * @param tileSize tile side in latent cells (ComfyUI's pixel tile_size / 8, default 64)
     * @param overlap overlap in latent cells (ComfyUI's pixel overlap / 8, default 8), below tileSize / 2
     * @return [B, 3, f·h, f·w] in [0, 1]
     */
    @Override
    public NDArray decodeTiled(NDArray latent, int tileSize, int overlap) {
        checkRank(latent, config.embedDim(), "latent");
        int f = config.downscale();
        Shape s = latent.getShape();
        long work = InferenceMemory.vaeDecode(Math.min(s.get(2), tileSize), Math.min(s.get(3), tileSize),
                elementBytes());
        return onHome("tiled VAE decode of " + s, work, () -> toUnit(TiledScale.threeTilings(latent,
                this::decodeRaw, tileSize, overlap, f, config.outChannels(), false)));
    }

    /**
     * Tiled encode as ComfyUI's VAEEncodeTiled: three tilings (tile × tile, tile/2 × 2·tile, 2·tile × tile/2)
     * averaged.
     *
     * @param image [B, 3, H, W] in [0, 1]
     * @param tileSize tile side in pixels (ComfyUI default 512), a multiple of 2·f
     * @param overlap overlap in pixels (default 64), a multiple of f below tileSize / 2
     * @return [B, embed, H/f, W/f] scaled latents
     */
    @Override
    public NDArray encodeTiled(NDArray image, int tileSize, int overlap) {
        checkRank(image, config.inChannels(), "image");
        checkMultiple(image);
        int f = config.downscale();
        if (tileSize % (2 * f) != 0 || overlap % f != 0) {
            throw new IllegalArgumentException("tile size " + tileSize + " must be a multiple of " + 2 * f
                    + " and overlap " + overlap + " a multiple of " + f);
        }
        Shape s = image.getShape();
        long work = InferenceMemory.vaeEncode(Math.min(s.get(2), tileSize), Math.min(s.get(3), tileSize),
                elementBytes());
        return onHome("tiled VAE encode of " + s, work, () -> TiledScale.threeTilings(image, this::encodeScaled,
                tileSize, overlap, 1.0 / f, config.embedDim(), true));
    }

    // on a GPU the weights move in first, with one retry after running out of memory; on the CPU it runs as is
    private NDArray onHome(String step, long work, java.util.function.Supplier<NDArray> body) {
        return ModelPlacement.onHome(step, List.of(store), work, body);
    }

    private int elementBytes() {
        return network.weight("decoder.conv_in.weight").getDataType().getNumOfBytes();
    }

    /** Unscaled decoder output, about [-1, 1]: latent [b, embed, h, w] → [b, 3, f·h, f·w]. */
    private NDArray decodeRaw(NDArray latent) {
        return VaeOps.scoped(() -> network.decode(latent.div(scaleFactor)));
    }

    /** Scaled posterior mean: image [b, 3, H, W] in [0, 1] → [b, embed, H/f, W/f]. */
    private NDArray encodeScaled(NDArray image) {
        return VaeOps.scoped(() -> {
            NDArray moments = network.encodeMoments(image.mul(2f).subi(1f)); // [b, 2·embed, h, w]
            return moments.get(new NDIndex(":, 0:{}", config.embedDim())).mul(scaleFactor);
        });
    }

    private static NDArray toUnit(NDArray raw) {
        NDArray out = raw.add(1f).divi(2f).clip(0f, 1f);
        raw.close();
        return out;
    }

    /** Applies {@code fn} to one sample at a time and concatenates the results (peak memory of one sample). */
    static NDArray perSample(NDArray input, UnaryOperator<NDArray> fn) {
        long b = input.getShape().get(0);
        if (b == 1) {
            return fn.apply(input);
        }
        NDList outs = new NDList();
        try {
            for (long i = 0; i < b; i++) {
                try (NDArray one = input.get(new NDIndex("{}:{}", i, i + 1))) {
                    outs.add(fn.apply(one));
                }
            }
            return NDArrays.concat(outs, 0);
        } finally {
            outs.close();
        }
    }

    /** Throws unless {@code x} is [B ≥ 1, channels, H, W], naming {@code what}. */
    static void checkRank(NDArray x, int channels, String what) {
        long[] s = x.getShape().getShape();
        if (s.length != 4 || s[1] != channels || s[0] == 0) {
            throw new IllegalArgumentException(
                    "VAE " + what + " must have shape [B, " + channels + ", H, W], got " + x.getShape());
        }
    }

    private void checkMultiple(NDArray image) {
        long[] s = image.getShape().getShape();
        int f = config.downscale();
        if (s[2] % f != 0 || s[3] % f != 0) {
            throw new IllegalArgumentException("image size " + s[3] + "x" + s[2] + " must be a multiple of " + f
                    + " to encode; crop or resize it first");
        }
    }

    /** Frees the weights (a no-op on views made by {@link #withScaleFactor}). */
    @Override
    public void close() {
        if (owner) {
            store.close();
        }
    }
}
