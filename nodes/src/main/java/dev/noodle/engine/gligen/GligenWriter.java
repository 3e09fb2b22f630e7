package dev.noodle.engine.gligen;

import dev.noodle.engine.io.SafetensorsWriter;
import dev.noodle.engine.unet.TransformerSlot;
import dev.noodle.engine.unet.UNetConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes random-weight GLIGEN text-box files in the real layout ({@link GligenModel#parameterShapes}: the position
 * net and one fuser per SpatialTransformer of a UNet, under {@code <transformer>.transformer_blocks.0.fuser.}), for
 * tests and example workflows. Values are deterministic per key: weights normal with std 1/√fan_in, biases small,
 * norm weights near 1, the gates (alpha_attn, alpha_dense) non-zero so the fusers change the picture. Stateless.
 */
public final class GligenWriter {
    private GligenWriter() {}

    /** The token width of the SD 1.x files (768, which gives 8 heads). */
    public static final int SD1_TOKEN_DIM = GligenModel.SD1_TOKEN_DIM;

    /**
     * Writes a GLIGEN file for a UNet of {@code unet}'s layout, as float16 like the published file.
     *
     * @param textDim the width of the CLIP pooled output it takes
     * @param tokenDim the width of its grounding tokens
     */
    public static Path write(Path file, UNetConfig unet, int textDim, int tokenDim) throws IOException {
        Map<String, long[]> shapes = GligenModel.parameterShapes(textDim, tokenDim,
                GligenModel.fusersFor(TransformerSlot.of(unet), tokenDim));
        SafetensorsWriter w = new SafetensorsWriter();
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            w.addF16(e.getKey(), e.getValue(), values(e.getKey(), e.getValue()));
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        w.write(file);
        return file;
    }

    static float[] values(String key, long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] v = new float[Math.toIntExact(n)];
        SplittableRandom r = new SplittableRandom(seed(key));
        if (key.endsWith("alpha_attn") || key.endsWith("alpha_dense")) {
            v[0] = (float) (0.3 + 0.5 * r.nextDouble()) * (key.endsWith("alpha_dense") ? -1 : 1);
            return v;
        }
        boolean norm = key.contains(".norm");
        double std;
        double offset = 0;
        if (key.endsWith(".bias")) {
            std = 0.05;
        } else if (norm) {
            std = 0.1;
            offset = 1;
        } else if (key.endsWith("_feature")) {
            std = 0.5;
        } else {
            std = 1.0 / Math.sqrt(shape.length > 1 ? shape[1] : 1);
        }
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (offset + gaussian(r) * std);
        }
        return v;
    }

    private static long seed(String key) {
        long h = 0x51ED2701A3C4F00DL;
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ b) * 0x100000001B3L;
        }
        return h;
    }

    private static double gaussian(SplittableRandom r) {
        double u = 1.0 - r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble());
    }
}
