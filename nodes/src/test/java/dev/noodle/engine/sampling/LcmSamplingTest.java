package dev.noodle.engine.sampling;

import static dev.noodle.engine.sampling.Fixtures.assertClose;
import static dev.noodle.engine.sampling.Fixtures.floats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/**
 * LCM checkpoints and LCM-LoRA (ModelSamplingDiscrete sampling = lcm) and x0 models, against the independent numpy
 * reference {@code nodes/src/test/python/lcm_reference.py}.
 */
class LcmSamplingTest {
    private static final JsonNode REF = Fixtures.load("lcm.json");
    private final ModelSampling lcm =
            ModelSampling.discrete(0.00085, 0.012, 1000, PredictionType.LCM, false).distilled(50);

    @Test
    void theDistilledTableKeepsFiftyTimestepsEndingAtTheLast() {
        assertEquals(50, lcm.numTimesteps());
        assertEquals(20, lcm.skip());
        assertEquals(REF.get("sigma_min").asDouble(), lcm.sigmaMin(), 1e-6);
        assertEquals(REF.get("sigma_max").asDouble(), lcm.sigmaMax(), 1e-5);
        float[] every10 = new float[5];
        for (int i = 0; i < 5; i++) {
            every10[i] = lcm.sigmaAt(i * 10);
        }
        assertClose(floats(REF.get("kept_every_10")), every10, 1e-6, 0, "kept sigmas");
    }

    @Test
    void timestepsMapToAndFromTheKeptTrainingSteps() {
        float[] probes = floats(REF.get("probe_sigmas"));
        for (int i = 0; i < probes.length; i++) {
            assertEquals(REF.get("timesteps").get(i).asInt(), lcm.timestep(probes[i]), "timestep(" + probes[i] + ")");
        }
        float[] ts = floats(REF.get("probe_t"));
        float[] got = new float[ts.length];
        for (int i = 0; i < ts.length; i++) {
            got[i] = lcm.sigma(ts[i]);
        }
        assertClose(floats(REF.get("sigmas_at_t")), got, 2e-6, 0, "sigma(t)");
    }

    @Test
    void denoisedFollowsTheConsistencyBoundaryCondition() {
        float[] x = floats(REF.get("x"));
        float[] out = floats(REF.get("out"));
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray xa = m.create(x);
            NDArray oa = m.create(out);
            float[] probes = floats(REF.get("probe_sigmas"));
            for (int i = 0; i < probes.length; i++) {
                float s = probes[i];
                JsonNode exp = REF.get("denoised").get(i);
                float[] got = lcm.calculateDenoised(s, oa, xa).toFloatArray();
                assertClose(floats(exp), got, 1e-5, 1e-6, "lcm denoised at sigma " + s);
            }
        }
    }

    @Test
    void x0ModelsReturnTheirOutputAndLcmCannotBeDistilledTwice() {
        ModelSampling x0 = ModelSampling.sd15().withPrediction(PredictionType.X0);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray out = m.create(new float[] {0.5f, -2f});
            assertClose(new float[] {0.5f, -2f},
                    x0.calculateDenoised(3f, out, m.create(new float[] {9f, 9f})).toFloatArray(), 0, 0, "x0");
        }
        assertThrows(IllegalStateException.class, () -> lcm.distilled(50));
    }
}
