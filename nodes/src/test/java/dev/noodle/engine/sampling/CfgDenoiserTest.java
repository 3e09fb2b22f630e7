package dev.noodle.engine.sampling;

import static dev.noodle.engine.sampling.Fixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** CFG batching, timestep, c_in, eps/v denoising and guidance arithmetic. */
class CfgDenoiserTest {
    /** Fake network: output row = xIn row · k, with k the chunk's conditioning value. */
    private static final class Scaling implements ModelFunction<Float> {
        final List<Integer> batchSizes = new ArrayList<>();
        final List<float[]> timesteps = new ArrayList<>();

        @Override
        public NDArray predict(NDArray xIn, float[] ts, List<Float> chunks, NDManager scope) {
            batchSizes.add((int) xIn.getShape().get(0));
            timesteps.add(ts);
            long b = xIn.getShape().get(0) / chunks.size();
            float[] k = new float[(int) xIn.getShape().get(0)];
            for (int i = 0; i < k.length; i++) {
                k[i] = chunks.get((int) (i / b));
            }
            return xIn.mul(scope.create(k, new Shape(k.length, 1, 1, 1)));
        }
    }

    @Test
    void guidanceRunsOneBatchAndMixesDenoised() {
        ModelSampling ms = ModelSampling.sd15();
        Scaling net = new Scaling();
        float sigma = 2.5f;
        float cfg = 7f;
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(new float[] {1f, -2f, 3f, 0.5f}, new Shape(2, 1, 1, 2));
            NDArray out = new CfgDenoiser<>(ms, net, 0.3f, 0.1f, cfg).denoise(x, sigma, m);
            assertEquals(List.of(4), net.batchSizes, "one batch of 2B");
            assertEquals(ms.timestep(sigma), net.timesteps.get(0)[3], 0f);
            double cin = 1 / Math.sqrt(sigma * sigma + 1.0);
            // eps_k = x·cin·k; denoised_k = x − σ·eps_k; guided = u + cfg·(c − u)
            double kc = 0.3;
            double ku = 0.1;
            float[] xs = x.toFloatArray();
            float[] want = new float[4];
            for (int i = 0; i < 4; i++) {
                double c = xs[i] - sigma * xs[i] * cin * kc;
                double u = xs[i] - sigma * xs[i] * cin * ku;
                want[i] = (float) (u + cfg * (c - u));
            }
            assertClose(want, out.toFloatArray(), 1e-5, 1e-6, "cfg");
        }
    }

    @Test
    void cfgOneSkipsNegativeAndVPredictionUsesItsScalings() {
        ModelSampling v = ModelSampling.sd15().withPrediction(PredictionType.V_PREDICTION);
        Scaling net = new Scaling();
        float sigma = 1.5f;
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(new float[] {2f, -1f}, new Shape(1, 1, 1, 2));
            NDArray out = new CfgDenoiser<>(v, net, 0.5f, null, 1f).denoise(x, sigma, m);
            assertEquals(List.of(1), net.batchSizes, "no negative pass at cfg 1");
            double s2 = sigma * sigma + 1.0;
            float[] xs = x.toFloatArray();
            float[] want = new float[2];
            for (int i = 0; i < 2; i++) {
                double vOut = xs[i] / Math.sqrt(s2) * 0.5;
                want[i] = (float) (xs[i] / s2 - vOut * sigma / Math.sqrt(s2));
            }
            assertClose(want, out.toFloatArray(), 1e-5, 1e-6, "v-pred");
        }
        assertThrows(
                IllegalArgumentException.class,
                () -> new CfgDenoiser<>(v, net, 0.5f, null, 7f),
                "cfg != 1 needs a negative");
    }

    @Test
    void guidedCallReturnsTheUnconditionalEstimateAndRunsTheNegativeAtCfgOne() {
        ModelSampling ms = ModelSampling.sd15();
        float sigma = 2.5f;
        double cin = 1 / Math.sqrt(sigma * sigma + 1.0);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(new float[] {1f, -2f, 3f, 0.5f}, new Shape(2, 1, 1, 2));
            float[] xs = x.toFloatArray();
            for (float cfg : new float[] {7f, 1f}) {
                Scaling net = new Scaling();
                CfgDenoiser<Float> d = new CfgDenoiser<>(ms, net, 0.3f, 0.1f, cfg);
                Denoiser.Guided g = d.denoiseGuided(x, sigma, m);
                assertEquals(List.of(4), net.batchSizes, "one batch of 2B at cfg " + cfg);
                float[] wantU = new float[4];
                float[] wantG = new float[4];
                for (int i = 0; i < 4; i++) {
                    double c = xs[i] - sigma * xs[i] * cin * 0.3;
                    double u = xs[i] - sigma * xs[i] * cin * 0.1;
                    wantU[i] = (float) u;
                    wantG[i] = (float) (u + cfg * (c - u));
                }
                assertClose(wantU, g.uncond().toFloatArray(), 1e-5, 1e-6, "uncond at cfg " + cfg);
                assertClose(wantG, g.denoised().toFloatArray(), 1e-5, 1e-6, "guided at cfg " + cfg);
                assertClose(wantG, d.denoise(x, sigma, m).toFloatArray(), 1e-5, 1e-6, "denoise at cfg " + cfg);
            }
            // without a negative (BasicGuider) ComfyUI's unconditional estimate is zero
            Scaling net = new Scaling();
            Denoiser.Guided g = new CfgDenoiser<>(ms, net, 0.3f, null, 1f).denoiseGuided(x, sigma, m);
            assertEquals(List.of(2), net.batchSizes);
            assertClose(new float[4], g.uncond().toFloatArray(), 0, 0, "no negative");
            // a plain denoiser has one estimate for both
            Denoiser plain = (xi, s, scope) -> xi.mul(0.5f);
            Denoiser.Guided p = plain.denoiseGuided(x, sigma, m);
            assertClose(p.denoised().toFloatArray(), p.uncond().toFloatArray(), 0, 0, "plain");
        }
    }

    /** A nonlinear fake network (so one pass cannot stand in for two by accident) that counts its calls. */
    private static final class Counting implements ModelFunction<Float> {
        final List<Integer> batchSizes = new ArrayList<>();

        @Override
        public NDArray predict(NDArray xIn, float[] ts, List<Float> chunks, NDManager scope) {
            batchSizes.add((int) xIn.getShape().get(0));
            long b = xIn.getShape().get(0) / chunks.size();
            float[] k = new float[(int) xIn.getShape().get(0)];
            for (int i = 0; i < k.length; i++) {
                k[i] = chunks.get((int) (i / b));
            }
            return xIn.mul(scope.create(k, new Shape(k.length, 1, 1, 1))).tanh().add(xIn.mul(0.1f));
        }
    }

    @Test
    void aFewStepRunAtCfgOneMakesOneBatchOneCallPerStepAndTheSameImageAsBothPasses() {
        // the few-step presets run at cfg 1 with the workflow's negative still wired: its pass is skipped (ComfyUI's
        // cfg1 optimisation) and the image is what uncond + 1·(cond − uncond) from both passes gives
        ModelSampling ms = ModelSampling.sd15();
        float[] sigmas = Scheduler.SGM_UNIFORM.sigmas(ms, 4);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(new float[] {0.7f, -1.3f, 2.1f, 0.4f, -0.2f, 1.1f, -0.9f, 0.3f},
                    new Shape(1, 2, 2, 2)).mul(sigmas[0]);
            Counting fast = new Counting();
            NDArray skipped = Samplers.sample(SamplerKind.EULER, new CfgDenoiser<>(ms, fast, 0.6f, -0.4f, 1f), x,
                    sigmas, null, null, () -> false);
            assertEquals(List.of(1, 1, 1, 1), fast.batchSizes, "one UNet call per step at batch 1");
            Counting both = new Counting();
            CfgDenoiser<Float> full = new CfgDenoiser<>(ms, both, 0.6f, -0.4f, 1f);
            Denoiser twoPasses = (xi, s, scope) -> full.denoiseGuided(xi, s, scope).denoised();
            NDArray reference = Samplers.sample(SamplerKind.EULER, twoPasses, x, sigmas, null, null, () -> false);
            assertEquals(List.of(2, 2, 2, 2), both.batchSizes, "the reference runs the negative too");
            assertClose(reference.toFloatArray(), skipped.toFloatArray(), 1e-5, 1e-6, "cfg 1 image");
        }
    }
}
