package dev.noodle.engine.unet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.noodle.engine.io.SafetensorsFile;
import dev.noodle.engine.runtime.Attention;
import dev.noodle.engine.runtime.ConvLayout;
import dev.noodle.engine.runtime.EngineOptions;
import dev.noodle.engine.runtime.GroupNorm;
import dev.noodle.engine.runtime.Devices;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The tiny UNet fixture (weights and expected ε from the independent torch reference in
 * {@code src/test/python/unet_reference.py}) loads through the real binding and reproduces the reference numbers.
 */
class UNetModelTest {
    private static SafetensorsFile weightsFile;
    private static SafetensorsFile io;

    @BeforeAll
    static void open() throws URISyntaxException {
        weightsFile = SafetensorsFile.open(resource("tiny_unet.safetensors"));
        io = SafetensorsFile.open(resource("tiny_unet_io.safetensors"));
    }

    @AfterAll
    static void close() {
        weightsFile.close();
        io.close();
    }

    static Path resource(String name) throws URISyntaxException {
        return Path.of(UNetModelTest.class.getResource("/unet/" + name).toURI());
    }

    @Test
    void configIsInferredFromTheWeights() {
        assertEquals(UNetConfig.tiny(), UNetConfig.fromWeights(weightsFile));
    }

    @Test
    void forwardMatchesTorchReferenceWithBothAttentionPaths() {
        float[] expected = io.loadFloats("eps");
        try (NDManager m = NDManager.newBaseManager();
                UNetModel model = UNetModel.load(weightsFile, Devices.Target.cpu())) {
            NDArray x = io.load("x", m, DataType.FLOAT32);
            NDArray t = io.load("timesteps", m, DataType.FLOAT32);
            NDArray ctx = io.load("context", m, DataType.FLOAT32);
            for (Attention.Mode mode : Attention.Mode.values()) {
                try (NDManager step = m.newSubManager()) {
                    NDArray eps = model.forward(x, t, ctx, mode);
                    assertEquals(m, eps.getManager());
                    assertEquals(new ai.djl.ndarray.types.Shape(2, 4, 8, 8), eps.getShape());
                    assertClose(expected, eps.toFloatArray(), 1e-4, mode.name());
                    eps.attach(step);
                }
            }
        }
    }

    @Test
    void theTargetsKernelChoicesGiveTheSameNumbers() {
        float[] expected = io.loadFloats("eps");
        EngineOptions plain = EngineOptions.defaults().withAttention(Attention.Mode.FALLBACK)
                .withGroupNorm(GroupNorm.Mode.FALLBACK).withConvLayout(ConvLayout.NCHW);
        try (NDManager m = NDManager.newBaseManager();
                UNetModel model = UNetModel.load(weightsFile, Devices.Target.cpu(plain))) {
            assertEquals(plain, model.weights().options());
            NDArray eps = model.forward(io.load("x", m, DataType.FLOAT32), io.load("timesteps", m, DataType.FLOAT32),
                    io.load("context", m, DataType.FLOAT32));
            assertClose(expected, eps.toFloatArray(), 1e-4, "fallback kernels, NCHW");
        }
    }

    @Test
    void patchedWeightsShareTheRestAndLeaveTheBaseIntact() {
        float[] expected = io.loadFloats("eps");
        try (NDManager m = NDManager.newBaseManager();
                UNetModel model = UNetModel.load(weightsFile, Devices.Target.cpu())) {
            NDArray x = io.load("x", m, DataType.FLOAT32);
            NDArray t = io.load("timesteps", m, DataType.FLOAT32);
            NDArray ctx = io.load("context", m, DataType.FLOAT32);
            NDArray base = model.weights().get("out.2.bias");
            try (NDManager patch = NDManager.newBaseManager();
                    UNetModel patched = model.withWeights(
                            // the fixture is fp16, stored as fp16 on the CPU: a float32 replacement is used as is
                            model.weights().patched(Map.of("out.2.bias", base.toType(DataType.FLOAT32, false)
                                    .add(1f).toDevice(base.getDevice(), false)), patch))) {
                assertTrue(patched.weights().get("out.0.weight") == model.weights().get("out.0.weight"));
                float[] shifted = patched.forward(x, t, ctx).toFloatArray();
                for (int i = 0; i < expected.length; i++) {
                    expected[i] += 1f;
                }
                assertClose(expected, shifted, 1e-4, "patched");
            }
            assertFalse(base.isReleased());
            assertClose(io.loadFloats("eps"), model.forward(x, t, ctx).toFloatArray(), 1e-4, "base after patch");
        }
    }

    @Test
    void timestepEmbeddingMatchesLdm() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray t = io.load("temb_t", m, DataType.FLOAT32);
            for (int dim : new int[] {7, 32, 320}) {
                NDArray e = TimestepEmbedding.sinusoidal(t, dim);
                assertEquals(new ai.djl.ndarray.types.Shape(4, dim), e.getShape());
                assertClose(io.loadFloats("temb_" + dim), e.toFloatArray(), 1e-4, "dim " + dim);
            }
            // t = 0: cos(0) = 1 for the first half, sin(0) = 0 for the second (cos first, as LDM)
            float[] zero = TimestepEmbedding.sinusoidal(m.create(new float[] {0f}), 8).toFloatArray();
            assertEquals(1f, zero[0]);
            assertEquals(1f, zero[3]);
            assertEquals(0f, zero[4]);
        }
    }

    /** |a − e| ≤ tol·(1 + max|e|) element-wise, reporting the worst index. */
    static void assertClose(float[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        double scale = 0;
        for (float v : expected) {
            scale = Math.max(scale, Math.abs(v));
        }
        double worst = 0;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs(expected[i] - actual[i]);
            if (d > worst) {
                worst = d;
                at = i;
            }
        }
        assertTrue(worst <= tol * (1 + scale), what + ": max difference " + worst + " at " + at + " (expected "
                + (at >= 0 ? expected[at] : 0) + ", got " + (at >= 0 ? actual[at] : 0) + ")");
    }
}
