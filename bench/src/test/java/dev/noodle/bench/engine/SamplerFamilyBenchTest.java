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
 * Euler step: 2N − 1, k-diffusion sample_heun / sample_dpm_2 / sample_dpmpp_sde), on a tiny random UNet.
 */
class SamplerFamilyBenchTest {
    private static final int STEPS = 4;

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
                    SamplerFamilyBench.parse(List.of("families")), seen::add);
        }
        assertEquals(rows, seen, "each row reaches the sink as it is measured");
        assertEquals(SamplerFamilyBench.FAMILIES.size() + 1, rows.size());
        assertEquals(SamplerFamilyBench.BASELINE, rows.get(0).sampler());
        assertEquals(STEPS, rows.get(0).evaluations());
        Map<String, Integer> evals = new LinkedHashMap<>();
        for (SamplerFamilyBench.Row row : rows) {
            evals.put(row.sampler(), row.evaluations());
            assertTrue(row.seconds() > 0, row.toString());
            assertTrue(row.markdown().startsWith("| " + row.sampler() + " | " + STEPS + " | "), row.markdown());
        }
        for (String oneCall : List.of("euler", "euler_ancestral", "lms", "dpmpp_2m", "dpmpp_2m_sde", "dpmpp_3m_sde",
                "ddpm", "lcm", "ipndm", "deis", "res_multistep", "gradient_estimation", "dpm_fast")) {
            assertEquals(STEPS, evals.get(oneCall), oneCall);
        }
        for (String twoCalls : List.of("heun", "dpm_2", "dpmpp_2s_ancestral", "dpmpp_sde")) {
            assertEquals(2 * STEPS - 1, evals.get(twoCalls), twoCalls);
        }
        assertEquals(1.0, rows.get(1).perStep());
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
