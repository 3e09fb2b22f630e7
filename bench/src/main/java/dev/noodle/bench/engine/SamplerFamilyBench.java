package dev.noodle.bench.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.noodle.engine.diffusion.CondEntry;
import dev.noodle.engine.diffusion.ConditionedUNet;
import dev.noodle.engine.runtime.TorchOps;
import dev.noodle.engine.sampling.CfgDenoiser;
import dev.noodle.engine.sampling.Denoiser;
import dev.noodle.engine.sampling.KSamplerSigmas;
import dev.noodle.engine.sampling.ModelSampling;
import dev.noodle.engine.sampling.NoiseSources;
import dev.noodle.engine.sampling.SamplerKind;
import dev.noodle.engine.sampling.Samplers;
import dev.noodle.engine.sampling.Scheduler;
import dev.noodle.engine.unet.UNetModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One row per sampler family: how many UNet evaluations a sampler spends per step (counted by wrapping the
 * denoiser, so the figure is exact and the same on every machine) and the seconds it takes per image, beside a
 * baseline row measured in the same run: the same number of bare CFG denoiser calls with no sampler around them.
 *
 * <p>Every evaluation is one classifier-free-guidance call: the UNet at batch 2 (negative and positive prompt), as
 * ComfyUI's KSampler runs it at cfg ≠ 1. Not thread-safe (one run at a time).
 */
public final class SamplerFamilyBench {
    /** One representative per sampler family, in ComfyUI's list order. */
    public static final List<String> FAMILIES = List.of("euler", "euler_cfg_pp", "euler_ancestral", "heun",
            "heunpp2", "exp_heun_2_x0", "dpm_2", "lms", "dpm_fast", "dpmpp_2s_ancestral", "dpmpp_sde", "dpmpp_2m",
            "dpmpp_2m_sde", "dpmpp_3m_sde", "ddpm", "lcm", "ipndm", "deis", "res_multistep", "gradient_estimation",
            "er_sde", "seeds_2", "seeds_3", "uni_pc");

    /** The label of the baseline row. */
    public static final String BASELINE = "baseline: bare CFG denoiser calls";

    private static final float CFG = 8f;
    private static final long SEED = 42;

    /**
     * One row.
     *
     * @param sampler the ComfyUI sampler name, or {@link #BASELINE}
     * @param steps the step count asked for
     * @param evaluations UNet evaluations (batch-2 CFG calls) the whole image took
     * @param seconds wall seconds for the image (sampling only: no text encoding, no VAE)
     */
    public record Row(String sampler, int steps, int evaluations, double seconds) {
        /** Evaluations per step. */
        public double perStep() {
            return (double) evaluations / steps;
        }

        /** The row as a Markdown table line. */
        public String markdown() {
            return String.format(Locale.ROOT, "| %s | %d | %d | %.2f | %.2f | %.2f |", sampler, steps, evaluations,
                    perStep(), seconds, seconds / Math.max(1, evaluations));
        }
    }

    /** The Markdown header of {@link Row#markdown()}. */
    public static final String HEADER = "| sampler | steps | UNet evaluations | per step | s/image | s/evaluation |\n"
            + "| --- | --- | --- | --- | --- | --- |";

    private SamplerFamilyBench() {}

    /** Counts the calls of a denoiser, guided (CFG++) or not: each is one UNet evaluation here. */
    static final class Counting implements Denoiser {
        private final Denoiser inner;
        private int calls;

        Counting(Denoiser inner) {
            this.inner = inner;
        }

        @Override
        public NDArray denoise(NDArray x, float sigma, NDManager scope) {
            calls++;
            return inner.denoise(x, sigma, scope);
        }

        @Override
        public Guided denoiseGuided(NDArray x, float sigma, NDManager scope) { // the CFG++ samplers' call
            calls++;
            return inner.denoiseGuided(x, sigma, scope);
        }

        int calls() {
            return calls;
        }
    }

    /**
     * Measures the baseline and then each sampler on {@code unet}: an empty latent of {@code size}² pixels, random
     * prompt contexts, the normal scheduler, cfg 8, fixed seeds.
     *
     * @param kinds the samplers, one row each after the baseline row
     * @param sink receives each row as it is measured (a long run shows progress)
     * @return the rows, baseline first
     */
    public static List<Row> run(UNetModel unet, ModelSampling ms, int size, int steps, List<SamplerKind> kinds,
            java.util.function.Consumer<Row> sink) {
        if (size < 8 || size % 8 != 0 || steps < 1) {
            throw new IllegalArgumentException("size must be a positive multiple of 8 and steps ≥ 1, got " + size
                    + " and " + steps);
        }
        List<Row> rows = new ArrayList<>();
        try (NDManager m = NDManager.newBaseManager()) {
            int ctxDim = unet.config().contextDim();
            // [1, 77, ctxDim] each: one prompt chunk, as CLIP gives for a short prompt
            CondEntry positive = new CondEntry(TorchOps.randn(m, 1, new Shape(1, 77, ctxDim)), null, 1f, null);
            CondEntry negative = new CondEntry(TorchOps.randn(m, 2, new Shape(1, 77, ctxDim)), null, 1f, null);
            Denoiser cfg = new CfgDenoiser<>(ms, new ConditionedUNet(unet, null), List.of(positive),
                    List.of(negative), CFG);
            NDArray noise = TorchOps.randn(m, SEED, new Shape(1, 4, size / 8, size / 8)); // [1, 4, h, w]
            float[] normal = KSamplerSigmas.forSteps(ms, Scheduler.NORMAL, SamplerKind.EULER, steps, 1.0);
            try (NDManager warm = m.newSubManager()) { // first call pays one-time setup: not timed
                NDArray x = noise.mul(normal[0]);
                x.attach(warm);
                cfg.denoise(x, normal[0], warm).getFloat(0, 0, 0, 0);
            }
            Row base = baseline(cfg, noise, normal, steps, m);
            rows.add(base);
            sink.accept(base);
            for (SamplerKind kind : kinds) {
                Row r = sample(kind, cfg, ms, noise, steps);
                rows.add(r);
                sink.accept(r);
            }
        }
        return rows;
    }

    // `steps` CFG denoiser calls at the schedule's σ values with no sampler arithmetic between them
    private static Row baseline(Denoiser cfg, NDArray noise, float[] sigmas, int steps, NDManager m) {
        Counting d = new Counting(cfg);
        long t0 = System.nanoTime();
        for (int i = 0; i < steps; i++) {
            try (NDManager step = m.newSubManager()) {
                NDArray x = noise.mul(sigmas[i]);
                x.attach(step);
                d.denoise(x, sigmas[i], step).getFloat(0, 0, 0, 0);
            }
        }
        return new Row(BASELINE, steps, d.calls(), (System.nanoTime() - t0) / 1e9);
    }

    /** One sampler from {@code noise} [1, 4, h, w] over the normal schedule, counting {@code cfg}'s calls. */
    static Row sample(SamplerKind kind, Denoiser cfg, ModelSampling ms, NDArray noise, int steps) {
        Counting d = new Counting(cfg);
        float[] sigmas = KSamplerSigmas.forSteps(ms, Scheduler.NORMAL, kind, steps, 1.0);
        try (NDManager run = noise.getManager().newSubManager()) {
            long t0 = System.nanoTime();
            NDArray out = Samplers.sampleFromNoise(kind, d, ms, null, noise, sigmas,
                    NoiseSources.comfyCpu(kind, SEED, sigmas), null, () -> false);
            out.getFloat(0, 0, 0, 0);
            double seconds = (System.nanoTime() - t0) / 1e9;
            out.attach(run);
            return new Row(kind.comfyName(), steps, d.calls(), seconds);
        }
    }

    /** The samplers named in {@code names} ("families" for {@link #FAMILIES}), by their ComfyUI names. */
    public static List<SamplerKind> parse(List<String> names) {
        List<String> list = names.size() == 1 && names.get(0).equals("families") ? FAMILIES : names;
        return list.stream().map(SamplerKind::fromComfyName).toList();
    }
}
