package dev.noodle.engine.sampling;

import static dev.noodle.engine.sampling.Fixtures.assertClose;
import static dev.noodle.engine.sampling.Fixtures.floats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The further deterministic samplers (Heun++, DPM-Solver-fast, iPNDM, iPNDM-v, DEIS, RES multistep, gradient
 * estimation, UniPC bh1/bh2) on SamplersTest's toy problem against
 * nodes/src/test/python/sampling_reference_multistep.py.
 */
class SamplersMultistepTest {
    private static final JsonNode BASE = Fixtures.load("samplers.json");
    private static final JsonNode REF = Fixtures.load("samplers_multistep.json");
    private static final JsonNode EXTRA = Fixtures.load("samplers_extra.json");
    private static final JsonNode OPTIONS = Fixtures.load("samplers_options.json");
    private static final Shape SHAPE = new Shape(2, 4, 4, 4);
    private static final Set<SamplerKind> MULTISTEP =
            Set.of(
                    SamplerKind.HEUNPP2,
                    SamplerKind.DPM_FAST,
                    SamplerKind.IPNDM,
                    SamplerKind.IPNDM_V,
                    SamplerKind.DEIS,
                    SamplerKind.RES_MULTISTEP,
                    SamplerKind.GRADIENT_ESTIMATION,
                    SamplerKind.UNI_PC,
                    SamplerKind.UNI_PC_BH2);

    private static NDArray start(NDManager m, float[] sigmas) {
        float[] init = floats(BASE.get("init_noise"));
        float scale = (float) Math.sqrt(1 + (double) sigmas[0] * sigmas[0]);
        return m.create(init, SHAPE).mul(scale);
    }

    @Test
    void fixtureSharesTheToyProblem() {
        assertArrayEquals(floats(BASE.get("sigmas")), floats(REF.get("sigmas")));
    }

    @Test
    void eachMultistepSamplerMatchesReference() {
        float[] sigmas = floats(BASE.get("sigmas"));
        for (SamplerKind kind : MULTISTEP) {
            assertEquals(SamplerKind.NoiseUse.NONE, kind.noiseUse(), kind.comfyName());
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray x = start(m, sigmas);
                NDArray out = Samplers.sample(kind, SamplersTest.TOY, x, sigmas, null, null, null);
                assertClose(
                        floats(REF.get(kind.comfyName())),
                        out.toFloatArray(),
                        2e-4,
                        2e-4,
                        kind.comfyName());
            }
        }
    }

    @Test
    void everySamplerHasAReference() {
        for (SamplerKind kind : SamplerKind.values()) {
            assertTrue(
                    BASE.has(kind.comfyName()) || REF.has(kind.comfyName()) || EXTRA.has(kind.comfyName())
                            || OPTIONS.has(kind.comfyName()),
                    "no reference values for " + kind.comfyName());
        }
    }

    @Test
    void namesAndOrderFollowComfyUi() {
        for (SamplerKind kind : MULTISTEP) {
            assertEquals(kind, SamplerKind.fromComfyName(kind.comfyName()));
        }
        // the full KSampler order is checked in SamplersExtraTest.namesAndOrderFollowComfyUi
        // KSampler.DISCARD_PENULTIMATE_SIGMA_SAMPLERS
        for (SamplerKind kind : SamplerKind.values()) {
            assertEquals(
                    Set.of("dpm_2", "dpm_2_ancestral", "uni_pc", "uni_pc_bh2").contains(kind.comfyName()),
                    kind.discardsPenultimateSigma(),
                    kind.comfyName());
        }
    }

    @Test
    void uniPcCallsTheModelOncePerStep() {
        float[] sigmas = floats(BASE.get("sigmas"));
        for (SamplerKind kind : List.of(SamplerKind.UNI_PC, SamplerKind.UNI_PC_BH2)) {
            for (int steps = 1; steps < sigmas.length; steps++) {
                float[] tail = java.util.Arrays.copyOfRange(sigmas, sigmas.length - 1 - steps, sigmas.length);
                int[] calls = {0};
                try (NDManager m = NDManager.newBaseManager()) {
                    NDArray out =
                            Samplers.sample(
                                    kind,
                                    (xi, s, scope) -> {
                                        calls[0]++;
                                        return SamplersTest.TOY.denoise(xi, s, scope);
                                    },
                                    start(m, sigmas),
                                    tail,
                                    null,
                                    null,
                                    null);
                    assertEquals(steps, calls[0], kind.comfyName() + " with " + steps + " steps");
                    assertTrue(Float.isFinite(out.sum().getFloat()));
                }
            }
        }
    }

    @Test
    void dpmFastSpendsOneModelCallPerScheduleStep() {
        assertArrayEquals(new int[] {1}, DpmFastSampler.orders(1));
        assertArrayEquals(new int[] {2}, DpmFastSampler.orders(2));
        assertArrayEquals(new int[] {2, 1}, DpmFastSampler.orders(3));
        assertArrayEquals(new int[] {3, 2, 1}, DpmFastSampler.orders(6));
        assertArrayEquals(new int[] {3, 3, 1}, DpmFastSampler.orders(7));
        float[] sigmas = floats(BASE.get("sigmas"));
        for (int steps = 1; steps < sigmas.length; steps++) {
            float[] tail = java.util.Arrays.copyOfRange(sigmas, sigmas.length - 1 - steps, sigmas.length);
            int[] calls = {0};
            List<Float> seen = new ArrayList<>();
            try (NDManager m = NDManager.newBaseManager()) {
                Samplers.sample(
                        SamplerKind.DPM_FAST,
                        (xi, s, scope) -> {
                            calls[0]++;
                            return SamplersTest.TOY.denoise(xi, s, scope);
                        },
                        start(m, sigmas),
                        tail,
                        null,
                        (i, total, s, xi, den) -> seen.add(s),
                        null);
            }
            assertEquals(steps, calls[0], "model calls for " + steps + " steps");
            assertEquals(DpmFastSampler.orders(steps).length, seen.size());
            assertEquals(tail[0], seen.get(0), 1e-4 * tail[0], "first step at sigma_max");
        }
    }

    @Test
    void smallLinearSolve() {
        double[][] a = {{0, 2, 1}, {1, 1, 1}, {4, 0, 3}}; // row swaps needed
        double[] x = UniPcSampler.solve(a, new double[] {5, 5, 13}, 3);
        assertArrayEquals(new double[] {1, 1, 3}, x, 1e-12);
        assertArrayEquals(new double[] {0.5, 2.5}, UniPcSampler.solve(a, new double[] {5, 3, 0}, 2), 1e-12);
    }

    @Test
    void ipndmVWeightsReduceToAdamsBashforthOnAUniformGrid() {
        float[] uniform = {10f, 9f, 8f, 7f, 6f, 5f};
        assertArrayEquals(new double[] {1.5, -0.5}, MultistepSamplers.ipndmVWeights(uniform, 3, 2), 1e-12);
        assertArrayEquals(
                new double[] {23 / 12.0, -16 / 12.0, 5 / 12.0},
                MultistepSamplers.ipndmVWeights(uniform, 3, 3),
                1e-12);
        // the published fourth-order weights are consistent (sum to 1) but are not AB4's
        double sum = 0;
        for (double w : MultistepSamplers.ipndmVWeights(uniform, 3, 4)) {
            sum += w;
        }
        assertEquals(1.0, sum, 1e-12);
    }

    @Test
    void deisFirstAndLastStepsAreEuler() {
        float[] sigmas = floats(BASE.get("sigmas"));
        double[][] c = MultistepSamplers.deisCoefficients(sigmas, 3);
        assertNull(c[0], "first step has no history");
        assertNull(c[sigmas.length - 2], "the step into sigma 0 is an Euler step");
        assertEquals(2, c[1].length);
        assertEquals(3, c[2].length);
    }

    @Test
    void callbackSeesEveryStepAndNoArraysLeak() {
        float[] sigmas = floats(BASE.get("sigmas"));
        for (SamplerKind kind : MULTISTEP) {
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray x = start(m, sigmas);
                int before = m.getManagedArrays().size();
                List<Float> seen = new ArrayList<>();
                NDArray out =
                        Samplers.sample(
                                kind,
                                SamplersTest.TOY,
                                x,
                                sigmas,
                                null,
                                (i, total, s, xi, den) -> seen.add(s),
                                null);
                int steps = sigmas.length - 1;
                int expected = kind == SamplerKind.DPM_FAST ? DpmFastSampler.orders(steps).length : steps;
                assertEquals(expected, seen.size(), kind.comfyName());
                assertEquals(before + 1, m.getManagedArrays().size(), kind.comfyName() + " leaked");
                assertEquals(SHAPE, out.getShape());
            }
        }
    }
}
