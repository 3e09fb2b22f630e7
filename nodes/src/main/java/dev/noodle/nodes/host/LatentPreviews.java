package dev.noodle.nodes.host;

import dev.noodle.nodes.loaders.TaesdFiles;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import dev.noodle.engine.image.LatentPreview;
import dev.noodle.engine.vae.TinyAutoencoder;
import dev.noodle.graph.node.NodeContext;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * How samplers show the denoised latent while they run, as ComfyUI's {@code --preview-method}: {@code auto} (TAESD
 * when models/vae_approx holds the decoder of the model's family — {@code taesd_decoder} for SD 1.x/2.x,
 * {@code taesdxl_decoder} for SDXL — else the latent → RGB factors), {@code latent2rgb}, {@code taesd} (warns and
 * falls back to the factors when the decoder is missing) or {@code none}.
 *
 * <p>A TAESD decode costs far more than the factors, so a sampling run previews only while the time spent on
 * previews stays within {@link #BUDGET} of the run's time so far (and always at the last step): on a slow step every
 * step gets one, on a fast one some are skipped. The decoder is loaded once and shared ({@link
 * AddonFiles#previewDecoder}). The method may change while the host runs (the editor's setting); thread-safe.
 */
public final class LatentPreviews {
    /** The share of a sampling run's time previews may take. */
    public static final double BUDGET = 0.10;

    /** ComfyUI's preview methods. */
    public enum Method {
        AUTO, LATENT2RGB, TAESD, NONE;

        /** The command-line spelling ({@code auto}, {@code latent2rgb}, {@code taesd}, {@code none}). */
        public String cliName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * The method a command-line value names.
         *
         * @throws IllegalArgumentException listing the accepted values
         */
        public static Method parse(String s) {
            for (Method m : values()) {
                if (m.cliName().equals(s.trim().toLowerCase(Locale.ROOT))) {
                    return m;
                }
            }
            throw new IllegalArgumentException("--preview-method must be auto, latent2rgb, taesd or none, not '" + s
                    + "'");
        }
    }

    private final NodeEnvironment env;
    private final AddonFiles addons;
    private volatile Method method;

    /** Previews over these folders, loading decoders through {@code addons}. */
    public LatentPreviews(NodeEnvironment env, AddonFiles addons, Method method) {
        this.env = env;
        this.addons = addons;
        this.method = method;
    }

    /** The host's previews, or the plain latent → RGB factors where a host offers none (tests, tools). */
    public static LatentPreviews of(NodeContext ctx) {
        try {
            return ctx.service(LatentPreviews.class);
        } catch (IllegalStateException none) {
            return new LatentPreviews(null, null, Method.LATENT2RGB);
        }
    }

    public Method method() {
        return method;
    }

    /** Sets the method for the sampling runs that start from now on. */
    public void setMethod(Method method) {
        this.method = java.util.Objects.requireNonNull(method, "method");
    }

    /** Turns a denoised latent (the model's scaled space, [B, 4, h, w]) into a preview of its first sample. */
    public interface Previewer {
        BufferedImage preview(NDArray denoised);

        /** What previews ({@code taesd}, {@code latent2rgb}). */
        String name();
    }

    /**
     * The previewer for a model family under the current method, or empty for {@code none}.
     *
     * @param sdxlLatents whether the model samples SDXL's latent space
     * @param warn told when TAESD was asked for and its decoder is missing or unreadable
     */
    public Optional<Previewer> previewer(boolean sdxlLatents, Consumer<String> warn) {
        Method m = method;
        if (m == Method.NONE) {
            return Optional.empty();
        }
        TinyAutoencoder.Variant v = sdxlLatents ? TinyAutoencoder.Variant.TAESDXL : TinyAutoencoder.Variant.TAESD;
        if ((m == Method.AUTO || m == Method.TAESD) && env != null) {
            Optional<Path> file = TaesdFiles.previewDecoder(env, v);
            if (file.isPresent()) {
                try {
                    return Optional.of(taesd(addons.previewDecoder(v, file.get())));
                } catch (RuntimeException e) {
                    warn.accept("TAESD previews are off: " + e.getMessage());
                }
            } else if (m == Method.TAESD) {
                warn.accept("TAESD previews were asked for, but " + env.models().folder(ModelKind.VAE_APPROX)
                        + " has no " + v.id() + "_decoder.pth (or .safetensors); showing approximate colours");
            }
        }
        float[][] factors = sdxlLatents ? LatentPreview.SDXL_FACTORS : LatentPreview.SD15_FACTORS;
        return Optional.of(new Previewer() {
            @Override
            public BufferedImage preview(NDArray denoised) {
                return LatentPreview.preview(denoised, factors);
            }

            @Override
            public String name() {
                return "latent2rgb";
            }
        });
    }

    /** A previewer decoding with {@code decoder} (the model's latent space: no scaling). */
    public static Previewer taesd(TinyAutoencoder decoder) {
        return new Previewer() {
            @Override
            public BufferedImage preview(NDArray denoised) {
                try (NDManager tmp = denoised.getManager().newSubManager()) {
                    NDArray first = denoised.get(new NDIndex("0:1"));
                    first.attach(tmp);
                    if (first.getDataType() != DataType.FLOAT32) { // fp16 sampling on a GPU; TAESD is fp32
                        first = first.toType(DataType.FLOAT32, false);
                    }
                    NDArray img = decoder.decodeScaled(first); // [1, 3, 8h, 8w] in [0, 1]
                    img.attach(tmp);
                    long[] s = img.getShape().getShape();
                    return LatentPreview.fromUnitImage(img.toFloatArray(), (int) s[2], (int) s[3]);
                }
            }

            @Override
            public String name() {
                return "taesd";
            }
        };
    }

    /**
     * One sampling run's previews: decides per step whether to preview, keeping the time spent within
     * {@link #BUDGET} of the run's time so far. Not thread-safe (one sampler thread).
     */
    public static final class Pacer {
        private final Previewer previewer;
        private final LongSupplier clock;
        private final long start;
        private long spent;
        private int shown;

        /** A pacer timing with {@code clock} (nanoseconds). */
        public Pacer(Previewer previewer, LongSupplier clock) {
            this.previewer = previewer;
            this.clock = clock;
            this.start = clock.getAsLong();
        }

        /** A pacer on the system's nanosecond clock. */
        public Pacer(Previewer previewer) {
            this(previewer, System::nanoTime);
        }

        /**
         * The preview for step {@code step} (0-based) of {@code total}, or null when it is skipped: when there is
         * no previewer, when {@code cancelled}, or when previewing now would exceed the budget (the last step always
         * previews).
         */
        public BufferedImage at(int step, int total, NDArray denoised, boolean cancelled) {
            if (previewer == null || cancelled) {
                return null;
            }
            long now = clock.getAsLong();
            boolean last = step == total - 1;
            if (!last && spent > BUDGET * (now - start)) {
                return null;
            }
            BufferedImage img = previewer.preview(denoised);
            spent += clock.getAsLong() - now;
            shown++;
            return img;
        }

        /** How many previews were made. */
        public int shown() {
            return shown;
        }

        /** Nanoseconds spent making them. */
        public long spentNanos() {
            return spent;
        }
    }
}
