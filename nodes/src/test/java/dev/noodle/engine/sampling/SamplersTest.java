package dev.noodle.engine.sampling;

import static dev.noodle.engine.sampling.Fixtures.assertClose;
import static dev.noodle.engine.sampling.Fixtures.floats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Every sampler on an analytic toy denoiser against the independent python reference. */
class SamplersTest {
    private static final JsonNode REF = Fixtures.load("samplers.json");
    private static final Shape SHAPE = new Shape(2, 4, 4, 4);
    private static final double A = 0.8;

    /** D(x, σ) = x·a/(σ²+a) + 0.05·sin(x)·σ/(1+σ): posterior mean of N(0, a) data plus a bend. */
    static final Denoiser TOY =
            (x, sigma, scope) -> {
                double s = sigma;
                NDArray lin = x.mul((float) (A / (s * s + A)));
                return lin.add(x.sin().mul((float) (0.05 * s / (1.0 + s))));
            };

    private static NDArray start(NDManager m, float[] sigmas) {
        float[] init = floats(REF.get("init_noise"));
        float scale = (float) Math.sqrt(1 + (double) sigmas[0] * sigmas[0]);
        return m.create(init, SHAPE).mul(scale);
    }

    @Test
    void everySamplerMatchesReference() {
        float[] sigmas = floats(REF.get("sigmas"));
        long seed = REF.get("seed").asLong();
        int checked = 0;
        for (SamplerKind kind : SamplerKind.values()) {
            if (!REF.has(kind.comfyName())) {
                continue; // later samplers have their own fixture (SamplersMultistepTest)
            }
            checked++;
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray x = start(m, sigmas);
                NoiseSource noise = NoiseSources.comfyCpu(kind, seed, sigmas);
                NDArray out = Samplers.sample(kind, TOY, x, sigmas, noise, null, null);
                assertClose(
                        floats(REF.get(kind.comfyName())),
                        out.toFloatArray(),
                        2e-4,
                        2e-4,
                        kind.comfyName());
            }
        }
        assertEquals(15, checked, "every sampler of samplers.json was checked");
    }

    @Test
    void initialNoiseIsTorchRandn() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray n = TorchRng.prepareNoise(REF.get("seed").asLong(), SHAPE, null, m);
            assertClose(floats(REF.get("init_noise")), n.toFloatArray(), 1e-6, 1e-6, "init noise");
        }
    }

    @Test
    void callbackSeesEveryStepAndNoArraysLeak() {
        float[] sigmas = floats(REF.get("sigmas"));
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = start(m, sigmas);
            int before = m.getManagedArrays().size();
            List<Float> seen = new ArrayList<>();
            NDArray out =
                    Samplers.sample(
                            SamplerKind.DPMPP_2M,
                            TOY,
                            x,
                            sigmas,
                            null,
                            (i, total, s, xi, den) -> {
                                assertEquals(sigmas.length - 1, total);
                                assertEquals(SHAPE, den.getShape());
                                seen.add(s);
                            },
                            null);
            assertEquals(sigmas.length - 1, seen.size());
            assertEquals(sigmas[2], seen.get(2));
            // only the result is new in the caller's manager (plus the run sub-manager is closed)
            assertEquals(before + 1, m.getManagedArrays().size(), "temporaries leaked");
            assertEquals(SHAPE, out.getShape());
        }
    }

    @Test
    void cancellationStopsBeforeAStep() {
        float[] sigmas = floats(REF.get("sigmas"));
        AtomicInteger calls = new AtomicInteger();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = start(m, sigmas);
            int before = m.getManagedArrays().size();
            Denoiser counting =
                    (xi, s, scope) -> {
                        calls.incrementAndGet();
                        return TOY.denoise(xi, s, scope);
                    };
            SamplingCancelledException e =
                    assertThrows(
                            SamplingCancelledException.class,
                            () ->
                                    Samplers.sample(
                                            SamplerKind.EULER,
                                            counting,
                                            x,
                                            sigmas,
                                            null,
                                            null,
                                            () -> calls.get() >= 2));
            assertEquals(2, e.step());
            assertEquals(2, calls.get());
            assertEquals(before, m.getManagedArrays().size(), "input survives, temporaries closed");
        }
    }

    @Test
    void noiseScalingAtFullAndPartialDenoise() {
        ModelSampling ms = ModelSampling.sd15();
        float[] full = Schedules.normal(ms, 4);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray noise = m.ones(new Shape(1, 1, 1, 2));
            NDArray latent = m.create(new float[] {1f, 2f}, new Shape(1, 1, 1, 2));
            float[] a = ms.noiseScaling(full[0], noise, latent, ms.isMaxDenoise(full)).toFloatArray();
            double s = Math.sqrt(1 + (double) full[0] * full[0]);
            assertClose(new float[] {(float) (s + 1), (float) (s + 2)}, a, 1e-6, 0, "max denoise");
            float[] b = ms.noiseScaling(2f, noise, latent, false).toFloatArray();
            assertClose(new float[] {3f, 4f}, b, 1e-6, 0, "partial");
        }
    }

    @Test
    void rejectsBadSchedules() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.zeros(SHAPE);
            assertThrows(
                    IllegalArgumentException.class,
                    () -> Samplers.sample(SamplerKind.EULER, TOY, x, new float[] {1f, Float.NaN}, null, null, null));
            NDArray flat = m.zeros(new Shape(4, 4));
            assertThrows(
                    IllegalArgumentException.class,
                    () -> Samplers.sample(SamplerKind.EULER, TOY, flat, new float[] {1f, 0f}, null, null, null));
        }
    }
}
