package dev.noodle.engine.vision;

import dev.noodle.engine.io.MapTensorSource;
import dev.noodle.engine.io.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Random T2I style adapters with every key and shape of {@link StyleAdapter#shapes} (the layout of
 * t2iadapter_style_sd14v1), values drawn from a seed, for tests, demos and fuzzing. Weights are scaled by
 * 1/√fan-in and norms kept near 1. Stateless.
 */
public final class StyleAdapterWriter {
    private StyleAdapterWriter() {}

    /** The adapter's tensors by file key. */
    public static Map<String, MapTensorSource.Entry> tensors(StyleAdapter.Config c, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Map<String, MapTensorSource.Entry> out = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : StyleAdapter.shapes(c).entrySet()) {
            String k = e.getKey();
            long[] shape = e.getValue();
            int n = 1;
            for (long d : shape) {
                n = Math.multiplyExact(n, Math.toIntExact(d));
            }
            double scale;
            double offset = 0;
            if (k.startsWith("ln_") && k.endsWith(".weight") || k.contains(".ln_") && k.endsWith(".weight")) {
                scale = 0.1;
                offset = 1.0;
            } else if (k.equals("style_embedding")) {
                scale = 1.0 / Math.sqrt(c.width());
            } else if (shape.length == 1) {
                scale = 0.1;
            } else {
                scale = 1.0 / Math.sqrt(k.equals("proj") ? shape[0] : shape[1]);
            }
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                v[i] = (float) (offset + scale * rnd.nextGaussian());
            }
            out.put(k, new MapTensorSource.Entry(shape, v));
        }
        return out;
    }

    /** Writes the adapter to a safetensors file (float32). */
    public static void write(Path target, StyleAdapter.Config c, long seed) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter();
        for (Map.Entry<String, MapTensorSource.Entry> e : tensors(c, seed).entrySet()) {
            w.addF32(e.getKey(), e.getValue().shape(), e.getValue().data());
        }
        w.write(target);
    }
}
