package dev.noodle.bench.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.Shape;
import dev.noodle.engine.io.MapTensorSource;
import dev.noodle.engine.runtime.Devices;
import dev.noodle.engine.sampling.ModelSampling;
import dev.noodle.engine.sampling.SamplerKind;
import dev.noodle.engine.unet.UNetConfig;
import dev.noodle.engine.unet.UNetModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The sampler table counts what each sampler's algorithm spends: one evaluation per step for the first-order and
 * multistep samplers, two per step for the single-step second-order ones (the last step into σ = 0 is a plain
 * Euler step: 2N − 1, k-diffusion sample_heun / sample_dpm_2 / sample_dpmpp_sde), through the real CFG path on a
 * tiny random UNet and, for every family, on a stand-in denoiser.
 */
class SamplerFamilyBenchTest {
    private static final int STEPS = 3;

    private static UNetModel tinyRandomUNet() {
        Random r = new Random(3);
        Map<String, MapTensorSource.Entry> entries = new LinkedHashMap<>();
        UNetConfig.parameterShapes(UNetConfig.tiny()).forEach((k, s) -> {
            int n = (int) new Shape(s).size();
            double scale = s.length > 1 ? 1 / Math.sqrt((double) n / s[0]) : 0.1;
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                v[i] = (float) (r.nextGaussian() * scale);
            }
            entries.put(k, new MapTensorSource.Entry(s, v));
        });
        return UNetModel.load(new MapTensorSource(entries, "random.safetensors"), Devices.Target.cpu());
    }

    @Test
    void countsUNetEvaluationsPerSamplerBesideTheBaseline() {
        List<SamplerFamilyBench.Row> seen = new ArrayList<>();
        List<SamplerFamilyBench.Row> rows;
        try (UNetModel unet = tinyRandomUNet()) {
            rows = SamplerFamilyBench.run(unet, ModelSampling.sd15(), 72, STEPS,
                    SamplerFamilyBench.parse(List.of("euler", "heun", "dpmpp_2m_sde", "uni_pc")), seen::add);
        }
        assertEquals(rows, seen, "each row reaches the sink as it is measured");
        assertEquals(5, rows.size());
        assertEquals(SamplerFamilyBench.BASELINE, rows.get(0).sampler());
        assertEquals(STEPS, rows.get(0).evaluations());
        Map<String, Integer> evals = new LinkedHashMap<>();
        for (SamplerFamilyBench.Row row : rows) {
            evals.put(row.sampler(), row.evaluations());
            assertTrue(row.seconds() > 0, row.toString());
            assertTrue(row.markdown().startsWith("| " + row.sampler() + " | " + STEPS + " | "), row.markdown());
        }
        for (String oneCall : List.of("euler", "dpmpp_2m_sde", "uni_pc")) {
            assertEquals(STEPS, evals.get(oneCall), oneCall);
        }
        assertEquals(2 * STEPS - 1, evals.get("heun"));
        assertEquals(1.0, rows.get(1).perStep());
    }

    /**
     * The counts the README's sampler table gives for the lead's 20-step run, on a stand-in denoiser (the count
     * depends on the algorithm, not on the network): N calls for the one-call samplers, 2N − 1 for the single-step
     * second-order ones (heun, exp_heun_2_x0, dpm_2, dpmpp_2s_ancestral, dpmpp_sde, seeds_2), 3N − 2 for seeds_3,
     * 3N − 3 for heunpp2 (three calls while two more σ remain, then two, then one).
     */
    @Test
    void twentyStepsCostWhatTheReadmeTableSays() {
        int n = 20;
        Map<String, Integer> expected = new LinkedHashMap<>();
        for (String name : SamplerFamilyBench.FAMILIES) {
            expected.put(name, n);
        }
        for (String twoCalls : List.of("heun", "exp_heun_2_x0", "dpm_2", "dpmpp_2s_ancestral", "dpmpp_sde",
                "seeds_2")) {
            expected.put(twoCalls, 2 * n - 1);
        }
        expected.put("heunpp2", 3 * n - 3);
        expected.put("seeds_3", 3 * n - 2); // three calls per step, one on the last step into σ = 0
        Map<String, Integer> counted = new LinkedHashMap<>();
        try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
            ai.djl.ndarray.NDArray noise = dev.noodle.engine.runtime.TorchOps.randn(m, 5, new Shape(1, 4, 2, 2));
            dev.noodle.engine.sampling.Denoiser shrink = (x, sigma, scope) -> x.mul(0.5f); // a fixed toy denoiser
            for (SamplerKind kind : SamplerFamilyBench.parse(List.of("families"))) {
                counted.put(kind.comfyName(),
                        SamplerFamilyBench.sample(kind, shrink, ModelSampling.sd15(), noise, n).evaluations());
            }
        }
        assertEquals(expected, counted);
    }

    @Test
    void namesAreComfyUisAndBadOnesAreRefused() {
        assertEquals(List.of(SamplerKind.EULER, SamplerKind.UNI_PC),
                SamplerFamilyBench.parse(List.of("euler", "uni_pc")));
        assertThrows(IllegalArgumentException.class, () -> SamplerFamilyBench.parse(List.of("eulr")));
        try (UNetModel unet = tinyRandomUNet()) {
            assertThrows(IllegalArgumentException.class, () -> SamplerFamilyBench.run(unet, ModelSampling.sd15(),
                    100, STEPS, List.of(SamplerKind.EULER), r -> { }));
        }
    }
}
