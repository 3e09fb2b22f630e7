package dev.noodle.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.noodle.engine.io.MapTensorSource;
import dev.noodle.engine.io.SafetensorsFile;
import dev.noodle.engine.io.SafetensorsWriter;
import dev.noodle.engine.text.ClipTextModel;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Saving an SD 2.x text encoder writes back exactly the open_clip tensors it was loaded from. */
class OpenClipWriterTest {
    @TempDir
    Path tmp;

    @Test
    void openClipTensorsRoundTrip() throws Exception {
        int d = 8;
        int layers = 2;
        Map<String, MapTensorSource.Entry> e = new LinkedHashMap<>();
        SplittableRandom r = new SplittableRandom(7);
        put(e, "token_embedding.weight", r, 12, d);
        put(e, "positional_embedding", r, 5, d);
        for (int i = 0; i < layers; i++) {
            String p = "transformer.resblocks." + i + ".";
            put(e, p + "attn.in_proj_weight", r, 3 * d, d);
            put(e, p + "attn.in_proj_bias", r, 3 * d);
            put(e, p + "attn.out_proj.weight", r, d, d);
            put(e, p + "attn.out_proj.bias", r, d);
            put(e, p + "ln_1.weight", r, d);
            put(e, p + "ln_1.bias", r, d);
            put(e, p + "ln_2.weight", r, d);
            put(e, p + "ln_2.bias", r, d);
            put(e, p + "mlp.c_fc.weight", r, 4 * d, d);
            put(e, p + "mlp.c_fc.bias", r, 4 * d);
            put(e, p + "mlp.c_proj.weight", r, d, 4 * d);
            put(e, p + "mlp.c_proj.bias", r, d);
        }
        put(e, "ln_final.weight", r, d);
        put(e, "ln_final.bias", r, d);
        put(e, "text_projection", r, d, 6);
        try (ClipTextModel clip = ClipTextModel.loadOpenClip(new MapTensorSource(e, "sd2-text"))) {
            SafetensorsWriter w = new SafetensorsWriter();
            OpenClipWriter.add(w, "cond_stage_model.model.", CheckpointWriter.clipWeights(clip));
            Path f = tmp.resolve("t.safetensors");
            w.write(f);
            try (SafetensorsFile back = SafetensorsFile.open(f)) {
                assertEquals(e.size(), back.keys().size());
                for (Map.Entry<String, MapTensorSource.Entry> x : e.entrySet()) {
                    String k = "cond_stage_model.model." + x.getKey();
                    assertArrayEquals(x.getValue().shape(), back.info(k).shape(), k);
                    assertArrayEquals(x.getValue().data(), back.loadFloats(k), k);
                }
            }
        }
    }

    private static void put(Map<String, MapTensorSource.Entry> e, String k, SplittableRandom r, long... shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextDouble(-1, 1);
        }
        e.put(k, new MapTensorSource.Entry(shape, v));
    }
}
