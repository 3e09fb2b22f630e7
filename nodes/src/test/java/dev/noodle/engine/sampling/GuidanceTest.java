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
import org.junit.jupiter.api.Test;

/**
 * Guidance patches (RescaleCFG, CFGNorm) and the DualCFG / Perp-Neg denoisers against guidance.json, written by
 * nodes/src/test/python/guidance_reference.py from the published formulas.
 */
class GuidanceTest {
    static final JsonNode FIX = Fixtures.load("guidance.json");
    static final double REL = 1e-4;
    static final double ABS = 1e-4;

    /** Toy network: eps = k·x_in, k the chunk's scalar conditioning; records the rows of each call. */
    private static final class Toy implements ModelFunction<Float> {
        final List<Integer> rows = new ArrayList<>();
        final List<List<Float>> chunks = new ArrayList<>();

        @Override
        public NDArray predict(NDArray xIn, float[] ts, List<Float> c, NDManager scope) {
            rows.add((int) xIn.getShape().get(0));
            chunks.add(List.copyOf(c));
            long b = xIn.getShape().get(0) / c.size();
            float[] k = new float[(int) xIn.getShape().get(0)];
            for (int i = 0; i < k.length; i++) {
                k[i] = c.get((int) (i / b));
            }
            return xIn.mul(scope.create(k, new Shape(k.length, 1, 1, 1)));
        }
    }

    private static NDArray tensor(NDManager m, String key) {
        JsonNode shape = FIX.get("shape");
        long[] s = new long[shape.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = shape.get(i).asLong();
        }
        return m.create(floats(FIX.get(key)), new Shape(s));
    }

    private static float f(String key) {
        return (float) FIX.get(key).asDouble();
    }

    private static float k(String name) {
        return (float) FIX.get("k").get(name).asDouble();
    }

    private static void check(String key, NDArray got) {
        assertClose(floats(FIX.get(key)), got.toFloatArray(), REL, ABS, key);
    }

    @Test
    void patchesMixAsComfyUisCfgFunction() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = tensor(m, "x");
            NDArray c = tensor(m, "cond");
            NDArray u = tensor(m, "uncond");
            float sigma = f("sigma");
            float s = f("scale");
            check("cfg", Guidance.cfg(List.of(), c, u, s, x, sigma));
            check("rescale_0.7", Guidance.cfg(List.of(new GuidancePatch.RescaleCfg(0.7f)), c, u, s, x, sigma));
            check("norm_0.9", Guidance.cfg(List.of(new GuidancePatch.CfgNorm(0.9f)), c, u, s, x, sigma));
            // the later RescaleCFG replaces the earlier; CFGNorm runs after the mix wherever it sits in the list
            check("rescale_then_norm", Guidance.cfg(List.of(new GuidancePatch.CfgNorm(1.3f),
                    new GuidancePatch.RescaleCfg(0.9f), new GuidancePatch.RescaleCfg(0.4f)), c, u, s, x, sigma));
            // cfg 1 without an unconditional pass: zeros stand in, as ComfyUI's skipped batch
            check("rescale_cfg1", Guidance.cfg(List.of(new GuidancePatch.RescaleCfg(0.7f)), c, null, 1f, x, sigma));
            check("norm_cfg1", Guidance.cfg(List.of(new GuidancePatch.CfgNorm(0.5f)), c, null, 1f, x, sigma));
            // RescaleCFG with multiplier 0 is plain CFG
            assertClose(floats(FIX.get("cfg")),
                    Guidance.cfg(List.of(new GuidancePatch.RescaleCfg(0f)), c, u, s, x, sigma).toFloatArray(), REL,
                    ABS, "multiplier 0");
        }
        assertThrows(IllegalArgumentException.class, () -> new GuidancePatch.CfgNorm(Float.NaN));
    }

    @Test
    void cfgDenoiserAppliesPatches() {
        ModelSampling ms = ModelSampling.sd15();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = tensor(m, "x");
            float sigma = f("sigma");
            Toy toy = new Toy();
            List<GuidancePatch> p = List.of(new GuidancePatch.RescaleCfg(0.7f));
            NDArray got = new CfgDenoiser<>(ms, toy, k("cond1"), k("negative"), 3f, p).denoise(x, sigma, m);
            NDArray c = ms.calculateDenoised(sigma, ms.calculateInput(x, sigma).mul(k("cond1")), x);
            NDArray u = ms.calculateDenoised(sigma, ms.calculateInput(x, sigma).mul(k("negative")), x);
            assertClose(Guidance.cfg(p, c, u, 3f, x, sigma).toFloatArray(), got.toFloatArray(), 1e-6, 1e-6,
                    "CfgDenoiser with RescaleCFG");
            assertEquals(List.of(4), toy.rows, "one batch [uncond, cond]");
        }
    }

    @Test
    void dualCfgMatchesReference() {
        ModelSampling ms = ModelSampling.sd15();
        float sigma = f("sigma");
        List<GuidancePatch> rescale = List.of(new GuidancePatch.RescaleCfg(0.7f));
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = tensor(m, "x");
            Toy toy = new Toy();
            check("dual_regular", dual(ms, toy, 3f, 5f, false, List.of()).denoise(x, sigma, m));
            assertEquals(List.of(6), toy.rows, "one batch of 3B rows");
            assertEquals(List.of(k("negative"), k("cond2"), k("cond1")), toy.chunks.get(0), "[negative, cond2, cond1]");
            check("dual_nested", dual(ms, toy, 3f, 5f, true, List.of()).denoise(x, sigma, m));
            check("dual_regular_rescale", dual(ms, toy, 3f, 5f, false,
                    List.of(new GuidancePatch.RescaleCfg(0.7f), new GuidancePatch.CfgNorm(0.9f))).denoise(x, sigma, m));
            check("dual_nested_rescale", dual(ms, toy, 3f, 5f, true, rescale).denoise(x, sigma, m));
            toy.rows.clear();
            check("dual_regular_cfg2_one", dual(ms, toy, 3f, 1f, false, List.of()).denoise(x, sigma, m));
            assertEquals(List.of(4), toy.rows, "cfg_cond2_negative 1 skips the negative pass");
        }
    }

    /** For the CFG++ samplers every pass runs and the inner CFG step's unconditional estimate comes along. */
    @Test
    void guidedEstimatesCarryTheInnerUncond() {
        ModelSampling ms = ModelSampling.sd15();
        float sigma = f("sigma");
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = tensor(m, "x");
            NDArray neg = ms.calculateDenoised(sigma, ms.calculateInput(x, sigma).mul(k("negative")), x);
            NDArray mid = ms.calculateDenoised(sigma, ms.calculateInput(x, sigma).mul(k("cond2")), x);
            Toy toy = new Toy();
            Denoiser.Guided g = dual(ms, toy, 3f, 1f, false, List.of()).denoiseGuided(x, sigma, m);
            assertEquals(List.of(6), toy.rows, "no pass skipped at cfg_cond2_negative 1");
            check("dual_regular_cfg2_one", g.denoised());
            assertClose(neg.toFloatArray(), g.uncond().toFloatArray(), 1e-6, 1e-6, "regular: the negative");
            g = dual(ms, toy, 3f, 5f, true, List.of()).denoiseGuided(x, sigma, m);
            check("dual_nested", g.denoised());
            assertClose(mid.toFloatArray(), g.uncond().toFloatArray(), 1e-6, 1e-6, "nested: cond2");
            toy.rows.clear();
            g = perp(ms, toy, 0f, List.of()).denoiseGuided(x, sigma, m);
            assertEquals(List.of(6), toy.rows, "no pass skipped at neg_scale 0");
            check("perp_neg_zero", g.denoised());
            assertClose(neg.toFloatArray(), g.uncond().toFloatArray(), 1e-6, 1e-6, "Perp-Neg: the negative");
        }
    }

    private static DualCfgDenoiser<Float> dual(ModelSampling ms, Toy toy, float c1, float c2, boolean nested,
            List<GuidancePatch> p) {
        return new DualCfgDenoiser<>(ms, toy, k("cond1"), k("cond2"), k("negative"), c1, c2, nested, p);
    }

    @Test
    void perpNegMatchesReference() {
        ModelSampling ms = ModelSampling.sd15();
        float sigma = f("sigma");
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = tensor(m, "x");
            Toy toy = new Toy();
            check("perp_neg", perp(ms, toy, 0.8f, List.of()).denoise(x, sigma, m));
            assertEquals(List.of(k("cond1"), k("negative"), k("empty")), toy.chunks.get(0), "[pos, neg, empty]");
            // only post-guidance patches apply: RescaleCFG is ignored, CFGNorm runs
            check("perp_neg_norm", perp(ms, toy, 0.8f,
                    List.of(new GuidancePatch.RescaleCfg(0.7f), new GuidancePatch.CfgNorm(0.9f))).denoise(x, sigma, m));
            toy.rows.clear();
            NDArray zero = perp(ms, toy, 0f, List.of()).denoise(x, sigma, m);
            check("perp_neg_zero", zero);
            assertEquals(List.of(4), toy.rows, "neg_scale 0 skips the negative pass");
            // neg_scale 0 is CFG against the empty prompt
            NDArray cfg = new CfgDenoiser<>(ms, toy, k("cond1"), k("empty"), 6.5f).denoise(x, sigma, m);
            assertClose(cfg.toFloatArray(), zero.toFloatArray(), 1e-5, 1e-5, "neg_scale 0 vs CFG");
        }
    }

    private static PerpNegDenoiser<Float> perp(ModelSampling ms, Toy toy, float negScale, List<GuidancePatch> p) {
        return new PerpNegDenoiser<>(ms, toy, k("cond1"), k("negative"), k("empty"), 6.5f, negScale, p);
    }
}
