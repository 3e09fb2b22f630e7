package dev.noodle.engine.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.noodle.engine.io.MapTensorSource;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.SafetensorsFile;
import dev.noodle.engine.text.ClipConfig.Activation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading CLIP image towers in both layouts: recognition from shapes, strict binding, same numbers either way. */
class ClipVisionModelTest {
    static final ClipVisionConfig TINY = new ClipVisionConfig(32, 3, 16, 64, 4, 16, 24, Activation.GELU, 1e-5f);

    static float[] image(int b, int h, int w, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] px = new float[b * h * w * 3];
        for (int i = 0; i < px.length; i++) {
            px[i] = (float) r.nextDouble();
        }
        return px;
    }

    @Test
    void bothLayoutsAreRecognisedAndEncodeAlike(@TempDir Path dir) throws Exception {
        Path hf = dir.resolve("hf.safetensors");
        Path oc = dir.resolve("oc.safetensors");
        ClipVisionWriter.write(hf, ClipVisionLayout.HF, TINY, 7);
        ClipVisionWriter.write(oc, ClipVisionLayout.OPEN_CLIP, TINY, 7);
        try (NDManager m = NDManager.newBaseManager();
                SafetensorsFile fh = SafetensorsFile.open(hf);
                SafetensorsFile fo = SafetensorsFile.open(oc);
                ClipVisionModel a = ClipVisionModel.load(fh, "hf.safetensors");
                ClipVisionModel b = ClipVisionModel.load(fo, "oc.safetensors")) {
            assertEquals(TINY, a.config());
            assertEquals(TINY, b.config());
            NDArray img = m.create(image(2, 20, 13, 1), new Shape(2, 20, 13, 3));
            ClipVisionEncoder.Output x = a.encode(img, "center", m);
            ClipVisionEncoder.Output y = b.encode(img, "center", m);
            assertArrayEquals(new long[] {2, 17, 32}, x.lastHiddenState().getShape().getShape());
            assertArrayEquals(new long[] {2, 17, 32}, x.penultimateHiddenStates().getShape().getShape());
            assertArrayEquals(new long[] {2, 24}, x.imageEmbeds().getShape().getShape());
            assertArrayEquals(x.lastHiddenState().toFloatArray(), y.lastHiddenState().toFloatArray(), 1e-5f);
            assertArrayEquals(x.imageEmbeds().toFloatArray(), y.imageEmbeds().toFloatArray(), 1e-5f);
            assertArrayEquals(x.penultimateHiddenStates().toFloatArray(), y.penultimateHiddenStates().toFloatArray(),
                    1e-5f);
            for (float v : x.imageEmbeds().toFloatArray()) {
                assertTrue(Float.isFinite(v));
            }
        }
    }

    @Test
    void aMissingOrMisshapenKeyIsNamedWithTheFile() {
        Map<String, MapTensorSource.Entry> t = new LinkedHashMap<>(
                ClipVisionWriter.tensors(ClipVisionLayout.HF, TINY, 3));
        t.remove("vision_model.encoder.layers.1.mlp.fc2.bias");
        t.put("vision_model.encoder.layers.0.self_attn.k_proj.weight",
                new MapTensorSource.Entry(new long[] {32, 31}, new float[32 * 31]));
        t.put("vision_model.extra.weight", new MapTensorSource.Entry(new long[] {2}, new float[2]));
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> ClipVisionModel.load(new MapTensorSource(t, "broken.safetensors"), "broken.safetensors",
                        ClipVisionLayout.HF, TINY, ai.djl.Device.cpu()));
        String msg = e.getMessage();
        assertTrue(msg.contains("broken.safetensors"), msg);
        assertTrue(msg.contains("vision_model.encoder.layers.1.mlp.fc2.bias"), msg);
        assertTrue(msg.contains("vision_model.encoder.layers.0.self_attn.k_proj.weight"), msg);
        assertTrue(msg.contains("vision_model.extra.weight"), msg);
    }

    @Test
    void theTextTowerOfAWholeClipFileIsPassedOver() {
        Map<String, MapTensorSource.Entry> t = new LinkedHashMap<>(
                ClipVisionWriter.tensors(ClipVisionLayout.OPEN_CLIP, TINY, 3));
        t.put("token_embedding.weight", new MapTensorSource.Entry(new long[] {4, 8}, new float[32]));
        t.put("transformer.resblocks.0.attn.in_proj_weight", new MapTensorSource.Entry(new long[] {24, 8},
                new float[192]));
        t.put("logit_scale", new MapTensorSource.Entry(new long[] {}, new float[1]));
        try (ClipVisionModel m = ClipVisionModel.load(new MapTensorSource(t, "open_clip_model.safetensors"), "x")) {
            assertEquals(TINY, m.config());
        }
    }

    @Test
    void aFileWithoutAnImageTowerIsRefused() {
        Map<String, MapTensorSource.Entry> t = new LinkedHashMap<>();
        t.put("model.diffusion_model.input_blocks.0.0.weight", new MapTensorSource.Entry(new long[] {1}, new float[1]));
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> ClipVisionModel.load(new MapTensorSource(t, "unet.safetensors"), "unet.safetensors"));
        assertTrue(e.getMessage().contains("unet.safetensors"), e.getMessage());
        assertTrue(e.getMessage().contains("not a CLIP vision model"), e.getMessage());
    }

    @Test
    void realTowersAreChosenByBlockCountAsComfyUi() {
        for (ClipVisionConfig c : new ClipVisionConfig[] {ClipVisionConfig.vitL14(), ClipVisionConfig.vitL14At336(),
                ClipVisionConfig.vitH14(), ClipVisionConfig.vitBigG14()}) {
            for (ClipVisionLayout layout : ClipVisionLayout.values()) {
                Map<String, MapTensorSource.Entry> shapesOnly = new LinkedHashMap<>();
                layout.shapes(c).forEach((k, s) -> shapesOnly.put(k, new MapTensorSource.Entry(s, null)));
                ClipVisionLayout.Detected d = ClipVisionLayout.detect(new MapTensorSource(shapesOnly, "x"));
                assertEquals(layout, d.layout());
                assertEquals(c, d.config(), c.describe());
            }
        }
        assertEquals(Activation.QUICK_GELU, ClipVisionConfig.vitL14().activation());
        assertEquals(Activation.GELU, ClipVisionConfig.vitH14().activation());
        assertEquals(577, ClipVisionConfig.vitL14At336().positions());
        assertEquals(257, ClipVisionConfig.vitBigG14().positions());
    }

    @Test
    void encodingLeavesNothingBehindInTheWeightsOrTheCallersScope() {
        try (ClipVisionModel tower = ClipVisionModel.load(ClipVisionWriter.source(ClipVisionLayout.OPEN_CLIP, TINY, 4,
                "t"), "t");
                StyleAdapter adapter = StyleAdapter.load(new MapTensorSource(StyleAdapterWriter.tensors(
                        new StyleAdapter.Config(32, 16, 2, 3), 2), "s"), "s");
                NDManager m = NDManager.newBaseManager()) {
            NDArray img = m.create(image(1, 9, 21, 5), new Shape(1, 9, 21, 3));
            NDArray weights = tower.parameter("vision_model.post_layernorm.weight");
            int ownedWeights = weights.getManager().getManagedArrays().size();
            for (int run = 0; run < 3; run++) {
                int before = m.getManagedArrays().size();
                ClipVisionEncoder.Output o = tower.encode(img, run % 2 == 0 ? "center" : "none", m);
                NDArray tokens = adapter.tokens(o.lastHiddenState(), m);
                assertArrayEquals(new long[] {1, 3, 16}, tokens.getShape().getShape());
                assertEquals(before + 4, m.getManagedArrays().size(), "only the three outputs and the tokens stay");
                o.lastHiddenState().close();
                o.imageEmbeds().close();
                o.penultimateHiddenStates().close();
                tokens.close();
            }
            assertEquals(ownedWeights, weights.getManager().getManagedArrays().size(), "weights' manager unchanged");
        }
    }
}
