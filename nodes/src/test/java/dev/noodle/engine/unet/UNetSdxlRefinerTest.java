package dev.noodle.engine.unet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.noodle.engine.model.TinyCheckpoints;
import dev.noodle.engine.runtime.Devices;
import dev.noodle.engine.io.ModelFile;
import dev.noodle.engine.io.ModelFiles;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SDXL refiner's UNet: its config (ComfyUI {@code supported_models.SDXLRefiner}, Stability's
 * {@code sd_xl_refiner.yaml}), its full-size key names and shapes against the layout written independently in
 * {@code tools/make_random_sdxl.py} (fixture from {@code nodes/src/test/python/sdxl_refiner_shapes_reference.py}),
 * detection back from those shapes, and a forward pass of the small variant.
 */
class UNetSdxlRefinerTest {
    @Test
    void configIsComfyUisSdxlRefiner() {
        UNetConfig r = UNetConfig.sdxlRefiner();
        assertEquals(384, r.modelChannels());
        assertArrayEquals(new int[] {1, 2, 4, 4}, r.channelMult());
        assertArrayEquals(new int[] {0, 0, 4, 4, 4, 4, 0, 0}, r.inputDepth()); // ComfyUI transformer_depth
        assertEquals(4, r.middleDepth());
        assertArrayEquals(new boolean[] {false, true, true, false}, r.attentionLevels());
        assertEquals(1280, r.contextDim());
        assertEquals(2560, r.admInChannels());
        assertEquals(12, r.heads(768)); // num_head_channels 64
        assertEquals(24, r.heads(1536));
        assertTrue(r.linearProjection());
    }

    @Test
    void fullSizeKeysAndShapesMatchTheIndependentLayout() throws Exception {
        JsonNode ref;
        try (InputStream in = getClass().getResourceAsStream("/unet/sdxl_refiner_unet_shapes.json")) {
            ref = new ObjectMapper().readTree(in);
        }
        Map<String, long[]> expected = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = ref.get("shapes").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            long[] s = new long[e.getValue().size()];
            for (int i = 0; i < s.length; i++) {
                s[i] = e.getValue().get(i).asLong();
            }
            expected.put(UNetConfig.PREFIX + e.getKey(), s);
        }
        Map<String, long[]> actual = new TreeMap<>(UNetConfig.parameterShapes(UNetConfig.sdxlRefiner()));
        assertEquals(expected.keySet(), actual.keySet());
        long params = 0;
        for (Map.Entry<String, long[]> e : actual.entrySet()) {
            assertArrayEquals(expected.get(e.getKey()), e.getValue(), e.getKey());
            long n = 1;
            for (long d : e.getValue()) {
                n *= d;
            }
            params += n;
        }
        assertEquals(ref.get("parameters").asLong(), params);
        assertEquals(2_259_526_660L, params);
        // the shapes that tell a refiner apart (label_emb 1536×2560, conv-in 384, bigG-wide cross-attention)
        assertArrayEquals(new long[] {1536, 2560}, actual.get(UNetConfig.PREFIX + "label_emb.0.0.weight"));
        assertArrayEquals(new long[] {384, 4, 3, 3}, actual.get(UNetConfig.PREFIX + "input_blocks.0.0.weight"));
        assertArrayEquals(new long[] {768, 1280},
                actual.get(UNetConfig.PREFIX + "input_blocks.4.1.transformer_blocks.3.attn2.to_k.weight"));
        assertArrayEquals(new long[] {1536, 1280},
                actual.get(UNetConfig.PREFIX + "middle_block.1.transformer_blocks.3.attn2.to_k.weight"));
        // no attention on the first and last levels
        assertFalse(actual.keySet().stream().anyMatch(k -> k.contains("input_blocks.1.1.")
                || k.contains("input_blocks.10.1.") || k.contains("output_blocks.0.1.norm")
                || k.contains("output_blocks.11.1.")));
    }

    @Test
    void refinerConfigsRoundTripThroughTheirShapes() {
        for (UNetConfig c : new UNetConfig[] {UNetConfig.sdxlRefiner(), TinyCheckpoints.refinerUnet()}) {
            assertEquals(c, UNetConfig.fromWeights(UNetConfigTest.shapesOnly(UNetConfig.parameterShapes(c))),
                    c.toString());
        }
    }

    @Test
    void smallRefinerRunsForwardWithItsYVector(@TempDir Path dir) throws Exception {
        UNetConfig c = TinyCheckpoints.refinerUnet();
        Path file = TinyCheckpoints.write(dir.resolve("refiner.safetensors"), TinyCheckpoints.Kind.SDXL_REFINER);
        try (NDManager m = NDManager.newBaseManager(); ModelFile src = ModelFiles.open(file);
                UNetModel unet = UNetModel.load(src.withPrefix(UNetConfig.PREFIX), Devices.Target.cpu())) {
            assertEquals(c, unet.config());
            NDArray x = m.randomNormal(new Shape(2, 4, 8, 16));
            NDArray t = m.create(new float[] {999f, 100f});
            NDArray ctx = m.randomNormal(new Shape(2, 77, c.contextDim()));
            NDArray y = m.randomNormal(new Shape(2, c.admInChannels()));
            NDArray eps = unet.forward(x, t, ctx, y);
            assertEquals(new Shape(2, 4, 8, 16), eps.getShape());
            float[] v = eps.toFloatArray();
            for (float f : v) {
                assertTrue(Float.isFinite(f));
            }
            // y enters the time embedding: another aesthetic-score/size vector changes the prediction
            NDArray other = unet.forward(x, t, ctx, y.mul(0.5f));
            assertFalse(java.util.Arrays.equals(v, other.toFloatArray()));
        }
    }
}
