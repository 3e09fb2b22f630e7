package dev.noodle.engine.upscale;

import dev.noodle.engine.io.SafetensorsWriter;
import dev.noodle.engine.io.pickle.TorchPickleWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes random-weight upscale models in the layouts people download, with the real key names and shapes: for
 * tests, example workflows and benchmarks (a few blocks of a few features run in milliseconds; the published
 * sizes are the {@code *Full} configs). Values are deterministic per seed and key: convolution weights normal with
 * std √(2/fan-in) (He et al. 2015, so 23 residual blocks neither vanish nor explode), biases and PReLU slopes small. Stateless.
 */
public final class RandomUpscalers {
    /** How the file stores the weights. */
    public enum Container {
        /** {@code .safetensors}, weights at the top level. */
        SAFETENSORS,
        /** {@code .pth} (PyTorch zip pickle), the state dict at the top level (old ESRGAN, 4x-UltraSharp). */
        PTH,
        /** {@code .pth} with the state dict wrapped in {@code params_ema} (Real-ESRGAN x4plus/x2plus). */
        PTH_PARAMS_EMA,
        /** {@code .pth} with the state dict wrapped in {@code params} (realesr-general-x4v3, animevideov3). */
        PTH_PARAMS
    }

    private RandomUpscalers() {}

    /** RealESRGAN_x4plus.pth: Real-ESRGAN layout, 23 blocks, 64 features, 32 grow channels, ×4. */
    public static RrdbNet.Config realEsrganX4Full() {
        return new RrdbNet.Config(RrdbNet.Layout.REAL_ESRGAN, 3, 3, 64, 32, 23, 2, 1);
    }

    /** RealESRGAN_x2plus.pth: as x4plus on a pixel-unshuffled input (conv_first reads 12 channels), ×2. */
    public static RrdbNet.Config realEsrganX2Full() {
        return new RrdbNet.Config(RrdbNet.Layout.REAL_ESRGAN, 12, 3, 64, 32, 23, 2, 2);
    }

    /** 4x-UltraSharp.pth and the original ESRGAN models: old sequential layout, 23 blocks, 64 features, ×4. */
    public static RrdbNet.Config ultraSharpFull() {
        return new RrdbNet.Config(RrdbNet.Layout.ESRGAN, 3, 3, 64, 32, 23, 2, 1);
    }

    /** realesr-general-x4v3.pth: compact, 64 features, 32 convolutions, ×4. */
    public static CompactNet.Config generalX4v3Full() {
        return new CompactNet.Config(64, 32, 4);
    }

    /** realesr-animevideov3.pth: compact, 64 features, 16 convolutions, ×4. */
    public static CompactNet.Config animeVideoV3Full() {
        return new CompactNet.Config(64, 16, 4);
    }

    /**
     * Writes the published models' full-size layouts with random weights into a folder, under their usual names
     * (RealESRGAN_x4plus.pth, RealESRGAN_x2plus.pth, 4x-UltraSharp.pth, realesr-general-x4v3.pth,
     * realesr-animevideov3.pth), for benchmarks and trying the nodes without downloads.
     *
     * @param args the folder
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: RandomUpscalers FOLDER");
            System.exit(2);
        }
        Path dir = java.nio.file.Files.createDirectories(Path.of(args[0]));
        write(dir.resolve("RealESRGAN_x4plus.pth"), realEsrganX4Full(), Container.PTH_PARAMS_EMA, 1);
        write(dir.resolve("RealESRGAN_x2plus.pth"), realEsrganX2Full(), Container.PTH_PARAMS_EMA, 2);
        write(dir.resolve("4x-UltraSharp.pth"), ultraSharpFull(), Container.PTH, 3);
        write(dir.resolve("realesr-general-x4v3.pth"), generalX4v3Full(), Container.PTH_PARAMS, 4);
        write(dir.resolve("realesr-animevideov3.pth"), animeVideoV3Full(), Container.PTH_PARAMS, 5);
    }

    /** Writes an RRDBNet of {@code config} into {@code file}. */
    public static Path write(Path file, RrdbNet.Config config, Container container, long seed) throws IOException {
        return write(file, config.shapes(), container, seed);
    }

    /** Writes a compact network of {@code config} into {@code file}. */
    public static Path write(Path file, CompactNet.Config config, Container container, long seed)
            throws IOException {
        return write(file, config.shapes(), container, seed);
    }

    /** Writes tensors of the given shapes (random values) into {@code file}. */
    static Path write(Path file, Map<String, long[]> shapes, Container container, long seed) throws IOException {
        Map<String, float[]> values = new LinkedHashMap<>();
        shapes.forEach((k, s) -> values.put(k, values(k, s, seed)));
        if (container == Container.SAFETENSORS) {
            SafetensorsWriter w = new SafetensorsWriter();
            shapes.forEach((k, s) -> w.addF32(k, s, values.get(k)));
            w.write(file);
            return file;
        }
        Map<String, Object> sd = new LinkedHashMap<>();
        shapes.forEach((k, s) -> sd.put(k, new TorchPickleWriter.Tensor(s, values.get(k))));
        Object state = new TorchPickleWriter.OrderedDict(sd);
        Object root = switch (container) {
            case PTH_PARAMS_EMA -> Map.of("params_ema", state);
            case PTH_PARAMS -> Map.of("params", state);
            default -> state;
        };
        TorchPickleWriter.write(file, root);
        return file;
    }

    /** Deterministic values for one tensor. */
    static float[] values(String key, long[] shape, long seed) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        SplittableRandom r = new SplittableRandom(seed * 1_000_003L + key.hashCode());
        float[] v = new float[(int) n];
        if (shape.length == 4) {
            double std = Math.sqrt(2.0 / (shape[1] * shape[2] * shape[3]));
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (gaussian(r) * std);
            }
        } else if (key.startsWith("body.") && key.endsWith(".weight")) { // PReLU slopes, 0.25 ± 0.05
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (0.25 + 0.05 * gaussian(r));
            }
        } else {
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (0.01 * gaussian(r));
            }
        }
        return v;
    }

    private static double gaussian(SplittableRandom r) {
        double u = r.nextDouble();
        double w = r.nextDouble();
        return Math.sqrt(-2 * Math.log1p(-u)) * Math.cos(2 * Math.PI * w);
    }
}
