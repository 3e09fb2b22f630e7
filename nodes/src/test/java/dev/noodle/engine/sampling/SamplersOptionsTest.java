package dev.noodle.engine.sampling;

import static dev.noodle.engine.sampling.Fixtures.assertClose;
import static dev.noodle.engine.sampling.Fixtures.floats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import dev.noodle.engine.sampling.SamplerOptions.AdaptiveStep;
import dev.noodle.engine.sampling.SamplerOptions.ErSde;
import dev.noodle.engine.sampling.SamplerOptions.ErSolverType;
import dev.noodle.engine.sampling.SamplerOptions.SaSolver;
import dev.noodle.engine.sampling.SamplerOptions.SeedsSolver;
import dev.noodle.engine.sampling.SamplerOptions.SolverType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * dpm_adaptive, SA-Solver and the option-node settings (η, s_noise, r, solver type, order) on SamplersTest's toy
 * problem against nodes/src/test/python/sampling_reference_options.py.
 */
class SamplersOptionsTest {
    private static final JsonNode BASE = Fixtures.load("samplers.json");
    private static final JsonNode REF = Fixtures.load("samplers_options.json");
    private static final Shape SHAPE = new Shape(2, 4, 4, 4);

    private record Case(SamplerKind kind, SamplerOptions options) {}

    private static Map<String, Case> cases() {
        double start = REF.get("sa_start_sigma").asDouble();
        double end = REF.get("sa_end_sigma").asDouble();
        Map<String, Case> m = new LinkedHashMap<>();
        SamplerOptions ad = SamplerOptions.defaults(SamplerKind.DPM_ADAPTIVE);
        m.put("dpm_adaptive", new Case(SamplerKind.DPM_ADAPTIVE, ad));
        m.put("dpm_adaptive/order2_rtol0.02", new Case(SamplerKind.DPM_ADAPTIVE,
                ad.withOrder(2).withAdaptive(new AdaptiveStep(0.02, 0.0078, 0.05, 0, 1, 0, 0.81))));
        m.put("dpm_adaptive/eta0.5_snoise0.8_pcoeff0.1", new Case(SamplerKind.DPM_ADAPTIVE,
                ad.withEta(0.5).withSNoise(0.8).withAdaptive(new AdaptiveStep(0.05, 0.0078, 0.05, 0.1, 1, 0.05,
                        0.81))));
        m.put("sa_solver", new Case(SamplerKind.SA_SOLVER, SamplerOptions.defaults(SamplerKind.SA_SOLVER)));
        m.put("sa_solver_pece",
                new Case(SamplerKind.SA_SOLVER_PECE, SamplerOptions.defaults(SamplerKind.SA_SOLVER_PECE)));
        SamplerOptions sa = SamplerOptions.defaults(SamplerKind.SA_SOLVER);
        SamplerOptions seeds = SamplerOptions.defaults(SamplerKind.SEEDS_2);
        m.put("sa_solver/eta0.5_p2_c2_simple2_snoise0.7", new Case(SamplerKind.SA_SOLVER,
                sa.withEta(0.5).withSNoise(0.7).withSaSolver(new SaSolver(2, 2, false, true, start, end))));
        m.put("sa_solver/eta0_p4_c1", new Case(SamplerKind.SA_SOLVER,
                sa.withEta(0).withSaSolver(new SaSolver(4, 1, false, false, start, end))));
        m.put("euler_ancestral/eta0", opts(SamplerKind.EULER_ANCESTRAL, 0, 1));
        m.put("euler_ancestral_cfg_pp/eta0.5_snoise0.8", opts(SamplerKind.EULER_ANCESTRAL_CFG_PP, 0.5, 0.8));
        m.put("euler_ancestral_cfg_pp/eta0", opts(SamplerKind.EULER_ANCESTRAL_CFG_PP, 0, 1));
        m.put("euler_ancestral/eta0.5_snoise0.8", opts(SamplerKind.EULER_ANCESTRAL, 0.5, 0.8));
        m.put("dpm_2_ancestral/eta0.5_snoise0.8", opts(SamplerKind.DPM_2_ANCESTRAL, 0.5, 0.8));
        m.put("dpmpp_2s_ancestral/eta0.5_snoise0.8", opts(SamplerKind.DPMPP_2S_ANCESTRAL, 0.5, 0.8));
        m.put("dpmpp_sde/eta0.7_snoise0.9_r0.3", new Case(SamplerKind.DPMPP_SDE,
                SamplerOptions.defaults(SamplerKind.DPMPP_SDE).withEta(0.7).withSNoise(0.9).withR(0.3)));
        m.put("dpmpp_sde/eta0_r0.5", opts(SamplerKind.DPMPP_SDE, 0, 1));
        m.put("dpmpp_2m_sde/heun_eta0.5", new Case(SamplerKind.DPMPP_2M_SDE,
                SamplerOptions.defaults(SamplerKind.DPMPP_2M_SDE).withSolverType(SolverType.HEUN).withEta(0.5)));
        m.put("dpmpp_2m_sde/midpoint_eta0.5_snoise0.6", opts(SamplerKind.DPMPP_2M_SDE, 0.5, 0.6));
        m.put("dpmpp_3m_sde/eta0.5_snoise0.7", opts(SamplerKind.DPMPP_3M_SDE, 0.5, 0.7));
        m.put("seeds_2/phi2_eta0.5_snoise0.7_r0.3", new Case(SamplerKind.SEEDS_2,
                seeds.withEta(0.5).withSNoise(0.7).withR(0.3).withSeedsSolver(SeedsSolver.PHI_2)));
        m.put("seeds_2/phi1_eta1_snoise0.5_r0.5", new Case(SamplerKind.SEEDS_2, seeds.withSNoise(0.5)));
        m.put("seeds_2/phi2_eta0_r1", new Case(SamplerKind.SEEDS_2,
                seeds.withEta(0).withR(1).withSeedsSolver(SeedsSolver.PHI_2)));
        SamplerOptions er = SamplerOptions.defaults(SamplerKind.ER_SDE);
        m.put("er_sde/default", new Case(SamplerKind.ER_SDE, er));
        m.put("er_sde/reverse_eta0.5_stage2_snoise0.8", new Case(SamplerKind.ER_SDE,
                er.withEta(0.5).withSNoise(0.8).withErSde(new ErSde(ErSolverType.REVERSE_TIME_SDE, 2))));
        m.put("er_sde/ode_stage3", new Case(SamplerKind.ER_SDE,
                er.withEta(0).withSNoise(0).withErSde(new ErSde(ErSolverType.ODE, 3))));
        m.put("er_sde/er_stage1_snoise0.5", new Case(SamplerKind.ER_SDE,
                er.withSNoise(0.5).withErSde(new ErSde(ErSolverType.ER_SDE, 1))));
        m.put("lms/order2", new Case(SamplerKind.LMS, SamplerOptions.defaults(SamplerKind.LMS).withOrder(2)));
        m.put("lms/order1", new Case(SamplerKind.LMS, SamplerOptions.defaults(SamplerKind.LMS).withOrder(1)));
        return m;
    }

    private static Case opts(SamplerKind kind, double eta, double sNoise) {
        return new Case(kind, SamplerOptions.defaults(kind).withEta(eta).withSNoise(sNoise));
    }

    private static NDArray start(NDManager m, float[] sigmas) {
        float scale = (float) Math.sqrt(1 + (double) sigmas[0] * sigmas[0]);
        return m.create(floats(BASE.get("init_noise")), SHAPE).mul(scale);
    }

    private static float[] run(Case c, Denoiser d) {
        float[] sigmas = floats(BASE.get("sigmas"));
        try (NDManager m = NDManager.newBaseManager()) {
            NoiseSource noise = NoiseSources.comfyCpu(c.kind(), BASE.get("seed").asLong(), sigmas);
            return Samplers.sample(c.kind(), c.options(), d, start(m, sigmas), sigmas, noise, null, null)
                    .toFloatArray();
        }
    }

    @Test
    void fixtureSharesTheToyProblem() {
        assertArrayEquals(floats(BASE.get("sigmas")), floats(REF.get("sigmas")));
    }

    @Test
    void everyCaseMatchesReference() {
        Map<String, Case> cases = cases();
        int fixtures = 0;
        for (var it = REF.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (REF.get(key).isArray() && REF.get(key).size() == SHAPE.size()) {
                fixtures++;
                assertTrue(cases.containsKey(key), "fixture " + key + " is not checked");
            }
        }
        assertEquals(cases.size(), fixtures);
        for (Map.Entry<String, Case> e : cases.entrySet()) {
            Denoiser d = e.getValue().kind().cfgPp() ? SamplersExtraTest.GUIDED : SamplersTest.TOY;
            assertClose(floats(REF.get(e.getKey())), run(e.getValue(), d), 3e-4, 3e-4, e.getKey());
        }
    }

    @Test
    void modelCallsMatchReference() {
        Map<String, Case> cases = cases();
        for (var it = REF.get("model_calls").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            int[] calls = {0};
            run(cases.get(e.getKey()), (x, s, scope) -> {
                calls[0]++;
                return SamplersTest.TOY.denoise(x, s, scope);
            });
            assertEquals(e.getValue().asInt(), calls[0], e.getKey());
        }
    }

    @Test
    void etaZeroAncestralIsEulerAndNonDefaultsChangeTheNumbers() {
        assertClose(floats(BASE.get("euler")), floats(REF.get("euler_ancestral/eta0")), 1e-6, 1e-6, "eta 0");
        JsonNode extra = Fixtures.load("samplers_extra.json");
        assertClose(floats(extra.get("euler_cfg_pp")), floats(REF.get("euler_ancestral_cfg_pp/eta0")), 1e-5, 1e-5,
                "CFG++ eta 0");
        assertClose(floats(extra.get("exp_heun_2_x0")), floats(REF.get("seeds_2/phi2_eta0_r1")), 1e-5, 1e-5,
                "seeds_2 with phi_2, r 1, eta 0 is exponential Heun");
        assertClose(floats(extra.get("er_sde")), floats(REF.get("er_sde/default")), 1e-5, 1e-5, "er_sde");
        assertNotEquals(REF.get("dpmpp_2m_sde"), REF.get("dpmpp_2m_sde/heun_eta0.5"));
        assertNotEquals(REF.get("dpm_adaptive"), REF.get("dpm_adaptive/order2_rtol0.02"));
        assertNotEquals(REF.get("sa_solver"), REF.get("sa_solver_pece"));
        // the defaults reproduce ComfyUI's plain sampler
        for (SamplerKind kind : List.of(SamplerKind.EULER_ANCESTRAL, SamplerKind.DPMPP_SDE, SamplerKind.DPMPP_2M_SDE,
                SamplerKind.DPMPP_2M_SDE_HEUN, SamplerKind.DPMPP_3M_SDE, SamplerKind.LMS, SamplerKind.SEEDS_2,
                SamplerKind.EXP_HEUN_2_X0, SamplerKind.EXP_HEUN_2_X0_SDE)) {
            JsonNode want = BASE.has(kind.comfyName()) ? BASE : extra;
            assertClose(floats(want.get(kind.comfyName())),
                    run(new Case(kind, SamplerOptions.defaults(kind)), SamplersTest.TOY), 2e-4, 2e-4,
                    kind.comfyName());
        }
    }

    @Test
    void defaultsAreComfyUis() {
        SamplerOptions ad = SamplerOptions.defaults(SamplerKind.DPM_ADAPTIVE);
        assertEquals(0, ad.eta());
        assertEquals(3, ad.order());
        assertEquals(new AdaptiveStep(0.05, 0.0078, 0.05, 0, 1, 0, 0.81), ad.adaptive());
        assertEquals(4, SamplerOptions.defaults(SamplerKind.LMS).order());
        assertEquals(1, SamplerOptions.defaults(SamplerKind.EULER_ANCESTRAL).eta());
        assertEquals(SolverType.HEUN, SamplerOptions.defaults(SamplerKind.DPMPP_2M_SDE_HEUN).solverType());
        assertEquals(SolverType.MIDPOINT, SamplerOptions.defaults(SamplerKind.DPMPP_2M_SDE).solverType());
        SaSolver sa = SamplerOptions.defaults(SamplerKind.SA_SOLVER).saSolver();
        assertEquals(3, sa.predictorOrder());
        assertEquals(4, sa.correctorOrder());
        assertEquals(false, sa.usePece());
        assertEquals(true, SamplerOptions.defaults(SamplerKind.SA_SOLVER_PECE).saSolver().usePece());
        assertEquals(REF.get("sa_start_sigma").asDouble(), sa.sdeStartSigma(), 1e-6);
        assertEquals(REF.get("sa_end_sigma").asDouble(), sa.sdeEndSigma(), 1e-6);
        // on another schedule the interval follows that schedule (ComfyUI's percent_to_sigma of the model)
        ModelSampling zsnr = ModelSampling.discrete(0.00085, 0.012, 1000, PredictionType.EPS, true);
        SaSolver z = SamplerOptions.defaults(SamplerKind.SA_SOLVER, zsnr).saSolver();
        assertEquals(zsnr.percentToSigma(0.2), z.sdeStartSigma(), 1e-6);
        assertNotEquals(sa.sdeStartSigma(), z.sdeStartSigma());
    }

    @Test
    void saSolverCoefficientsReduceToDpmSolverPlusPlus() {
        double[] lambda = {-2.0, -1.2, -0.5};
        // one point, τ = 0: DPM-Solver++(1): b = α_t(1 − e^{−h})
        double h = lambda[2] - lambda[1];
        double[] b = SaSolverSampler.coefficients(Math.exp(-lambda[2]), lambda, 1, 1, lambda[1], lambda[2], 0, false,
                false);
        assertArrayEquals(new double[] {-Math.expm1(-h)}, b, 1e-12);
        // any order: the weights of a constant sum to (1+τ²)∫e^{(1+τ²)(λ−λ_t)} = 1 − e^{−(1+τ²)h}
        double tau = 0.7;
        double[] b3 = SaSolverSampler.coefficients(Math.exp(-lambda[2]), lambda, 0, 2, lambda[1], lambda[2], tau,
                false, false);
        assertEquals(-Math.expm1(-(1 + tau * tau) * h), b3[0] + b3[1] + b3[2], 1e-10);
    }

    @Test
    void lmsCoefficientsOfHighOrderStillSumToTheStep() {
        float[] t = new float[12];
        for (int k = 0; k < t.length; k++) {
            t[k] = (float) (14 * Math.pow(0.7, k));
        }
        for (int order : new int[] {4, 8, 9, 11}) {
            int i = 10;
            double sum = 0;
            for (int j = 0; j < order; j++) {
                sum += Samplers.lmsCoefficient(order, t, i, j);
            }
            assertEquals((double) t[i + 1] - t[i], sum, 1e-9, "order " + order);
        }
    }

    @Test
    void badSettingsAreRefusedWithTheirName() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> run(new Case(SamplerKind.DPM_ADAPTIVE, SamplerOptions.defaults(SamplerKind.DPM_ADAPTIVE)
                        .withOrder(4)), SamplersTest.TOY));
        assertTrue(e.getMessage().contains("dpm_adaptive order must be 2 or 3"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SamplerOptions.defaults(SamplerKind.DPMPP_SDE).withR(0));
        assertThrows(IllegalArgumentException.class, () -> SamplerOptions.defaults(SamplerKind.EULER).withEta(-1));
        assertThrows(IllegalArgumentException.class, () -> new SaSolver(0, 4, false, false, 1, 0.5));
        assertThrows(IllegalArgumentException.class, () -> new SaSolver(3, 7, false, false, 1, 0.5));
    }

    @Test
    void noArraysLeakAndAnEmptyOrOneStepScheduleIsSafe() {
        float[] sigmas = floats(BASE.get("sigmas"));
        for (Case c : cases().values()) {
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray x = start(m, sigmas);
                int before = m.getManagedArrays().size();
                NoiseSource noise = NoiseSources.comfyCpu(c.kind(), 1, sigmas);
                NDArray out = Samplers.sample(c.kind(), c.options(), SamplersTest.TOY, x, sigmas, noise, null, null);
                assertEquals(before + 1, m.getManagedArrays().size(), c.kind().comfyName() + " leaked");
                assertEquals(SHAPE, out.getShape());
            }
        }
        // ComfyUI's dpm_adaptive on [σ, 0] integrates from σ to σ: nothing to do
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = start(m, sigmas);
            float[] one = {sigmas[0], 0f};
            NDArray out = Samplers.sample(SamplerKind.DPM_ADAPTIVE, SamplersTest.TOY, x, one, null, null, null);
            assertArrayEquals(x.toFloatArray(), out.toFloatArray());
            NDArray sa = Samplers.sample(SamplerKind.SA_SOLVER, SamplersTest.TOY, x, one,
                    NoiseSources.comfyCpu(SamplerKind.SA_SOLVER, 1, one), null, null);
            assertClose(SamplersTest.TOY.denoise(x, sigmas[0], m).toFloatArray(), sa.toFloatArray(), 1e-6, 1e-6,
                    "sa_solver one step returns D");
        }
    }
}
