package dev.noodle.bench.engine;

import ai.djl.Device;
import dev.noodle.engine.upscale.RandomUpscalers;
import dev.noodle.engine.upscale.TiledUpscale;
import dev.noodle.engine.upscale.UpscaleModels;
import dev.noodle.engine.upscale.UpscaleNet;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Seconds to upscale one image with a full-size upscaler as ImageUpscaleWithModel runs it (ComfyUI's 512-pixel tiles
 * with 32 pixels of overlap, the result assembled in the heap), beside its baseline measured in the same run: the
 * same network on one 128² tile, scaled to the image's area (what the tiles would cost with no overlap and no
 * blending). The file is RealESRGAN_x4plus-shaped (23 blocks, 64 features) with random weights unless one is given.
 */
public final class UpscaleBench {
    private UpscaleBench() {}

    /**
     * Runs the figure and prints it.
     *
     * @param file an upscaler file; null writes a random RealESRGAN_x4plus-shaped one to a temporary file
     * @param size input side in pixels (512 gives a 2048² result with a ×4 model)
     */
    public static void run(Path file, int size) throws IOException {
        Path model = file;
        if (model == null) {
            model = Files.createTempFile("RealESRGAN_x4plus", ".pth");
            model.toFile().deleteOnExit();
            RandomUpscalers.write(model, RandomUpscalers.realEsrganX4Full(),
                    RandomUpscalers.Container.PTH_PARAMS_EMA, 1);
        }
        SplittableRandom r = new SplittableRandom(1);
        float[] img = new float[size * size * 3];
        for (int i = 0; i < img.length; i++) {
            img[i] = (float) r.nextDouble();
        }
        try (UpscaleNet net = UpscaleModels.load(model, Device.cpu())) {
            int s = net.scale();
            System.out.printf(Locale.ROOT, "upscaler: %s, %s ×%d, %.1f MB of weights, %d cores%n",
                    file == null ? "random RealESRGAN_x4plus-shaped" : model.getFileName(), net.architecture(), s,
                    net.sizeBytes() / 1e6, Runtime.getRuntime().availableProcessors());
            float[] small = new float[128 * 128 * 3];
            System.arraycopy(img, 0, small, 0, small.length);
            TiledUpscale.upscale(net, small, 1, 128, 128, 512, 32, Device.cpu(), (d, t) -> { }); // warm-up
            double[] base = time(() -> TiledUpscale.upscale(net, small, 1, 128, 128, 512, 32, Device.cpu(),
                    (d, t) -> { }));
            double scaleUp = (double) size * size / (128 * 128);
            System.out.printf(Locale.ROOT, "baseline: one 128² tile %.2f s wall (%.1f CPU-s), × %.0f for the area ="
                    + " %.1f s%n", base[0], base[1], scaleUp, base[0] * scaleUp);
            int tiles = TiledUpscale.tiles(1, size, size, 512, 32);
            double[] full = time(() -> TiledUpscale.upscale(net, img, 1, size, size, 512, 32, Device.cpu(),
                    (d, t) -> { }));
            System.out.printf(Locale.ROOT, "ImageUpscaleWithModel %d² → %d² (%d tile(s) of 512, overlap 32):"
                    + " %.1f s wall (%.1f CPU-s), %.2f× the baseline; heap result %.0f MB%n", size, size * s, tiles,
                    full[0], full[1], full[0] / (base[0] * scaleUp), (double) size * s * size * s * 12 / 1e6);
        }
    }

    private static double[] time(Runnable body) {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        body.run();
        return new double[] {(System.nanoTime() - t0) / 1e9, (os.getProcessCpuTime() - cpu0) / 1e9};
    }
}
