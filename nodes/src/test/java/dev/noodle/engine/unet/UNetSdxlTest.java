package dev.noodle.engine.unet;

import static dev.noodle.engine.unet.UNetModelTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.noodle.engine.io.MapTensorSource;
import dev.noodle.engine.io.SafetensorsFile;
import dev.noodle.engine.runtime.Attention;
import dev.noodle.engine.runtime.Devices;
import dev.noodle.engine.runtime.WeightPrecision;
import java.net.URISyntaxException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SDXL-shaped UNets: the full SDXL layout (keys, shapes, parameter count, per-block depth inference), and the tiny
 * SDXL-shaped fixture from the independent torch reference {@code src/test/python/unet_sdxl_reference.py} (label_emb,
 * no transformer on level 0, uneven depths, linear projections) reproduced with fp16 storage and with fp32.
 */
class UNetSdxlTest {
    private static SafetensorsFile weightsFile;
    private static SafetensorsFile io;

    @BeforeAll
    static void open() throws URISyntaxException {
        weightsFile = SafetensorsFile.open(UNetModelTest.resource("tiny_sdxl_unet.safetensors"));
        io = SafetensorsFile.open(UNetModelTest.resource("tiny_sdxl_unet_io.safetensors"));
    }

    @AfterAll
    static void close() {
        weightsFile.close();
        io.close();
    }

    private static long count(Map<String, long[]> shapes) {
        return shapes.values().stream().mapToLong(s -> new Shape(s).size()).sum();
    }

    @Test
    void sdxlHasTheKnownParameterCountAndKeys() {
        Map<String, long[]> s = UNetConfig.parameterShapes(UNetConfig.sdxl());
        assertEquals(2_567_463_684L, count(s));
        String p = UNetConfig.PREFIX;
        assertArrayEquals(new long[] {1280, 2816}, s.get(p + "label_emb.0.0.weight"));
        assertArrayEquals(new long[] {1280, 1280}, s.get(p + "label_emb.0.2.weight"));
        assertFalse(s.containsKey(p + "input_blocks.1.1.norm.weight"), "level 0 has no transformer");
        assertArrayEquals(new long[] {640, 640}, s.get(p + "input_blocks.4.1.proj_in.weight"));
        assertTrue(s.containsKey(p + "input_blocks.5.1.transformer_blocks.1.norm3.weight"));
        assertFalse(s.containsKey(p + "input_blocks.5.1.transformer_blocks.2.norm3.weight"));
        assertArrayEquals(new long[] {1280, 2048}, s.get(p + "input_blocks.8.1.transformer_blocks.9.attn2.to_k.weight"));
        assertTrue(s.containsKey(p + "middle_block.1.transformer_blocks.9.ff.net.2.weight"));
        assertTrue(s.containsKey(p + "output_blocks.0.1.transformer_blocks.9.attn1.to_q.weight"));
        assertArrayEquals(new long[] {1280, 1280, 3, 3}, s.get(p + "output_blocks.2.2.conv.weight"));
        assertArrayEquals(new long[] {640, 640, 3, 3}, s.get(p + "output_blocks.5.2.conv.weight"));
        assertFalse(s.containsKey(p + "output_blocks.6.1.norm.weight"));
        assertFalse(s.keySet().stream().anyMatch(k -> k.startsWith(p + "input_blocks.9.")), "3 levels: 9 blocks");
        assertEquals(10, UNetConfig.sdxl().heads(640));
        assertEquals(20, UNetConfig.sdxl().heads(1280));
        assertEquals(10, UNetConfig.sdxl().transformerDepth());
        assertArrayEquals(new boolean[] {false, true, true}, UNetConfig.sdxl().attentionLevels());
    }

    @Test
    void sdxlConfigsRoundTripThroughTheirShapes() {
        UNetConfig noMiddle = new UNetConfig(4, 4, 64, new int[] {1, 2}, 2, new int[] {0, 1, 1, 2}, 0,
                new int[] {1, 0, 2, 0, 0, 1}, -1, 64, 96, true, 32);
        for (UNetConfig c : new UNetConfig[] {
            UNetConfig.sdxl(), UNetConfig.sdxl().withInChannels(9), UNetConfig.tinyXl(), noMiddle
        }) {
            assertEquals(c, UNetConfig.fromWeights(UNetConfigTest.shapesOnly(UNetConfig.parameterShapes(c))),
                    c.toString());
        }
    }

    @Test
    void configIsInferredFromTheFixture() {
        assertEquals(UNetConfig.tinyXl(), UNetConfig.fromWeights(weightsFile));
    }

    @Test
    void forwardMatchesTorchWithHalfStorageAndBothAttentionPaths() {
        float[] expected = io.loadFloats("eps");
        try (NDManager m = NDManager.newBaseManager();
                UNetModel model = UNetModel.load(weightsFile, Devices.Target.cpu())) {
            // an all-F16 file on the CPU stays fp16 in memory and computes in fp32
            assertEquals(WeightPrecision.halfStorage(), model.weights().precision());
            NDArray stored = model.weights().get("output_blocks.0.1.transformer_blocks.2.ff.net.0.proj.weight");
            assertEquals(DataType.FLOAT16, stored.getDataType());
            int owned = stored.getManager().getManagedArrays().size();
            NDArray x = io.load("x", m, DataType.FLOAT32);
            NDArray t = io.load("timesteps", m, DataType.FLOAT32);
            NDArray ctx = io.load("context", m, DataType.FLOAT32);
            NDArray y = io.load("y", m, DataType.FLOAT32);
            for (Attention.Mode mode : Attention.Mode.values()) {
                try (NDManager step = m.newSubManager()) {
                    NDArray eps = model.forward(x, t, ctx, y, mode);
                    assertEquals(new Shape(2, 4, 16, 8), eps.getShape());
                    assertEquals(DataType.FLOAT32, eps.getDataType());
                    assertClose(expected, eps.toFloatArray(), 1e-4, mode.name());
                    eps.attach(step);
                }
            }
            // widened copies died with their layers: the weights' manager holds what it held before
            assertEquals(owned, stored.getManager().getManagedArrays().size());
        }
    }

    @Test
    void halfStorageEqualsFloat32StorageOnAnFp16File() {
        try (NDManager m = NDManager.newBaseManager();
                UNetModel half = UNetModel.load(weightsFile, Devices.Target.cpu());
                UNetModel full = new UNetModel(UNetWeights.load(weightsFile, UNetConfig.tinyXl(),
                        Devices.Target.cpu(), WeightPrecision.uniform(DataType.FLOAT32)))) {
            assertEquals(DataType.FLOAT32, full.weights().get("out.2.weight").getDataType());
            NDArray x = io.load("x", m, DataType.FLOAT32);
            NDArray t = io.load("timesteps", m, DataType.FLOAT32);
            NDArray ctx = io.load("context", m, DataType.FLOAT32);
            NDArray y = io.load("y", m, DataType.FLOAT32);
            // fp16 → fp32 widening is exact, so the two paths do the same float32 math
            assertClose(full.forward(x, t, ctx, y).toFloatArray(), half.forward(x, t, ctx, y).toFloatArray(), 1e-6,
                    "fp16 storage vs fp32 storage");
        }
    }

    @Test
    void explicitHalfStorageOfFloat32WeightsStaysWithinFp16Rounding() {
        UNetConfig c = UNetConfig.tinyXl();
        Random r = new Random(7);
        Map<String, MapTensorSource.Entry> entries = new LinkedHashMap<>();
        UNetConfig.parameterShapes(c).forEach((k, s) -> {
            int n = (int) new Shape(s).size();
            double scale = s.length > 1 ? 1 / Math.sqrt((double) n / s[0]) : 0.1;
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                v[i] = (float) (r.nextGaussian() * scale + (k.endsWith("norm.weight") || k.contains("norm1.w")
                        || k.contains("norm2.w") || k.contains("norm3.w") || k.contains("layers.0.w") ? 1 : 0));
            }
            entries.put(k, new MapTensorSource.Entry(s, v));
        });
        MapTensorSource src = new MapTensorSource(entries, "random-fp32.safetensors");
        try (NDManager m = NDManager.newBaseManager();
                UNetModel full = UNetModel.load(src, Devices.Target.cpu());
                UNetModel half = new UNetModel(UNetWeights.load(src, c, Devices.Target.cpu(),
                        WeightPrecision.halfStorage()))) {
            // an F32 file is not narrowed unless asked
            assertEquals(WeightPrecision.uniform(DataType.FLOAT32), full.weights().precision());
            NDArray x = io.load("x", m, DataType.FLOAT32);
            NDArray t = io.load("timesteps", m, DataType.FLOAT32);
            NDArray ctx = io.load("context", m, DataType.FLOAT32);
            NDArray y = io.load("y", m, DataType.FLOAT32);
            float[] a = full.forward(x, t, ctx, y).toFloatArray();
            float[] b = half.forward(x, t, ctx, y).toFloatArray();
            // fp16 keeps 11 significant bits (relative rounding ≤ 2^-11 ≈ 4.9e-4 per weight)
            assertClose(a, b, 5e-3, "fp16-rounded weights");
            double diff = 0;
            for (int i = 0; i < a.length; i++) {
                diff = Math.max(diff, Math.abs(a[i] - b[i]));
            }
            assertTrue(diff > 0, "the fp16 copy really was rounded");
        }
    }

    @Test
    void yIsRequiredExactlyWhenTheModelHasLabelEmb() {
        try (NDManager m = NDManager.newBaseManager();
                UNetModel model = UNetModel.load(weightsFile, Devices.Target.cpu())) {
            NDArray x = io.load("x", m, DataType.FLOAT32);
            NDArray t = io.load("timesteps", m, DataType.FLOAT32);
            NDArray ctx = io.load("context", m, DataType.FLOAT32);
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> model.forward(x, t, ctx));
            assertTrue(e.getMessage().contains("label_emb") && e.getMessage().contains("[2, 48]"), e.getMessage());
            NDArray wrong = m.zeros(new Shape(2, 47));
            e = assertThrows(IllegalArgumentException.class, () -> model.forward(x, t, ctx, wrong));
            assertTrue(e.getMessage().contains("y must be [2, 48]"), e.getMessage());
        }
    }

    @Test
    void aModelWithoutLabelEmbRefusesY() throws URISyntaxException {
        try (NDManager m = NDManager.newBaseManager();
                SafetensorsFile sd1 = SafetensorsFile.open(UNetModelTest.resource("tiny_unet.safetensors"));
                UNetModel model = UNetModel.load(sd1, Devices.Target.cpu())) {
            assertFalse(model.config().hasLabelEmbedding());
            NDArray x = m.zeros(new Shape(1, 4, 8, 8));
            NDArray t = m.zeros(new Shape(1));
            NDArray ctx = m.zeros(new Shape(1, 3, 64));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> model.forward(x, t, ctx, m.zeros(new Shape(1, 48))));
            assertTrue(e.getMessage().contains("no label_emb"), e.getMessage());
        }
    }
}
