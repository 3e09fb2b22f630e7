package dev.noodle.bench.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.noodle.engine.image.LatentPreview;
import dev.noodle.engine.io.ModelFile;
import dev.noodle.engine.io.ModelFiles;
import dev.noodle.engine.runtime.Devices;
import dev.noodle.engine.runtime.EngineOptions;
import dev.noodle.engine.runtime.TorchOps;
import dev.noodle.engine.runtime.WeightPrecision;
import dev.noodle.engine.unet.UNetConfig;
import dev.noodle.engine.unet.UNetModel;
import dev.noodle.engine.unet.UNetWeights;
import dev.noodle.engine.vae.TaesdWriter;
import dev.noodle.engine.vae.TinyAutoencoder;
import dev.noodle.engine.vae.VaeConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Benchmark (not a test): the cost of one live preview of the sampler's denoised latent — ComfyUI's latent → RGB
 * factors and a TAESD decode (random weights in the published layout) — beside the sampling step it accompanies,
 * measured in the same run. {@code noodle bench} prints it after its CFG step rows; run alone,
 * {@code java -cp … dev.noodle.bench.engine.PreviewBench [size=512] [runs=3]} times the step on a full-size SD 1.5
 * UNet with random weights made in memory.
 */
public final class PreviewBench {
    private PreviewBench() {}

    /** Best wall seconds of a latent → RGB preview and of a TAESD preview at {@code size}² pixels. */
    public record Costs(double latent2rgb, double taesd) {
        /** The row for {@code noodle bench}, each as a share of {@code stepSeconds}. */
        public String line(int size, double stepSeconds) {
            return String.format(Locale.ROOT, "live preview per step at %d×%d (first sample of the denoised latent):"
                            + " latent2rgb %.4f s = %.2f%% of the CFG step, TAESD %.3f s = %.1f%% of the CFG step"
                            + " (%.2f s); previews are paced to at most %.0f%% of the sampling time", size, size,
                    latent2rgb, 100 * latent2rgb / stepSeconds, taesd, 100 * taesd / stepSeconds, stepSeconds,
                    100 * dev.noodle.nodes.host.LatentPreviews.BUDGET);
        }
    }

    /** Times both previews of a random [1, 4, size/8, size/8] latent, best of {@code runs} after a warm-up. */
    public static Costs measure(int size, int runs, Devices.Target target) throws IOException {
        Path dir = Files.createTempDirectory("noodle-taesd-bench");
        Path dec = TaesdWriter.write(dir.resolve("taesd_decoder.safetensors"), TaesdWriter.Part.DECODER, 1);
        try (ModelFile f = ModelFiles.open(dec);
                TinyAutoencoder taesd = TinyAutoencoder.load(null, f, VaeConfig.SD_SCALE, "taesd", target.device(),
                        target.options());
                NDManager m = NDManager.newBaseManager(target.device())) {
            NDArray z = TorchOps.randn(m, 5, new Shape(2, 4, size / 8, size / 8)); // a CFG batch's denoised latent
            double rgb = best(runs, () -> LatentPreview.preview(z, LatentPreview.SD15_FACTORS));
            double tiny = best(runs, () -> dev.noodle.nodes.host.LatentPreviews.taesd(taesd).preview(z));
            return new Costs(rgb, tiny);
        } finally {
            Files.deleteIfExists(dec);
            Files.deleteIfExists(dir);
        }
    }

    private static double best(int runs, Supplier<?> preview) {
        preview.get(); // warm-up
        double best = Double.MAX_VALUE;
        for (int i = 0; i < runs; i++) {
            long t = System.nanoTime();
            preview.get();
            best = Math.min(best, (System.nanoTime() - t) / 1e9);
        }
        return best;
    }

    public static void main(String[] args) throws IOException {
        int size = args.length > 0 ? Integer.parseInt(args[0]) : 512;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        EngineOptions options = EngineOptions.fromProperties(System.getProperties());
        Devices.Target target = Devices.choose(options);
        UNetConfig config = UNetConfig.sd15();
        NDManager owner = NDManager.newBaseManager(target.device(), "PyTorch");
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : UNetConfig.parameterShapes(config).entrySet()) {
            long[] s = e.getValue();
            float a = (float) (s.length > 1 ? Math.sqrt(3.0 / ((double) new Shape(s).size() / s[0])) : 0.1);
            try (NDManager tmp = owner.newSubManager()) {
                NDArray w = tmp.randomUniform(-a, a, new Shape(s), DataType.FLOAT32).toType(target.dtype(), false);
                w.attach(owner);
                arrays.put(e.getKey().substring(UNetConfig.PREFIX.length()), w);
            }
        }
        double step = Double.MAX_VALUE;
        try (UNetModel unet = new UNetModel(UNetWeights.of(config, arrays, owner,
                WeightPrecision.uniform(target.dtype()), options));
                NDManager m = NDManager.newBaseManager(target.device(), "PyTorch")) {
            int h = size / 8;
            NDArray x = TorchOps.randn(m, 1, new Shape(2, 4, h, h)).toType(target.dtype(), false);
            NDArray t = m.create(new float[] {500f, 500f});
            NDArray ctx = TorchOps.randn(m, 2, new Shape(2, 77, config.contextDim())).toType(target.dtype(), false);
            for (int i = 0; i <= runs; i++) { // the first is the warm-up
                try (NDManager s = m.newSubManager()) {
                    long t0 = System.nanoTime();
                    NDArray eps = unet.forward(x, t, ctx);
                    eps.getFloat(0, 0, 0, 0);
                    eps.attach(s);
                    if (i > 0) {
                        step = Math.min(step, (System.nanoTime() - t0) / 1e9);
                    }
                }
            }
        }
        System.out.printf(Locale.ROOT, "device %s, %d cores; CFG step (SD 1.5 UNet, batch 2) at %d×%d: %.2f s%n",
                target.device(), Runtime.getRuntime().availableProcessors(), size, size, step);
        System.out.println(measure(size, runs, target).line(size, step));
    }
}
