package dev.noodle.engine.upscale;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.noodle.engine.io.MapTensorSource;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.SafetensorsFile;
import dev.noodle.engine.io.TensorSource;
import dev.noodle.engine.io.pickle.PickleCheckpoint;
import dev.noodle.engine.upscale.SwinIRConfig.Upsampler;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SwinIR against the independent torch reference {@code src/test/python/swinir_reference.py}: tiny random networks
 * in the published key layout for each reconstruction module (pixelshuffle ×2/×3/×4, pixelshuffledirect,
 * nearest+conv ×2/×4, the scale-1 restoration models), 1conv and 3conv residuals, windows of 3, 4 and 7, on inputs
 * whose sides are not window multiples; the hyper-parameters read from the keys; a {@code params_ema}-wrapped
 * {@code .pth}; and the errors for missing, misshapen and unexpected keys.
 */
class SwinIRTest {
    private static SafetensorsFile io;

    @BeforeAll
    static void open() throws URISyntaxException {
        io = SafetensorsFile.open(resource("swinir_io.safetensors"));
    }

    @AfterAll
    static void close() {
        io.close();
    }

    static Path resource(String name) throws URISyntaxException {
        return Path.of(SwinIRTest.class.getResource("/upscale/swinir/" + name).toURI());
    }

    static void assertClose(float[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        double scale = 1e-6;
        for (float v : expected) {
            scale = Math.max(scale, Math.abs(v));
        }
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(worst <= tol * scale, what + ": max |diff| " + worst + " > " + tol + " × " + scale);
    }

    /** The configurations the reference script writes (see its docstring). */
    static final Map<String, SwinIRConfig> CONFIGS = new LinkedHashMap<>();

    static {
        CONFIGS.put("ps_x2", new SwinIRConfig(12, new int[] {2, 2}, new int[] {2, 2}, 4, 24, false,
                Upsampler.PIXELSHUFFLE, 2, 8, 4));
        CONFIGS.put("ps_x4", new SwinIRConfig(12, new int[] {2, 2}, new int[] {2, 3}, 4, 24, true,
                Upsampler.PIXELSHUFFLE, 4, 8, 4));
        CONFIGS.put("ps_x3", new SwinIRConfig(12, new int[] {2}, new int[] {2}, 4, 24, false,
                Upsampler.PIXELSHUFFLE, 3, 8, 4));
        CONFIGS.put("direct_x4", new SwinIRConfig(12, new int[] {2, 1}, new int[] {3, 2}, 4, 24, false,
                Upsampler.PIXELSHUFFLE_DIRECT, 4, 0, 4));
        CONFIGS.put("nearest_x4", new SwinIRConfig(16, new int[] {2, 2}, new int[] {2, 2}, 3, 64, true,
                Upsampler.NEAREST_CONV, 4, 8, 4));
        CONFIGS.put("nearest_x2", new SwinIRConfig(12, new int[] {3}, new int[] {4}, 4, 24, false,
                Upsampler.NEAREST_CONV, 2, 8, 4));
        CONFIGS.put("denoise", new SwinIRConfig(12, new int[] {2}, new int[] {2}, 7, 24, false,
                Upsampler.NONE, 1, 0, 4));
    }

    private static void assertForward(String name, SwinIR net) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray in = io.load(name + ".in", m, DataType.FLOAT32);
            NDArray out = net.forward(in, m);
            assertEquals(new Shape(io.info(name + ".out").shape()), out.getShape(), name);
            assertClose(io.loadFloats(name + ".out"), out.toFloatArray(), 2e-5, name);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ps_x2", "ps_x4", "ps_x3", "direct_x4", "nearest_x4", "nearest_x2", "denoise"})
    void forwardMatchesTorchAndTheHyperParametersAreReadFromTheKeys(String name) throws Exception {
        try (SafetensorsFile f = SafetensorsFile.open(resource(name + ".safetensors"))) {
            assertTrue(SwinIR.matches(f.keys()), name);
            try (SwinIR net = SwinIR.load(SwinIR.unwrap(f))) {
                SwinIRConfig expected = CONFIGS.get(name);
                assertEquals(expected, net.config(), name);
                assertEquals("SwinIR", net.architecture());
                assertEquals(expected.scale(), net.scale());
                assertEquals(expected.window(), net.sizeMultiple());
                assertForward(name, net);
            }
        }
    }

    @Test
    void attentionInWindowChunksMatchesTorch() throws Exception {
        for (String name : new String[] {"ps_x4", "nearest_x4"}) {
            try (SafetensorsFile f = SafetensorsFile.open(resource(name + ".safetensors"));
                    SwinIR net = SwinIR.load(f)) {
                long n = (long) net.config().windowTokens();
                net.scoreChunk = 2 * 3 * n * n; // a window or two per chunk, the last chunk shorter
                assertForward(name, net);
            }
        }
    }

    @Test
    void hyperParametersAsSwinIrNamesThem() throws Exception {
        try (SafetensorsFile f = SafetensorsFile.open(resource("nearest_x4.safetensors"))) {
            SwinIRConfig c = SwinIRConfig.detect(f);
            assertEquals(16, c.embedDim());
            assertArrayEquals(new int[] {2, 2}, c.depths());
            assertArrayEquals(new int[] {2, 2}, c.heads());
            assertEquals(3, c.window());
            assertEquals(4.0, c.mlpRatio());
            assertEquals("3conv", c.resiConnection());
            assertEquals("nearest+conv", c.upsampler().label());
            assertEquals(1f, c.imgRange());
        }
        try (SafetensorsFile f = SafetensorsFile.open(resource("denoise.safetensors"))) {
            SwinIRConfig c = SwinIRConfig.detect(f);
            assertEquals("", c.upsampler().label());
            assertEquals(255f, c.imgRange(), "the window-7 JPEG models work on 0..255");
            assertEquals(2.0, c.mlpRatio());
            assertEquals("1conv", c.resiConnection());
        }
    }

    @Test
    void paramsEmaWrappedCheckpointIsUnwrapped() throws Exception {
        try (PickleCheckpoint pth = PickleCheckpoint.open(resource("nearest_x4.pth"))) {
            assertFalse(SwinIR.matches(pth.keys()), "the weights sit under params_ema");
            TensorSource sd = SwinIR.unwrap(pth);
            assertTrue(SwinIR.matches(sd.keys()));
            assertTrue(sd.describe().contains("params_ema"), sd.describe());
            try (SwinIR net = SwinIR.load(sd)) {
                assertEquals(CONFIGS.get("nearest_x4"), net.config());
                assertForward("nearest_x4", net);
            }
        }
    }

    @Test
    void prefixedKeysAreUnwrapped() throws Exception {
        Map<String, MapTensorSource.Entry> entries = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(resource("ps_x2.safetensors"))) {
            for (String k : f.keys()) {
                entries.put("params." + "module." + k, new MapTensorSource.Entry(f.info(k).shape(), f.loadFloats(k)));
            }
        }
        TensorSource wrapped = new MapTensorSource(entries, "wrapped.safetensors");
        assertFalse(SwinIR.matches(wrapped.keys()));
        TensorSource sd = SwinIR.unwrap(wrapped);
        assertTrue(SwinIR.matches(sd.keys()));
        try (SwinIR net = SwinIR.load(sd)) {
            assertForward("ps_x2", net);
        }
        TensorSource esrgan = new MapTensorSource(Map.of("model.0.weight",
                new MapTensorSource.Entry(new long[] {1}, new float[1])), "RRDB_ESRGAN_x4.pth");
        assertEquals(Set.of("model.0.weight"), SwinIR.unwrap(esrgan).keys(),
                "model.N is the original ESRGAN layout's own name, not a wrapper");
        TensorSource plain = new MapTensorSource(Map.of(), "empty");
        assertEquals(plain, SwinIR.unwrap(plain), "an unwrapped source is returned as is");
    }

    private static Map<String, MapTensorSource.Entry> entries(String name) throws Exception {
        Map<String, MapTensorSource.Entry> e = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(resource(name + ".safetensors"))) {
            for (String k : f.keys()) {
                e.put(k, new MapTensorSource.Entry(f.info(k).shape(), f.loadFloats(k)));
            }
        }
        return e;
    }

    private static String loadError(Map<String, MapTensorSource.Entry> e) {
        TensorSource src = new MapTensorSource(e, "models/upscale_models/broken.pth");
        return assertThrows(ModelFormatException.class, () -> SwinIR.load(src).close()).getMessage();
    }

    @Test
    void aMissingKeyIsAnErrorNamingTheKeyAndTheFile() throws Exception {
        Map<String, MapTensorSource.Entry> e = entries("ps_x4");
        e.remove("layers.1.residual_group.blocks.1.mlp.fc2.bias");
        String msg = loadError(e);
        assertTrue(msg.contains("models/upscale_models/broken.pth"), msg);
        assertTrue(msg.contains("missing layers.1.residual_group.blocks.1.mlp.fc2.bias [12]"), msg);

        e = entries("ps_x4");
        e.remove("conv_after_body.0.weight");
        e.remove("conv_after_body.0.bias");
        msg = loadError(e);
        assertTrue(msg.contains("broken.pth") && msg.contains("conv_after_body"), msg);

        e = entries("ps_x2");
        e.remove("conv_first.weight");
        msg = loadError(e);
        assertTrue(msg.contains("broken.pth") && msg.contains("'conv_first.weight'"), msg);
    }

    @Test
    void aMisshapenOrUnexpectedKeyIsAnErrorNamingTheKeyAndTheFile() throws Exception {
        Map<String, MapTensorSource.Entry> e = entries("ps_x2");
        e.put("layers.0.residual_group.blocks.1.attn.proj.weight",
                new MapTensorSource.Entry(new long[] {12, 11}, new float[12 * 11]));
        String msg = loadError(e);
        assertTrue(msg.contains("broken.pth"), msg);
        assertTrue(msg.contains("layers.0.residual_group.blocks.1.attn.proj.weight has shape [12, 11], expected [12, 12]"),
                msg);

        e = entries("ps_x2");
        e.put("absolute_pos_embed", new MapTensorSource.Entry(new long[] {1, 64, 12}, new float[64 * 12]));
        msg = loadError(e);
        assertTrue(msg.contains("unexpected absolute_pos_embed [1, 64, 12]"), msg);

        e = entries("ps_x2");
        e.put("layers.1.residual_group.blocks.0.attn.relative_position_bias_table",
                new MapTensorSource.Entry(new long[] {25, 2}, new float[50]));
        msg = loadError(e);
        assertTrue(msg.contains("broken.pth") && msg.contains(
                "layers.1.residual_group.blocks.0.attn.relative_position_bias_table has shape [25, 2], expected [49, 2]"), msg);

        e = entries("ps_x2");
        float[] index = e.get("layers.0.residual_group.blocks.0.attn.relative_position_index").data();
        index[5] = 49;
        msg = loadError(e);
        assertTrue(msg.contains("broken.pth") && msg.contains("relative_position_index holds 49.0"), msg);

        e = entries("direct_x4");
        e.put("upsample.0.weight", new MapTensorSource.Entry(new long[] {47, 12, 3, 3}, new float[47 * 12 * 9]));
        msg = loadError(e);
        assertTrue(msg.contains("broken.pth") && msg.contains("upsample.0.weight has 47 output channels"), msg);
    }

    @Test
    void otherVariantsAreRefusedClearly() throws Exception {
        Map<String, MapTensorSource.Entry> e = entries("ps_x2");
        MapTensorSource.Entry first = e.remove("conv_first.weight");
        e.put("conv_first.weight", new MapTensorSource.Entry(new long[] {12, 1, 3, 3}, new float[12 * 9]));
        String msg = loadError(e);
        assertTrue(msg.contains("1-channel") && msg.contains("broken.pth"), msg);

        e = entries("ps_x2");
        e.put("conv_first.1.weight", e.remove("conv_first.weight"));
        e.put("conv_first.1.bias", e.remove("conv_first.bias"));
        assertTrue(SwinIR.matches(e.keySet()));
        msg = loadError(e);
        assertTrue(msg.contains("pixel-unshuffles"), msg);
        assertEquals(12, first.shape()[0]);
    }

    @Test
    void architecturesBuiltOnSwinIrsLayoutAreNotTakenForIt() throws Exception {
        Map<String, MapTensorSource.Entry> e = entries("ps_x2");
        assertTrue(SwinIR.matches(e.keySet()));
        java.util.Set<String> swin2sr = new java.util.HashSet<>(e.keySet());
        swin2sr.add("patch_embed.proj.weight");
        assertFalse(SwinIR.matches(swin2sr), "Swin2SR");
        java.util.Set<String> hat = new java.util.HashSet<>(e.keySet());
        hat.add("relative_position_index_SA");
        hat.add("layers.0.residual_group.blocks.0.conv_block.cab.0.weight");
        assertFalse(SwinIR.matches(hat), "HAT");
        // a SwinIR file that lost keys still matches, so that loading names what is missing
        e.remove("layers.0.residual_group.blocks.0.attn.relative_position_index");
        assertTrue(SwinIR.matches(e.keySet()));
        String msg = loadError(e);
        assertTrue(msg.contains("missing layers.0.residual_group.blocks.0.attn.relative_position_index [16, 16]"),
                msg);
        Map<String, MapTensorSource.Entry> fragment = Map.of("layers.0.residual_group.blocks.0.norm1.weight",
                new MapTensorSource.Entry(new long[] {4}, new float[4]));
        assertTrue(SwinIR.matches(fragment.keySet()));
        msg = loadError(fragment);
        assertTrue(msg.contains("broken.pth") && msg.contains("'conv_first.weight' of a SwinIR network"), msg);
    }

    @Test
    void theFuzzSeedsAreAWorkingSwinIrAndANearMiss() throws Exception {
        String dir = "/dev/noodle/engine/upscale/UpscaleModelFuzzTestInputs/load/";
        Path ok = Path.of(SwinIRTest.class.getResource(dir + "swinir_x2.safetensors").toURI());
        try (UpscaleNet net = UpscaleModels.load(ok, ai.djl.Device.cpu()); NDManager m = NDManager.newBaseManager()) {
            assertEquals("SwinIR", net.architecture());
            assertEquals(2, net.scale());
            assertEquals(new Shape(1, 3, 10, 6), net.forward(m.ones(new Shape(1, 3, 5, 3)), m).getShape());
        }
        Path bad = Path.of(SwinIRTest.class.getResource(dir + "swinir_index_past_table.safetensors").toURI());
        String msg = assertThrows(ModelFormatException.class, () -> UpscaleModels.load(bad, ai.djl.Device.cpu()))
                .getMessage();
        assertTrue(msg.contains("swinir_index_past_table.safetensors") && msg.contains("relative_position_index"),
                msg);
    }

    @Test
    void forwardFreesItsIntermediatesAndLeavesTheWeightsAlone() throws Exception {
        try (SafetensorsFile f = SafetensorsFile.open(resource("ps_x4.safetensors"));
                NDManager parent = NDManager.newBaseManager();
                SwinIR net = SwinIR.load(f, parent);
                NDManager m = NDManager.newBaseManager()) {
            NDArray in = io.load("ps_x4.in", m, DataType.FLOAT32);
            net.forward(in, m).close();
            long before = liveArrays();
            int mine = m.getManagedArrays().size();
            for (int i = 0; i < 3; i++) {
                NDArray out = net.forward(in, m);
                assertEquals(mine + 1, m.getManagedArrays().size(), "only the result stays with the caller");
                out.close();
            }
            assertEquals(before, liveArrays(), "arrays left alive by 3 forwards");
            assertTrue(net.sizeBytes() > 0);
        }
    }

    private static long liveArrays() {
        try (NDManager probe = NDManager.newBaseManager()) {
            return ((BaseNDManager) probe.getParentManager()).getManagedArrays().stream()
                    .filter(a -> !a.isReleased()).count();
        }
    }

    @Test
    void reflectPaddingAndRollAsTorch() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.arange(0f, 12f).reshape(1, 1, 3, 4);
            // torch: F.pad(x, (0, 2, 0, 2), mode="reflect")
            float[] padded = SwinIR.padReflect(x, 2, 2).toFloatArray();
            assertArrayEquals(new float[] {0, 1, 2, 3, 2, 1, 4, 5, 6, 7, 6, 5, 8, 9, 10, 11, 10, 9, 4, 5, 6, 7, 6, 5,
                0, 1, 2, 3, 2, 1}, padded);
            // a pad wider than the side bounces back: rows 0 1 2 | 1 0 1 2 1
            NDArray col = m.arange(0f, 3f).reshape(1, 1, 3, 1);
            assertArrayEquals(new float[] {0, 1, 2, 1, 0, 1, 2, 1}, SwinIR.padReflect(col, 5, 0).toFloatArray());
            NDArray y = m.arange(0f, 9f).reshape(1, 3, 3, 1);
            // torch.roll(y, shifts=(-1, -1), dims=(1, 2))
            assertArrayEquals(new float[] {4, 5, 3, 7, 8, 6, 1, 2, 0}, SwinIR.roll(y, -1).toFloatArray());
            assertArrayEquals(y.toFloatArray(), SwinIR.roll(SwinIR.roll(y, -1), 1).toFloatArray());
        }
    }
}
