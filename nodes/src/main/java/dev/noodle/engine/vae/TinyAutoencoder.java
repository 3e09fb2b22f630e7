package dev.noodle.engine.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.TensorSource;
import dev.noodle.engine.io.WeightLayout;
import dev.noodle.engine.runtime.EngineOptions;
import dev.noodle.engine.runtime.Scopes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * TAESD, the Tiny AutoEncoder for Stable Diffusion (madebyollin/taesd): a distilled encoder and decoder of about
 * 1.2 M parameters each that map images to the SD latent space and back, faithful enough for previews and quick
 * drafts at a small fraction of the full VAE's cost.
 *
 * <p>The networks work on the model's scaled latents (the sampler's space): the decoder turns a scaled latent into
 * an image in about [0, 1], the encoder an image in [0, 1] into a scaled latent. As a {@link Vae} on Noodle's wires,
 * which carry raw latents as ComfyUI's do, {@link #decode} multiplies by the family's scale first and
 * {@link #encode} divides by it (ComfyUI's {@code vae_scale}: 0.18215 for {@code taesd}, 0.13025 for
 * {@code taesdxl}). Either half may be absent (previews need only the decoder); using it then is an error that says
 * which file is missing.
 *
 * <p>The instance owns its weights (float32 on the device of the manager it was loaded into); close it to free
 * them. Calls are thread-safe; results belong to the input's manager.
 */
public final class TinyAutoencoder implements Vae {
    /** The TAESD variants for the SD latent families, with their file stems and latent scale. */
    public enum Variant {
        /** SD 1.x / 2.x: {@code taesd_encoder}, {@code taesd_decoder}, scale 0.18215. */
        TAESD("taesd", VaeConfig.SD_SCALE),
        /** SDXL: {@code taesdxl_encoder}, {@code taesdxl_decoder}, scale 0.13025. */
        TAESDXL("taesdxl", VaeConfig.SDXL_SCALE);

        private final String id;
        private final float scale;

        Variant(String id, float scale) {
            this.id = id;
            this.scale = scale;
        }

        /** The name VAELoader lists ({@code taesd}, {@code taesdxl}). */
        public String id() {
            return id;
        }

        /** The family's latent scale factor (raw latent × scale = the model's latent). */
        public float scale() {
            return scale;
        }

        /** The file-name prefix of the encoder, {@code taesd_encoder.} (ComfyUI matches files by it). */
        public String encoderPrefix() {
            return id + "_encoder.";
        }

        /** The file-name prefix of the decoder, {@code taesd_decoder.}. */
        public String decoderPrefix() {
            return id + "_decoder.";
        }
    }

    /** Latent channels of the SD 1.x/2.x and SDXL TAESD files. */
    public static final int LATENT_CHANNELS = 4;

    private static final int DOWNSCALE = 8;

    private final NDManager manager;
    private final TaesdNetwork encoder;
    private final TaesdNetwork decoder;
    private final float scale;
    private final String name;
    private final long bytes;

    private TinyAutoencoder(NDManager manager, TaesdNetwork encoder, TaesdNetwork decoder, float scale, String name,
            long bytes) {
        this.manager = manager;
        this.encoder = encoder;
        this.decoder = decoder;
        this.scale = scale;
        this.name = name;
        this.bytes = bytes;
    }

    /** The decoder's parameters by state-dict name ({@code 1.weight}, {@code 3.conv.0.weight}, …), in order. */
    public static Map<String, long[]> decoderShapes() {
        return TaesdNetwork.shapes(TaesdNetwork.decoderLayers(LATENT_CHANNELS));
    }

    /** The encoder's parameters by state-dict name ({@code 0.weight}, {@code 1.conv.0.weight}, …), in order. */
    public static Map<String, long[]> encoderShapes() {
        return TaesdNetwork.shapes(TaesdNetwork.encoderLayers(LATENT_CHANNELS));
    }

    /**
     * Binds the encoder and decoder files strictly by name and loads them as float32.
     *
     * @param encoder the {@code *_encoder} file, or null for a decoder-only instance (previews)
     * @param decoder the {@code *_decoder} file, or null for an encoder-only instance
     * @param scale the family's latent scale ({@link Variant#scale()}), used by {@link #decode}/{@link #encode}
     * @param name what the instance is called in messages ({@code taesd})
     * @param parent the weights live in a sub-manager of it (and on its device)
     * @param options the convolution layout to compute with
     * @throws ModelFormatException naming the file and listing every missing, unexpected or mis-shaped key
     */
    public static TinyAutoencoder load(TensorSource encoder, TensorSource decoder, float scale, String name,
            NDManager parent, EngineOptions options) {
        return bindAll(encoder, decoder, scale, name, parent.newSubManager(), options);
    }

    /**
     * As {@link #load(TensorSource, TensorSource, float, String, NDManager, EngineOptions)}, in a manager of its own
     * on {@code device} that {@link #close()} frees.
     */
    public static TinyAutoencoder load(TensorSource encoder, TensorSource decoder, float scale, String name,
            ai.djl.Device device, EngineOptions options) {
        return bindAll(encoder, decoder, scale, name, NDManager.newBaseManager(device), options);
    }

    private static TinyAutoencoder bindAll(TensorSource encoder, TensorSource decoder, float scale, String name,
            NDManager m, EngineOptions options) {
        if (encoder == null && decoder == null) {
            m.close();
            throw new IllegalArgumentException("TAESD needs an encoder or a decoder file");
        }
        try {
            List<NDArray> all = new ArrayList<>();
            TaesdNetwork enc = encoder == null ? null
                    : bind(encoder, TaesdNetwork.encoderLayers(LATENT_CHANNELS), "encoder", m, options, all);
            TaesdNetwork dec = decoder == null ? null
                    : bind(decoder, TaesdNetwork.decoderLayers(LATENT_CHANNELS), "decoder", m, options, all);
            return new TinyAutoencoder(m, enc, dec, scale, name, Scopes.nativeBytes(all));
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    private static TaesdNetwork bind(TensorSource src, List<TaesdNetwork.Layer> layers, String part, NDManager m,
            EngineOptions options, List<NDArray> all) {
        Map<String, long[]> shapes = TaesdNetwork.shapes(layers);
        String other = part.equals("decoder") ? "encoder" : "decoder";
        String hint = looksLike(src, part.equals("decoder") ? encoderShapes() : decoderShapes())
                ? " This looks like a TAESD " + other + " file: put the " + part + " (taesd_" + part + ".pth or"
                        + " taesdxl_" + part + ".pth) here."
                : "";
        WeightLayout.of("TAESD " + part, shapes)
                .withAdvice("Use the " + part + " files of madebyollin/taesd (taesd_" + part + ".pth or .safetensors"
                        + " for SD 1.x/2.x, taesdxl_" + part + " for SDXL) in models/vae_approx." + hint)
                .check(src);
        Map<String, NDArray> w = new HashMap<>();
        for (String k : shapes.keySet()) {
            NDArray a = src.load(k, m, DataType.FLOAT32);
            w.put(k, a);
            all.add(a);
        }
        return new TaesdNetwork(layers, w, options.convLayout());
    }

    private static boolean looksLike(TensorSource src, Map<String, long[]> other) {
        return src.keys().equals(other.keySet());
    }

    /** What this instance is called ({@code taesd}, {@code taesdxl}). */
    public String name() {
        return name;
    }

    /** The latent scale {@link #decode} and {@link #encode} apply. */
    public float scale() {
        return scale;
    }

    /** Whether the decoder is loaded. */
    public boolean hasDecoder() {
        return decoder != null;
    }

    /** Whether the encoder is loaded. */
    public boolean hasEncoder() {
        return encoder != null;
    }

    /** Native bytes of the weights. */
    public long sizeBytes() {
        return bytes;
    }

    @Override
    public int downscale() {
        return DOWNSCALE;
    }

    @Override
    public int latentChannels() {
        return LATENT_CHANNELS;
    }

    /**
     * Decodes latents in the model's (scaled) space, as the sampler's denoised estimate: the decoder's output
     * clamped to [0, 1] (ComfyUI's TAESD previewer).
     *
     * @param scaled [B, 4, h, w]
     * @return [B, 3, 8h, 8w] in [0, 1]
     */
    public NDArray decodeScaled(NDArray scaled) {
        AutoencoderKL.checkRank(scaled, LATENT_CHANNELS, "latent");
        TaesdNetwork d = decoder();
        return AutoencoderKL.perSample(scaled, x -> VaeOps.scoped(() -> d.forward(x).clip(0f, 1f)));
    }

    /** Raw latents → images: clamp(decoder(latent · scale), 0, 1), as ComfyUI's TAESD VAE. */
    @Override
    public NDArray decode(NDArray latent) {
        AutoencoderKL.checkRank(latent, LATENT_CHANNELS, "latent");
        TaesdNetwork d = decoder();
        return AutoencoderKL.perSample(latent, x -> VaeOps.scoped(() -> d.forward(x.mul(scale)).clip(0f, 1f)));
    }

    /** Images in [0, 1] → raw latents: encoder(image) / scale. */
    @Override
    public NDArray encode(NDArray image) {
        checkImage(image);
        TaesdNetwork e = encoder();
        return AutoencoderKL.perSample(image, x -> VaeOps.scoped(() -> e.forward(x).divi(scale)));
    }

    @Override
    public NDArray decodeTiled(NDArray latent, int tileSize, int overlap) {
        AutoencoderKL.checkRank(latent, LATENT_CHANNELS, "latent");
        TaesdNetwork d = decoder();
        NDArray sum = TiledScale.threeTilings(latent, x -> VaeOps.scoped(() -> d.forward(x.mul(scale))), tileSize,
                overlap, DOWNSCALE, 3, false);
        NDArray out = sum.clip(0f, 1f);
        sum.close();
        return out;
    }

    @Override
    public NDArray encodeTiled(NDArray image, int tileSize, int overlap) {
        checkImage(image);
        if (tileSize % (2 * DOWNSCALE) != 0 || overlap % DOWNSCALE != 0) {
            throw new IllegalArgumentException("tile size " + tileSize + " must be a multiple of " + 2 * DOWNSCALE
                    + " and overlap " + overlap + " a multiple of " + DOWNSCALE);
        }
        TaesdNetwork e = encoder();
        return TiledScale.threeTilings(image, x -> VaeOps.scoped(() -> e.forward(x).divi(scale)), tileSize, overlap,
                1.0 / DOWNSCALE, LATENT_CHANNELS, true);
    }

    private void checkImage(NDArray image) {
        AutoencoderKL.checkRank(image, 3, "image");
        long[] s = image.getShape().getShape();
        if (s[2] % DOWNSCALE != 0 || s[3] % DOWNSCALE != 0) {
            throw new IllegalArgumentException("image size " + s[3] + "x" + s[2] + " must be a multiple of "
                    + DOWNSCALE + " to encode; crop or resize it first");
        }
    }

    private TaesdNetwork decoder() {
        if (decoder == null) {
            throw new IllegalStateException(name + " was loaded without its decoder (" + name
                    + "_decoder.pth in models/vae_approx); it cannot decode");
        }
        return decoder;
    }

    private TaesdNetwork encoder() {
        if (encoder == null) {
            throw new IllegalStateException(name + " was loaded without its encoder (" + name
                    + "_encoder.pth in models/vae_approx); it cannot encode");
        }
        return encoder;
    }

    /** Frees the weights. */
    @Override
    public void close() {
        manager.close();
    }

    @Override
    public String toString() {
        return "TAESD " + name + (encoder == null ? " (decoder only)" : decoder == null ? " (encoder only)" : "");
    }
}
