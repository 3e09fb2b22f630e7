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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The CFG++, RES ancestral, SEEDS, exponential Heun, ER-SDE and _gpu samplers on SamplersTest's toy problem (same
 * σ, starting noise and noise streams) against nodes/src/test/python/sampling_reference_extra.py; the CFG++ forms
 * on a guided toy whose unconditional and guided estimates differ.
 */
class SamplersExtraTest {
    private static final JsonNode BASE = Fixtures.load("samplers.json");
    private static final JsonNode REF = Fixtures.load("samplers_extra.json");
    private static final Shape SHAPE = new Shape(2, 4, 4, 4);
    private static final double AC = 0.5;
    private static final float CFG = 3f;

    /** D_u = SamplersTest.TOY, D_cond = x·a/(σ²+a) + 0.1·cos(x)·σ/(1+σ) with a = 0.5, D_c = D_u + 3·(D_cond − D_u). */
    static final Denoiser GUIDED =
            new Denoiser() {
                @Override
                public NDArray denoise(NDArray x, float sigma, NDManager scope) {
                    return denoiseGuided(x, sigma, scope).denoised();
                }

                @Override
                public Guided denoiseGuided(NDArray x, float sigma, NDManager scope) {
                    double s = sigma;
                    NDArray u = SamplersTest.TOY.denoise(x, sigma, scope);
                    NDArray c = x.mul((float) (AC / (s * s + AC))).add(x.cos().mul((float) (0.1 * s / (1.0 + s))));
                    return new Guided(u.add(c.sub(u).mul(CFG)), u);
                }
            };

    static final List<SamplerKind> EXTRA =
            List.of(
                    SamplerKind.EULER_CFG_PP,
                    SamplerKind.EULER_ANCESTRAL_CFG_PP,
                    SamplerKind.EXP_HEUN_2_X0,
                    SamplerKind.EXP_HEUN_2_X0_SDE,
                    SamplerKind.DPMPP_2S_ANCESTRAL_CFG_PP,
                    SamplerKind.DPMPP_2M_CFG_PP,
                    SamplerKind.RES_MULTISTEP_CFG_PP,
                    SamplerKind.RES_MULTISTEP_ANCESTRAL,
                    SamplerKind.RES_MULTISTEP_ANCESTRAL_CFG_PP,
                    SamplerKind.GRADIENT_ESTIMATION_CFG_PP,
                    SamplerKind.ER_SDE,
                    SamplerKind.SEEDS_2,
                    SamplerKind.SEEDS_3);

    /** Each _gpu form and its CPU twin. */
    static final Map<SamplerKind, SamplerKind> GPU_TWINS =
            Map.of(
                    SamplerKind.DPMPP_SDE_GPU, SamplerKind.DPMPP_SDE,
                    SamplerKind.DPMPP_2M_SDE_GPU, SamplerKind.DPMPP_2M_SDE,
                    SamplerKind.DPMPP_2M_SDE_HEUN_GPU, SamplerKind.DPMPP_2M_SDE_HEUN,
                    SamplerKind.DPMPP_3M_SDE_GPU, SamplerKind.DPMPP_3M_SDE);

    /** Every ComfyUI sampler name in KSampler order (comfy/samplers.py KSAMPLER_NAMES + ddim, uni_pc, uni_pc_bh2). */
    static final List<String> COMFY_ORDER =
            List.of(
                    "euler", "euler_cfg_pp", "euler_ancestral", "euler_ancestral_cfg_pp", "heun", "heunpp2",
                    "exp_heun_2_x0", "exp_heun_2_x0_sde", "dpm_2", "dpm_2_ancestral", "lms", "dpm_fast",
                    "dpm_adaptive", "dpmpp_2s_ancestral", "dpmpp_2s_ancestral_cfg_pp", "dpmpp_sde", "dpmpp_sde_gpu",
                    "dpmpp_2m", "dpmpp_2m_cfg_pp", "dpmpp_2m_sde", "dpmpp_2m_sde_gpu", "dpmpp_2m_sde_heun",
                    "dpmpp_2m_sde_heun_gpu", "dpmpp_3m_sde", "dpmpp_3m_sde_gpu", "ddpm", "lcm", "ipndm", "ipndm_v",
                    "deis", "res_multistep", "res_multistep_cfg_pp", "res_multistep_ancestral",
                    "res_multistep_ancestral_cfg_pp", "gradient_estimation", "gradient_estimation_cfg_pp", "er_sde",
                    "seeds_2", "seeds_3", "sa_solver", "sa_solver_pece", "ddim", "uni_pc", "uni_pc_bh2");

    private static NDArray start(NDManager m, float[] sigmas) {
        float[] init = floats(BASE.get("init_noise"));
        float scale = (float) Math.sqrt(1 + (double) sigmas[0] * sigmas[0]);
        return m.create(init, SHAPE).mul(scale);
    }

    private static Denoiser denoiserFor(SamplerKind kind) {
        return kind.cfgPp() ? GUIDED : SamplersTest.TOY;
    }

    /** ComfyUI's CPU noise for the sampler, or none at all for the deterministic ones (they must not draw). */
    private static NoiseSource noiseFor(SamplerKind kind, float[] sigmas) {
        return kind.noiseUse() == SamplerKind.NoiseUse.NONE
                ? null
                : NoiseSources.comfyCpu(kind, BASE.get("seed").asLong(), sigmas);
    }

    private static float[] sample(SamplerKind kind, Denoiser d, NoiseSource noise, float[] sigmas) {
        try (NDManager m = NDManager.newBaseManager()) {
            return Samplers.sample(kind, d, start(m, sigmas), sigmas, noise, null, null).toFloatArray();
        }
    }

    @Test
    void fixtureSharesTheToyProblem() {
        assertArrayEquals(floats(BASE.get("sigmas")), floats(REF.get("sigmas")));
        assertEquals(CFG, REF.get("cfg").floatValue());
    }

    @Test
    void eachSamplerMatchesReference() {
        float[] sigmas = floats(BASE.get("sigmas"));
        for (SamplerKind kind : EXTRA) {
            float[] got = sample(kind, denoiserFor(kind), noiseFor(kind, sigmas), sigmas);
            assertClose(floats(REF.get(kind.comfyName())), got, 2e-4, 2e-4, kind.comfyName());
        }
    }

    @Test
    void gpuFormsGiveTheirCpuTwinsNumbers() {
        float[] sigmas = floats(BASE.get("sigmas"));
        GPU_TWINS.forEach(
                (gpu, cpu) -> {
                    assertEquals(SamplerKind.NoiseUse.BROWNIAN, gpu.noiseUse(), gpu.comfyName());
                    float[] a = sample(gpu, SamplersTest.TOY, noiseFor(gpu, sigmas), sigmas);
                    float[] b = sample(cpu, SamplersTest.TOY, noiseFor(cpu, sigmas), sigmas);
                    assertArrayEquals(b, a, gpu.comfyName() + " vs " + cpu.comfyName());
                    assertClose(floats(REF.get(gpu.comfyName())), a, 2e-4, 2e-4, gpu.comfyName());
                    assertClose(floats(BASE.get(cpu.comfyName())), a, 2e-4, 2e-4, cpu.comfyName() + " reference");
                });
    }

    @Test
    void cfgPpOnAnUnguidedDenoiserIsItsPlainSampler() {
        // with D_u = D_c the CFG++ update reduces algebraically to the plain one (Chung et al. 2024, eq. 10)
        float[] sigmas = floats(BASE.get("sigmas"));
        Map<SamplerKind, SamplerKind> plain =
                Map.of(
                        SamplerKind.EULER_CFG_PP, SamplerKind.EULER,
                        SamplerKind.EULER_ANCESTRAL_CFG_PP, SamplerKind.EULER_ANCESTRAL,
                        SamplerKind.DPMPP_2S_ANCESTRAL_CFG_PP, SamplerKind.DPMPP_2S_ANCESTRAL,
                        SamplerKind.DPMPP_2M_CFG_PP, SamplerKind.DPMPP_2M,
                        SamplerKind.RES_MULTISTEP_CFG_PP, SamplerKind.RES_MULTISTEP,
                        SamplerKind.RES_MULTISTEP_ANCESTRAL_CFG_PP, SamplerKind.RES_MULTISTEP_ANCESTRAL,
                        SamplerKind.GRADIENT_ESTIMATION_CFG_PP, SamplerKind.GRADIENT_ESTIMATION);
        plain.forEach(
                (pp, base) -> {
                    assertTrue(pp.cfgPp() && !base.cfgPp(), pp.comfyName());
                    assertEquals(base.noiseUse(), pp.noiseUse(), pp.comfyName());
                    float[] a = sample(pp, SamplersTest.TOY, noiseFor(pp, sigmas), sigmas);
                    float[] b = sample(base, SamplersTest.TOY, noiseFor(base, sigmas), sigmas);
                    assertClose(b, a, 1e-5, 1e-5, pp.comfyName() + " vs " + base.comfyName());
                    // and on the guided toy the unconditional estimate matters
                    float[] g = sample(pp, GUIDED, noiseFor(pp, sigmas), sigmas);
                    float[] h = sample(base, GUIDED, noiseFor(base, sigmas), sigmas);
                    assertTrue(maxDiff(g, h) > 1e-2, pp.comfyName() + " ignores the unconditional estimate");
                });
    }

    @Test
    void stochasticSamplersDrawTheirNoisePerStep() {
        float[] sigmas = floats(BASE.get("sigmas"));
        int steps = sigmas.length - 1; // the step into σ = 0 draws nothing
        Map<SamplerKind, Integer> perStep =
                Map.of(
                        SamplerKind.EULER_ANCESTRAL_CFG_PP, 1,
                        SamplerKind.DPMPP_2S_ANCESTRAL_CFG_PP, 1,
                        SamplerKind.RES_MULTISTEP_ANCESTRAL, 1,
                        SamplerKind.RES_MULTISTEP_ANCESTRAL_CFG_PP, 1,
                        SamplerKind.ER_SDE, 1,
                        SamplerKind.EXP_HEUN_2_X0_SDE, 2,
                        SamplerKind.SEEDS_2, 2,
                        SamplerKind.SEEDS_3, 3);
        for (SamplerKind kind : EXTRA) {
            int want = perStep.getOrDefault(kind, 0);
            assertEquals(want == 0, kind.noiseUse() == SamplerKind.NoiseUse.NONE, kind.comfyName());
            if (want > 0) {
                assertEquals(SamplerKind.NoiseUse.STEP, kind.noiseUse(), kind.comfyName());
            }
            int[] draws = {0};
            NoiseSource counting =
                    (s, sn, shape, m) -> {
                        draws[0]++;
                        return m.randomNormal(shape);
                    };
            sample(kind, denoiserFor(kind), counting, sigmas);
            assertEquals(want * (steps - 1), draws[0], kind.comfyName());
        }
    }

    @Test
    void callbackSeesEveryStepAndNoArraysLeak() {
        float[] sigmas = floats(BASE.get("sigmas"));
        List<SamplerKind> all = new ArrayList<>(EXTRA);
        all.addAll(GPU_TWINS.keySet());
        for (SamplerKind kind : all) {
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray x = start(m, sigmas);
                int before = m.getManagedArrays().size();
                List<Float> seen = new ArrayList<>();
                NDArray out =
                        Samplers.sample(
                                kind,
                                denoiserFor(kind),
                                x,
                                sigmas,
                                noiseFor(kind, sigmas),
                                (i, total, s, xi, den) -> seen.add(s),
                                null);
                assertEquals(sigmas.length - 1, seen.size(), kind.comfyName());
                assertEquals(before + 1, m.getManagedArrays().size(), kind.comfyName() + " leaked");
                assertEquals(SHAPE, out.getShape());
            }
        }
    }

    @Test
    void namesAndOrderFollowComfyUi() {
        List<String> ours = new ArrayList<>();
        for (SamplerKind kind : SamplerKind.values()) {
            ours.add(kind.comfyName());
            assertEquals(kind, SamplerKind.fromComfyName(kind.comfyName()));
            assertEquals(kind.comfyName().endsWith("_cfg_pp"), kind.cfgPp(), kind.comfyName());
        }
        assertEquals(COMFY_ORDER, ours, "every ComfyUI KSampler name, in its order");
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> SamplerKind.fromComfyName("euler_a"));
        assertTrue(e.getMessage().contains("unknown sampler 'euler_a'") && e.getMessage().contains("uni_pc_bh2"),
                e.getMessage());
        assertTrue(ours.containsAll(EXTRA.stream().map(SamplerKind::comfyName).toList()));
        assertNotEquals(-1, ours.indexOf("dpmpp_3m_sde_gpu"));
    }

    private static double maxDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
