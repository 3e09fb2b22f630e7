package dev.noodle.engine.vae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.noodle.engine.io.MapTensorSource;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.SafetensorsFile;
import dev.noodle.engine.io.TensorSource;
import dev.noodle.engine.runtime.Attention;
import dev.noodle.engine.runtime.ConvLayout;
import dev.noodle.engine.runtime.EngineOptions;
import dev.noodle.engine.runtime.GroupNorm;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Compares the VAE with an independent torch reference (nodes/src/test/python/make_vae_fixtures.py) of the tiny
 * config with real LDM key names; the decoder's mid attention is stored as linear [C, C] weights.
 */
class AutoencoderKLTest {
    private static SafetensorsFile fixture;
    private static NDManager manager;
    private static AutoencoderKL vae;

    @BeforeAll
    static void load() throws URISyntaxException {
        Path path = Path.of(AutoencoderKLTest.class.getResource("tiny_vae.safetensors").toURI());
        fixture = SafetensorsFile.open(path);
        manager = NDManager.newBaseManager();
        vae = AutoencoderKL.load(weightsOnly(fixture), VaeConfig.SD_SCALE, manager, EngineOptions.defaults());
    }

    @AfterAll
    static void close() {
        vae.close();
        manager.close();
        fixture.close();
    }

    /** The fixture file without its test.* entries, as a standalone VAE file would be. */
    private static TensorSource weightsOnly(TensorSource src) {
        Map<String, MapTensorSource.Entry> m = new LinkedHashMap<>();
        for (String k : src.keys()) {
            if (!k.startsWith("test.")) {
                m.put(k, new MapTensorSource.Entry(src.info(k).shape(), src.loadFloats(k)));
            }
        }
        return new MapTensorSource(m, "tiny_vae");
    }

    private static NDArray input(NDManager m, String key) {
        return fixture.load(key, m, DataType.FLOAT32);
    }

    private static void assertClose(float[] expected, NDArray actual, float tol) {
        float[] a = actual.toFloatArray();
        assertEquals(expected.length, a.length);
        float max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(expected[i] - a[i]));
        }
        assertTrue(max <= tol, "max abs diff " + max + " > " + tol);
    }

    @Test
    void infersTinyConfigFromKeys() {
        assertEquals(VaeConfig.tiny(), vae.config());
        assertEquals(8, vae.config().downscale());
    }

    @Test
    void decodeMatchesTorch() {
        try (NDManager m = manager.newSubManager()) {
            NDArray out = vae.decode(input(m, "test.latent"));
            assertArrayEquals(new long[] {1, 3, 80, 96}, out.getShape().getShape());
            assertClose(fixture.loadFloats("test.decoded"), out, 2e-4f);
        }
    }

    @Test
    void everyKernelChoiceDecodesTheSameAsTorch() {
        EngineOptions slow = EngineOptions.defaults().withAttention(Attention.Mode.FALLBACK)
                .withGroupNorm(GroupNorm.Mode.FALLBACK).withConvLayout(ConvLayout.NCHW);
        try (NDManager m = manager.newSubManager();
                AutoencoderKL plain = AutoencoderKL.load(weightsOnly(fixture), VaeConfig.SD_SCALE, m, slow)) {
            NDArray out = plain.decode(input(m, "test.latent"));
            assertClose(fixture.loadFloats("test.decoded"), out, 2e-4f);
        }
    }

    @Test
    void encodeMatchesTorchForABatch() {
        try (NDManager m = manager.newSubManager()) {
            NDArray out = vae.encode(input(m, "test.image"));
            assertArrayEquals(new long[] {2, 4, 6, 8}, out.getShape().getShape());
            assertClose(fixture.loadFloats("test.encoded"), out, 2e-5f);
        }
    }

    @Test
    void tiledDecodeMatchesComfyBlendingAndApproximatesFullDecode() {
        try (NDManager m = manager.newSubManager()) {
            NDArray tiled = vae.decodeTiled(input(m, "test.latent"), 6, 2);
            assertClose(fixture.loadFloats("test.decoded_tiled"), tiled, 2e-4f);
            float[] full = fixture.loadFloats("test.decoded");
            float[] t = tiled.toFloatArray();
            double mean = 0;
            for (int i = 0; i < t.length; i++) {
                mean += Math.abs(full[i] - t[i]);
            }
            mean /= t.length;
            assertTrue(mean < 0.06, "tiled decode differs from the full decode by " + mean + " on average");
        }
    }

    @Test
    void tiledEncodeMatchesComfyBlending() {
        try (NDManager m = manager.newSubManager()) {
            // first sample only, to keep the test short
            NDArray image = input(m, "test.image").get("0:1");
            NDArray tiled = vae.encodeTiled(image, 32, 8);
            float[] expected = fixture.loadFloats("test.encoded_tiled");
            assertClose(java.util.Arrays.copyOf(expected, expected.length / 2), tiled, 2e-5f);
        }
    }

    @Test
    void checkpointPrefixIsFound() {
        Map<String, MapTensorSource.Entry> m = new LinkedHashMap<>();
        TensorSource w = weightsOnly(fixture);
        for (String k : w.keys()) {
            m.put(AutoencoderKL.CHECKPOINT_PREFIX + k, new MapTensorSource.Entry(w.info(k).shape(), w.loadFloats(k)));
        }
        m.put("model.diffusion_model.out.2.bias", new MapTensorSource.Entry(new long[] {4}, new float[4]));
        TensorSource ckpt = new MapTensorSource(m, "ckpt");
        assertEquals(VaeConfig.tiny(), VaeConfig.fromWeights(AutoencoderKL.vaeView(ckpt)));
    }

    @Test
    void parameterShapesMatchTheReferenceKeys() {
        Map<String, long[]> shapes = AutoencoderKL.parameterShapes(VaeConfig.tiny());
        TensorSource w = weightsOnly(fixture);
        assertEquals(w.keys(), shapes.keySet());
        assertArrayEquals(new long[] {64, 64, 1, 1}, shapes.get("decoder.mid.attn_1.q.weight"));
        // SD VAE: 83.65 M parameters
        long n = AutoencoderKL.parameterShapes(VaeConfig.sd()).values().stream()
                .mapToLong(s -> java.util.Arrays.stream(s).reduce(1, Math::multiplyExact))
                .sum();
        assertEquals(83_653_863L, n);
    }

    @Test
    void bindingNamesMissingUnexpectedAndMismatchedKeys() {
        TensorSource w = weightsOnly(fixture);
        Map<String, MapTensorSource.Entry> m = new LinkedHashMap<>();
        for (String k : w.keys()) {
            if (!k.equals("decoder.conv_out.bias")) {
                m.put(k, new MapTensorSource.Entry(w.info(k).shape(), w.loadFloats(k)));
            }
        }
        m.put("encoder.norm_out.weight", new MapTensorSource.Entry(new long[] {32}, new float[32]));
        m.put("decoder.extra.weight", new MapTensorSource.Entry(new long[] {2}, new float[2]));
        m.put("loss.logvar", new MapTensorSource.Entry(new long[] {}, new float[1]));
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> AutoencoderKL.load(new MapTensorSource(m, "bad.safetensors"), VaeConfig.tiny(), 0.18215f,
                        manager, EngineOptions.defaults()));
        String msg = e.getMessage();
        assertTrue(msg.startsWith("bad.safetensors"), msg);
        assertTrue(msg.contains("the VAE weights do not fit the expected layout (" + VaeConfig.tiny() + ")"), msg);
        assertTrue(msg.contains("1 missing keys: decoder.conv_out.bias [3]"), msg);
        assertTrue(msg.contains("1 unexpected keys: decoder.extra.weight [2]"), msg);
        assertTrue(msg.contains("1 shape mismatches: encoder.norm_out.weight: file has [32], expected [64]"), msg);
        assertTrue(!msg.contains("loss.logvar"), msg);
    }

    @Test
    void rejectsWrongInputShapes() {
        try (NDManager m = manager.newSubManager()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> vae.encode(m.zeros(new ai.djl.ndarray.types.Shape(1, 3, 30, 32))));
            assertTrue(e.getMessage().contains("multiple of 8"), e.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> vae.decode(m.zeros(new ai.djl.ndarray.types.Shape(1, 3, 4, 4))));
        }
    }
}
