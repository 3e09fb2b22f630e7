package dev.noodle.engine.vision;

import dev.noodle.engine.io.MapTensorSource;
import dev.noodle.engine.io.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Random CLIP image towers in either file layout, for tests, demos and fuzzing: every key and shape of
 * {@link ClipVisionLayout#shapes}, values drawn from a seed. The same seed and config give the same tower in both
 * layouts (open_clip's stacked q/k/v and transposed {@code proj} are made from the Hugging Face tensors), so both
 * files encode an image alike. Weights are scaled by 1/√fan-in and norms kept near 1 so activations stay finite
 * through the blocks. Stateless.
 */
public final class ClipVisionWriter {
    private ClipVisionWriter() {}

    /** The tower's tensors under Hugging Face names. */
    public static Map<String, MapTensorSource.Entry> hfTensors(ClipVisionConfig c, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Map<String, MapTensorSource.Entry> out = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : ClipVisionLayout.HF.shapes(c).entrySet()) {
            String k = e.getKey();
            long[] shape = e.getValue();
            int n = 1;
            for (long d : shape) {
                n = Math.multiplyExact(n, Math.toIntExact(d));
            }
            float[] v = new float[n];
            boolean norm = k.contains("layrnorm") || k.contains("layernorm") || k.contains("layer_norm");
            double scale;
            double offset = 0;
            if (norm && k.endsWith(".weight")) {
                scale = 0.1;
                offset = 1.0;
            } else if (shape.length == 1) {
                scale = k.endsWith("class_embedding") ? 0.5 : 0.1;
            } else if (k.equals(ClipVisionLayout.HF_POS)) {
                scale = 0.2;
            } else {
                long fanIn = n / shape[0];
                scale = 1.0 / Math.sqrt(fanIn);
            }
            for (int i = 0; i < n; i++) {
                v[i] = (float) (offset + scale * rnd.nextGaussian());
            }
            out.put(k, new MapTensorSource.Entry(shape, v));
        }
        return out;
    }

    /** The tower's tensors as stored in {@code layout}. */
    public static Map<String, MapTensorSource.Entry> tensors(ClipVisionLayout layout, ClipVisionConfig c, long seed) {
        Map<String, MapTensorSource.Entry> hf = hfTensors(c, seed);
        if (layout == ClipVisionLayout.HF) {
            return hf;
        }
        Map<String, float[][]> packs = new LinkedHashMap<>();
        Map<String, MapTensorSource.Entry> out = new LinkedHashMap<>();
        for (String ocKey : ClipVisionLayout.OPEN_CLIP.shapes(c).keySet()) {
            out.put(ocKey, null); // keep the file's order
        }
        Map<String, long[]> ocShapes = ClipVisionLayout.OPEN_CLIP.shapes(c);
        for (Map.Entry<String, MapTensorSource.Entry> e : hf.entrySet()) {
            ClipVisionLayout.Source s = ClipVisionLayout.openClipSource(e.getKey());
            float[] data = e.getValue().data();
            if (s.transpose()) {
                long[] sh = e.getValue().shape(); // [P, D]
                int rows = (int) sh[0];
                int cols = (int) sh[1];
                float[] t = new float[data.length];
                for (int r = 0; r < rows; r++) {
                    for (int col = 0; col < cols; col++) {
                        t[col * rows + r] = data[r * cols + col];
                    }
                }
                out.put(s.key(), new MapTensorSource.Entry(new long[] {cols, rows}, t));
            } else if (s.part() >= 0) {
                packs.computeIfAbsent(s.key(), k -> new float[3][])[s.part()] = data;
            } else {
                out.put(s.key(), new MapTensorSource.Entry(e.getValue().shape(), data));
            }
        }
        for (Map.Entry<String, float[][]> e : packs.entrySet()) {
            float[][] parts = e.getValue();
            float[] all = new float[parts[0].length * 3];
            for (int i = 0; i < 3; i++) {
                System.arraycopy(parts[i], 0, all, i * parts[0].length, parts[0].length);
            }
            out.put(e.getKey(), new MapTensorSource.Entry(ocShapes.get(e.getKey()), all));
        }
        return out;
    }

    /** The tower as an in-memory source. */
    public static MapTensorSource source(ClipVisionLayout layout, ClipVisionConfig c, long seed, String name) {
        return new MapTensorSource(tensors(layout, c, seed), name);
    }

    /** Writes the tower to a safetensors file (float32). */
    public static void write(Path target, ClipVisionLayout layout, ClipVisionConfig c, long seed) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter();
        for (Map.Entry<String, MapTensorSource.Entry> e : tensors(layout, c, seed).entrySet()) {
            w.addF32(e.getKey(), e.getValue().shape(), e.getValue().data());
        }
        w.write(target);
    }
}
