package dev.noodle.engine.sampling;

import static dev.noodle.engine.sampling.Fixtures.assertClose;
import static dev.noodle.engine.sampling.Fixtures.floats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The beta, linear_quadratic and kl_optimal schedulers and k-diffusion's parametric schedules against the reference. */
class NewSchedulesTest {
    private static final JsonNode REF = Fixtures.load("schedules2.json");
    private static final int[] STEPS = {1, 2, 4, 7, 20};
    private final ModelSampling ms = ModelSampling.sd15();

    @Test
    void schedulerListIsComfyUisOrder() {
        assertEquals(
                List.of("simple", "sgm_uniform", "karras", "exponential", "ddim_uniform", "beta", "normal",
                        "linear_quadratic", "kl_optimal"),
                Arrays.stream(Scheduler.values()).map(Scheduler::comfyName).toList());
    }

    @Test
    void betaQuantileMatchesScipy() {
        float[] p = floats(REF.get("beta_ppf_probes"));
        JsonNode a = REF.get("beta_ppf_0.6");
        JsonNode b = REF.get("beta_ppf_2_0.5");
        for (int i = 0; i < p.length; i++) {
            double prob = REF.get("beta_ppf_probes").get(i).asDouble();
            assertEquals(a.get(i).asDouble(), BetaDistribution.ppf(prob, 0.6, 0.6), 1e-12, "ppf 0.6 at " + prob);
            assertEquals(b.get(i).asDouble(), BetaDistribution.ppf(prob, 2.0, 0.5), 1e-12, "ppf 2,0.5 at " + prob);
        }
        assertEquals(0.5, BetaDistribution.cdf(0.5, 0.6, 0.6), 1e-14, "symmetric Beta: median 1/2");
        assertEquals(0.25, BetaDistribution.cdf(0.25, 1, 1), 1e-14, "Beta(1,1) is uniform");
        assertThrows(IllegalArgumentException.class, () -> BetaDistribution.ppf(0.5, 0, 0.6));
    }

    @Test
    void newSchedulersMatchReference() {
        for (int n : STEPS) {
            check("beta_" + n, Scheduler.BETA.sigmas(ms, n), 1e-6);
            check("linear_quadratic_" + n, Scheduler.LINEAR_QUADRATIC.sigmas(ms, n), 1e-6);
            check("kl_optimal_" + n, Scheduler.KL_OPTIMAL.sigmas(ms, n), 2e-6);
            check("beta_a2_b0.5_" + n, Schedules.beta(ms, n, 2.0, 0.5), 1e-6);
        }
        assertTrue(Schedules.beta(ms, 20).length == 21, "beta 20 has 20 distinct timesteps on SD1.5");
    }

    @Test
    void parametricSchedulesMatchReference() {
        for (int n : STEPS) {
            check("karras_node_" + n, Schedules.karras(n, 0.0291675f, 14.614642f, 7.0), 2e-6);
            check("karras_rho3_" + n, Schedules.karras(n, 0.1f, 10f, 3.0), 2e-6);
            check("exponential_node_" + n, Schedules.exponential(n, 0.0291675f, 14.614642f), 2e-6);
            check("polyexponential_" + n, Schedules.polyexponential(n, 0.0291675f, 14.614642f, 1.0), 2e-6);
            check("polyexponential_rho2.5_" + n, Schedules.polyexponential(n, 0.05f, 20f, 2.5), 2e-6);
            check("vp_" + n, Schedules.vp(n, 19.9, 0.1, 0.001), 1e-5);
            check("laplace_" + n, Schedules.laplace(n, 0.0291675f, 14.614642f, 0.0, 0.5), 2e-6);
            check("laplace_mu1_b2_" + n, Schedules.laplace(n, 0.0291675f, 14.614642f, 1.0, 2.0), 2e-6);
        }
    }

    private static void check(String key, float[] got, double rel) {
        assertTrue(REF.has(key), "fixture has " + key);
        assertClose(floats(REF.get(key)), got, rel, 1e-7, key);
    }
}
