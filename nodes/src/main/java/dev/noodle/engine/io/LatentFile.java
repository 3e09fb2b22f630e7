package dev.noodle.engine.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * ComfyUI's {@code .latent} file (SaveLatent / LoadLatent): a safetensors file holding the raw, unscaled latent
 * batch as {@code latent_tensor} [B, C, H, W] and an empty float tensor {@code latent_format_version_0} marking the
 * current format, with string metadata ({@code prompt}, {@code workflow}). Files without the version marker come
 * from ComfyUI's first format, which stored latents multiplied by 0.18215; they are read back times 1 / 0.18215, as
 * ComfyUI's LoadLatent does.
 */
public final class LatentFile {
    /** The tensor holding the latent batch. */
    public static final String TENSOR = "latent_tensor";

    /** The empty tensor whose presence marks the current (unscaled) format. */
    public static final String VERSION_0 = "latent_format_version_0";

    /** The factor files without {@link #VERSION_0} were stored with (SD 1.x's VAE scale). */
    public static final double OLD_FORMAT_SCALE = 0.18215;

    /** Latents larger than this many values are refused rather than read (2^28 floats = 1 GiB). */
    public static final long MAX_VALUES = 1L << 28;

    private LatentFile() {}

    /**
     * A latent batch read from a file.
     *
     * @param shape [B, C, H, W]
     * @param data the values, row-major, in the current (unscaled) convention
     * @param oldFormat true when the file had no version marker and was rescaled by 1 / 0.18215
     */
    public record Latent(long[] shape, float[] data, boolean oldFormat) {
        public Latent {
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }
    }

    /**
     * Reads a {@code .latent} file.
     *
     * @throws ModelFormatException naming the file and what is wrong (not safetensors, truncated, no
     *     {@code latent_tensor}, not a float tensor of rank 4, empty or too large) and what to do
     */
    public static Latent read(Path file) {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            if (!f.keys().contains(TENSOR)) {
                throw new ModelFormatException(file + " has no '" + TENSOR + "' tensor (it holds "
                        + describeKeys(f) + "), so it is not a latent saved by SaveLatent. Pick a .latent file"
                        + " written by ComfyUI's or Noodle's SaveLatent.");
            }
            TensorInfo info = f.info(TENSOR);
            long[] shape = info.shape();
            if (!info.dtype().isFloat()) {
                throw new ModelFormatException(file + ": '" + TENSOR + "' holds " + info.dtype() + " values; a latent"
                        + " is floating point (F32, F16, BF16 or F64). The file is damaged or not a latent.");
            }
            if (shape.length != 4) {
                throw new ModelFormatException(file + ": '" + TENSOR + "' has shape " + info.shapeText()
                        + "; an image latent is [batch, channels, height, width]. Noodle loads image latents only.");
            }
            long count = info.elementCount();
            if (count == 0) {
                throw new ModelFormatException(file + ": '" + TENSOR + "' of shape " + info.shapeText()
                        + " is empty. Save the latent again.");
            }
            if (count > MAX_VALUES) {
                throw new ModelFormatException(file + ": '" + TENSOR + "' of shape " + info.shapeText() + " has "
                        + count + " values, more than the " + MAX_VALUES + " Noodle loads as one latent.");
            }
            for (long d : shape) {
                if (d > Integer.MAX_VALUE) {
                    throw new ModelFormatException(file + ": '" + TENSOR + "' has a dimension of " + d + ".");
                }
            }
            float[] data = f.loadFloats(TENSOR);
            boolean old = !f.keys().contains(VERSION_0);
            if (old) {
                float m = (float) (1.0 / OLD_FORMAT_SCALE); // torch multiplies a float32 tensor by the float scalar
                for (int i = 0; i < data.length; i++) {
                    data[i] *= m;
                }
            }
            return new Latent(shape, data, old);
        }
    }

    private static String describeKeys(SafetensorsFile f) {
        if (f.keys().isEmpty()) {
            return "no tensors";
        }
        String[] k = f.keys().stream().sorted().limit(4).toArray(String[]::new);
        return String.join(", ", k) + (f.keys().size() > 4 ? ", …" : "");
    }

    /**
     * Writes a latent batch in the current format, atomically: {@code latent_tensor} as float32 and the empty
     * {@code latent_format_version_0} marker, with the given metadata.
     */
    public static void write(Path file, long[] shape, float[] data, Map<String, String> metadata) throws IOException {
        if (shape.length != 4) {
            throw new IllegalArgumentException("a latent is [B, C, H, W], got " + Arrays.toString(shape));
        }
        SafetensorsWriter w = new SafetensorsWriter();
        metadata.forEach(w::metadata);
        w.addF32(TENSOR, shape, data);
        w.addF32(VERSION_0, new long[] {0}, new float[0]);
        w.write(file);
    }
}
