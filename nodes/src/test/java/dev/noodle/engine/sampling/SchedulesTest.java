package dev.noodle.engine.sampling;

import static dev.noodle.engine.sampling.Fixtures.assertClose;
import static dev.noodle.engine.sampling.Fixtures.floats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** Schedules and the discrete model schedule against the independent python reference. */
class SchedulesTest {
    private static final JsonNode REF = Fixtures.load("schedules.json");
    private static final JsonNode REF2 = Fixtures.load("schedules2.json");
    private final ModelSampling ms = ModelSampling.sd15();

    @Test
    void sd15TableMatchesReference() {
        assertEquals(REF.get("sd15_sigma_min").asDouble(), ms.sigmaMin(), 1e-7);
        assertEquals(REF.get("sd15_sigma_max").asDouble(), ms.sigmaMax(), 1e-5);
        float[] every100 = new float[10];
        for (int i = 0; i < 10; i++) {
            every100[i] = ms.sigmaAt(i * 100);
        }
        assertClose(floats(REF.get("sd15_sigmas_every_100")), every100, 1e-6, 0, "sigmas");
    }

    @Test
    void zsnrRescaleMatchesReference() {
        ModelSampling z = ModelSampling.discrete(0.00085, 0.012, 1000, PredictionType.EPS, true);
        float[] got = new float[11];
        for (int i = 0; i < 10; i++) {
            got[i] = z.sigmaAt(i * 100);
        }
        got[10] = z.sigmaMax();
        assertClose(floats(REF.get("zsnr_sigmas_every_100")), got, 1e-5, 0, "zsnr");
        assertTrue(z.sigmaMax() > 4000, "zsnr terminal sigma is large: " + z.sigmaMax());
    }

    @Test
    void timestepAndSigmaConversions() {
        float[] probes = floats(REF.get("timestep_probes"));
        JsonNode exp = REF.get("timestep_expected");
        for (int i = 0; i < probes.length; i++) {
            assertEquals(exp.get(i).asInt(), ms.timestep(probes[i]), "timestep(" + probes[i] + ")");
        }
        float[] tp = floats(REF.get("sigma_probes"));
        float[] got = new float[tp.length];
        for (int i = 0; i < tp.length; i++) {
            got[i] = ms.sigma(tp[i]);
        }
        assertClose(floats(REF.get("sigma_expected")), got, 2e-6, 0, "sigma(t)");
    }

    @Test
    void normalFourStepsIsTheKnownSd1Schedule() {
        assertClose(
                new float[] {14.614644f, 2.918307f, 0.932358f, 0.029168f, 0f},
                Schedules.normal(ms, 4),
                2e-6,
                1e-6,
                "normal 4");
    }

    @Test
    void everySchedulerMatchesReference() {
        for (int n : new int[] {1, 4, 7, 20}) {
            for (Scheduler s : Scheduler.values()) {
                String key = s.comfyName() + "_" + n;
                // the first six are in schedules.json; beta, linear_quadratic and kl_optimal in schedules2.json
                JsonNode ref = REF.has(key) ? REF : REF2;
                assertTrue(ref.has(key), "a reference for " + key);
                float[] got = s.sigmas(ms, n);
                assertClose(floats(ref.get(key)), got, 3e-6, 1e-7, key);
                assertEquals(0f, got[got.length - 1], key + " ends in 0");
            }
        }
    }

    @Test
    void ddimUniformKeepsComfyLengthQuirk() {
        assertEquals(9, Schedules.ddimUniform(ms, 7).length, "7 steps give 8 steps as in ComfyUI");
    }

    @Test
    void denoiseTakesTailOfLongerSchedule() {
        float[] full = Scheduler.NORMAL.sigmas(ms, 20);
        float[] half = KSamplerSigmas.forSteps(ms, Scheduler.NORMAL, SamplerKind.EULER, 10, 0.5);
        assertArrayEquals(java.util.Arrays.copyOfRange(full, 10, 21), half);
        float[] odd = KSamplerSigmas.forSteps(ms, Scheduler.KARRAS, SamplerKind.EULER, 6, 0.7);
        float[] k8 = Scheduler.KARRAS.sigmas(ms, 8); // int(6 / 0.7) = 8
        assertArrayEquals(java.util.Arrays.copyOfRange(k8, 2, 9), odd);
        assertEquals(0, KSamplerSigmas.forSteps(ms, Scheduler.NORMAL, SamplerKind.EULER, 5, 0).length);
    }

    @Test
    void dpm2DropsPenultimateSigma() {
        float[] five = Scheduler.KARRAS.sigmas(ms, 5);
        float[] got = KSamplerSigmas.forSteps(ms, Scheduler.KARRAS, SamplerKind.DPM_2, 4, 1.0);
        assertArrayEquals(new float[] {five[0], five[1], five[2], five[3], 0f}, got);
    }

    @Test
    void advancedSlicing() {
        float[] s = {10f, 5f, 2f, 1f, 0.5f, 0f};
        assertArrayEquals(new float[] {2f, 1f, 0.5f, 0f}, KSamplerSigmas.slice(s, 2, 10000, true));
        assertArrayEquals(new float[] {10f, 5f, 2f, 0f}, KSamplerSigmas.slice(s, 0, 3, true));
        assertArrayEquals(new float[] {5f, 2f, 1f}, KSamplerSigmas.slice(s, 1, 3, false));
        assertNull(KSamplerSigmas.slice(s, 5, -1, true), "start at the end: return latent unchanged");
        assertArrayEquals(s, KSamplerSigmas.slice(s, -1, -1, true));
    }

    @Test
    void badInputsAreClearErrors() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Schedules.normal(ms, 0));
        assertTrue(e.getMessage().contains("steps"));
        e = assertThrows(IllegalArgumentException.class, () -> Scheduler.fromComfyName("bogus"));
        assertTrue(e.getMessage().contains("karras"));
        e = assertThrows(IllegalArgumentException.class, () -> SamplerKind.fromComfyName("bogus_sampler"));
        assertTrue(e.getMessage().contains("unknown sampler") && e.getMessage().contains("er_sde"));
        assertThrows(IllegalArgumentException.class, () -> Schedules.karras(4, 0f, 10f, 7));
    }

    @Test
    void maxDenoiseRule() {
        assertTrue(ms.isMaxDenoise(Schedules.normal(ms, 4)));
        assertTrue(!ms.isMaxDenoise(KSamplerSigmas.forSteps(ms, Scheduler.NORMAL, SamplerKind.EULER, 4, 0.5)));
    }
}
