package dev.noodle.engine.sampling;

import static dev.noodle.engine.sampling.Fixtures.assertClose;
import static dev.noodle.engine.sampling.Fixtures.floats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The continuous schedules (EDM, continuous V, Cosmos) — σ tables, timesteps, every scheduler, the denoiser
 * scalings and guided sampling runs of an EDM v-prediction model — against nodes/src/test/python/edm_reference.py.
 */
class EdmSamplingTest {
    private static final JsonNode REF = Fixtures.load("edm.json");

    /** The fixture's configurations, built as the nodes and the cosxl loader build them. */
    static final Map<String, ModelSampling> CONFIGS = Map.of(
            "edm_v", ModelSampling.continuous(ModelSampling.Schedule.EDM, PredictionType.V_PREDICTION, 0.002, 120,
                    1),
            "edm_edm", ModelSampling.continuous(ModelSampling.Schedule.EDM, PredictionType.EDM, 0.002, 80, 0.5),
            "cont_v", ModelSampling.continuous(ModelSampling.Schedule.CONTINUOUS_V, PredictionType.V_PREDICTION,
                    0.03, 500, 1),
            "cosmos", ModelSampling.continuous(ModelSampling.Schedule.COSMOS_RFLOW, PredictionType.COSMOS_RFLOW,
                    0.002, 80, 1));

    @Test
    void tablesTimestepsAndSigmasMatch() {
        float[] probesSigma = floats(REF.get("probes_sigma"));
        float[] probesT = floats(REF.get("probes_t"));
        CONFIGS.forEach((name, ms) -> {
            JsonNode c = REF.get("configs").get(name);
            assertEquals(1000, ms.numTimesteps(), name);
            c.get("table_at").properties().forEach(e -> assertClose(new float[] {(float) e.getValue().asDouble()},
                    new float[] {ms.sigmaAt(Integer.parseInt(e.getKey()))}, 2e-6, 0, name + " table " + e.getKey()));
            float[] ts = new float[probesSigma.length];
            for (int i = 0; i < ts.length; i++) {
                ts[i] = ms.timestep(probesSigma[i]);
            }
            assertClose(floats(c.get("timestep")), ts, 2e-6, 1e-7, name + " timestep");
            float[] want = floats(c.get("sigma"));
            float[] got = new float[want.length];
            int k = 0;
            for (float t : probesT) {
                if (ms.schedule() == ModelSampling.Schedule.COSMOS_RFLOW && t < 0) {
                    continue;
                }
                got[k++] = ms.sigma(t);
            }
            assertClose(want, got, 2e-6, 0, name + " sigma(t)");
            float[] pts = new float[REF.get("percents").size()];
            for (int i = 0; i < pts.length; i++) {
                pts[i] = ms.percentToSigma(REF.get("percents").get(i).asDouble());
            }
            assertClose(floats(c.get("percent_to_sigma")), pts, 2e-6, 0, name + " percent_to_sigma");
        });
    }

    @Test
    void everySchedulerMatchesOnEveryContinuousSchedule() {
        CONFIGS.forEach((name, ms) -> {
            // tan near π/2 magnifies one float32 ulp of the timestep to ~5e-5 of σ (σ_max 500)
            double rel = ms.schedule() == ModelSampling.Schedule.CONTINUOUS_V ? 2e-4 : 1e-5;
            JsonNode c = REF.get("configs").get(name).get("schedules");
            for (Scheduler s : Scheduler.values()) {
                for (JsonNode n : REF.get("steps")) {
                    float[] want = floats(c.get(s.comfyName()).get(n.asText()));
                    assertClose(want, s.sigmas(ms, n.asInt()), rel, 1e-7, name + " " + s.comfyName() + " " + n);
                }
            }
        });
    }

    @Test
    void scalingsMatchEachPrediction() {
        JsonNode sc = REF.get("scalings");
        float[] x = floats(sc.get("x"));
        float[] out = floats(sc.get("out"));
        Map<String, ModelSampling> cases = Map.of(
                "eps", CONFIGS.get("edm_v").withPrediction(PredictionType.EPS),
                "v", CONFIGS.get("edm_v"),
                "edm", CONFIGS.get("edm_edm"),
                "x0", CONFIGS.get("edm_v").withPrediction(PredictionType.X0),
                "img_to_img", ModelSampling.sd15().withPrediction(PredictionType.IMG_TO_IMG),
                "cosmos", CONFIGS.get("cosmos"));
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray xs = m.create(x, new Shape(1, 2, 2, 2));
            NDArray os = m.create(out, new Shape(1, 2, 2, 2));
            cases.forEach((key, ms) -> {
                for (JsonNode row : sc.get("cases").get(key)) {
                    float sigma = (float) row.get("sigma").asDouble();
                    assertClose(floats(row.get("input")), ms.calculateInput(xs, sigma).toFloatArray(), 1e-5, 1e-7,
                            key + " input at " + sigma);
                    assertClose(floats(row.get("denoised")), ms.calculateDenoised(sigma, os, xs).toFloatArray(),
                            1e-5, 1e-6, key + " denoised at " + sigma);
                }
            });
        }
    }

    /** The fixture's toy network: out = k·tanh(x_in) + 0.05·t·x_in, k the chunk's conditioning value. */
    static final ModelFunction<Float> TOY = (xIn, ts, chunks, scope) -> {
        long b = xIn.getShape().get(0) / chunks.size();
        float[] k = new float[(int) xIn.getShape().get(0)];
        for (int i = 0; i < k.length; i++) {
            k[i] = chunks.get((int) (i / b));
        }
        NDArray kk = scope.create(k, new Shape(k.length, 1, 1, 1));
        NDArray tt = scope.create(ts, new Shape(ts.length, 1, 1, 1));
        return xIn.tanh().mul(kk).add(xIn.mul(tt).mul(0.05f));
    };

    @Test
    void guidedRunsMatchTheReference() {
        JsonNode runs = REF.get("runs");
        float[] noise = floats(runs.get("noise"));
        float cfg = (float) runs.get("cfg").asDouble();
        float kPos = (float) runs.get("k_pos").asDouble();
        float kNeg = (float) runs.get("k_neg").asDouble();
        runs.get("cases").properties().forEach(e -> {
            JsonNode c = e.getValue();
            ModelSampling ms = CONFIGS.get(c.get("config").asText());
            Scheduler sched = Scheduler.fromComfyName(c.get("scheduler").asText());
            float[] sigmas = KSamplerSigmas.forSteps(ms, sched, SamplerKind.EULER, c.get("steps").asInt(), 1.0);
            assertClose(floats(c.get("sigmas")), sigmas, 1e-5, 1e-7, e.getKey() + " sigmas");
            SamplerKind kind = e.getKey().contains("dpmpp_2m") ? SamplerKind.DPMPP_2M : SamplerKind.EULER;
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray n = m.create(noise, new Shape(1, 4, 4, 4));
                Denoiser d = new CfgDenoiser<>(ms, TOY, kPos, kNeg, cfg);
                NDArray out = Samplers.sampleFromNoise(kind, d, ms, null, n, sigmas, null, null, null);
                assertClose(floats(c.get("result")), out.toFloatArray(), 2e-4, 2e-5, e.getKey());
            }
        });
    }

    @Test
    void continuousSchedulesRefuseWhatDoesNotFit() {
        assertThrows(IllegalArgumentException.class, () -> ModelSampling.continuous(ModelSampling.Schedule.EDM,
                PredictionType.V_PREDICTION, 0, 120, 1), "sigma_min 0 has no log");
        assertThrows(IllegalArgumentException.class, () -> ModelSampling.continuous(ModelSampling.Schedule.EDM,
                PredictionType.V_PREDICTION, 5, 1, 1), "sigma_min above sigma_max");
        assertThrows(IllegalArgumentException.class, () -> ModelSampling.continuous(ModelSampling.Schedule.EDM,
                PredictionType.LCM, 0.002, 120, 1), "LCM is a discrete schedule");
        assertThrows(IllegalArgumentException.class, () -> ModelSampling.continuous(ModelSampling.Schedule.EDM,
                PredictionType.COSMOS_RFLOW, 0.002, 120, 1), "cosmos_rflow needs its own schedule");
        assertThrows(IllegalArgumentException.class,
                () -> ModelSampling.sd15().withPrediction(PredictionType.COSMOS_RFLOW));
        assertThrows(IllegalStateException.class, () -> CONFIGS.get("edm_v").distilled(50));
        assertEquals(List.of(ModelSampling.Schedule.EDM, 1f), List.of(CONFIGS.get("edm_v").schedule(),
                CONFIGS.get("edm_v").sigmaData()));
    }
}
