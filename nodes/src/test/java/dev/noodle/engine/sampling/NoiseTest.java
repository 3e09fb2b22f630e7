package dev.noodle.engine.sampling;

import static dev.noodle.engine.sampling.Fixtures.assertClose;
import static dev.noodle.engine.sampling.Fixtures.floats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** Torch CPU noise, the seeded stream, prepare_noise batch indices and Philox. */
class NoiseTest {
    private static final JsonNode REF = Fixtures.load("noise.json");
    private static final Shape ODD = new Shape(1, 4, 3, 5); // 60 values: not a multiple of 16

    @Test
    void randnMatchesTorch() {
        try (NDManager m = NDManager.newBaseManager()) {
            assertClose(
                    floats(REF.get("randn_seed0_1x4x3x5")),
                    TorchRng.randn(0, ODD, m).toFloatArray(),
                    1e-6,
                    1e-6,
                    "randn");
        }
    }

    @Test
    void streamContinuesOneGenerator() {
        TorchCpuNoise stream = new TorchCpuNoise(5);
        try (NDManager m = NDManager.newBaseManager()) {
            for (int k = 0; k < 3; k++) {
                assertClose(
                        floats(REF.get("stream_seed5_1x4x3x5_x3").get(k)),
                        stream.next(1f, 0.5f, ODD, m).toFloatArray(),
                        1e-6,
                        1e-6,
                        "draw " + k);
            }
        }
        assertEquals(6, TorchCpuNoise.comfyAncestral(5).seed(), "ComfyUI CPU ancestral seed is seed+1");
    }

    @Test
    void prepareNoiseWithBatchIndex() {
        try (NDManager m = NDManager.newBaseManager()) {
            Shape shape = new Shape(2, 4, 2, 2);
            assertClose(
                    floats(REF.get("prepare_seed77_idx2_0")),
                    TorchRng.prepareNoise(77, shape, new int[] {2, 0}, m).toFloatArray(),
                    1e-6,
                    1e-6,
                    "batch_index");
            assertThrows(
                    IllegalArgumentException.class,
                    () -> TorchRng.prepareNoise(77, shape, new int[] {1}, m));
        }
    }

    @Test
    void philoxMatchesNumpyAndA1111() {
        PhiloxNoise p = new PhiloxNoise(0);
        float[] first = p.nextFloats(12);
        assertClose(floats(REF.get("philox_seed0_off0_12")), first, 1e-6, 1e-7, "philox numpy");
        // AUTOMATIC1111 stable-diffusion-webui modules/rng_philox.py docstring: Generator(seed=0)
        // .randn(shape=(3, 4)); also aagdev/mlimgsynth src/test_rng.c (seed 0, offset 0, n 12).
        float[] a1111 = {
            -0.92466259f, -0.42534415f, -2.6438457f, 0.14518388f, -0.12086647f, -0.57972564f,
            -0.62285122f, -0.32838709f, -1.07454231f, -0.36314407f, -1.67105067f, 2.26550497f
        };
        assertClose(a1111, first, 0, 1e-6, "philox A1111");
        assertEquals(1, p.offset());
        PhiloxNoise q = new PhiloxNoise(12345678901L);
        q.nextFloats(3);
        assertClose(
                floats(REF.get("philox_seed12345678901_off1_20")),
                q.nextFloats(20),
                1e-6,
                1e-7,
                "philox high seed, offset 1");
    }
}
