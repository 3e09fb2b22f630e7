package dev.noodle.engine.control;

import dev.noodle.engine.io.SafetensorsWriter;
import dev.noodle.engine.io.pickle.TorchPickleWriter;
import dev.noodle.engine.keys.T2IAdapterNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Writes random-weight T2I-Adapters in the real key layouts, for tests and the example workflows: TencentARC's
 * {@code .pth} (a torch zip pickle of the state dict, optionally wrapped as {@code {"adapter": …}}), the same state
 * dict as safetensors, and diffusers' names. Weights are deterministic per key: N(0, 1/fan-in) kernels and small
 * biases, so features keep a unit-like scale through the blocks. Stateless.
 */
public final class TinyAdapters {
    /** How the file is written. */
    public enum Format {
        /** A torch zip pickle of the state dict (as {@code t2iadapter_*_sd14v1.pth}). */
        PTH,
        /** A torch zip pickle of {@code {"adapter": state_dict}}. */
        PTH_WRAPPED,
        /** Safetensors with the original names. */
        SAFETENSORS,
        /** Safetensors with diffusers names ({@code adapter.body.I.resnets.J…}; full adapters only). */
        DIFFUSERS
    }

    private TinyAdapters() {}

    /**
     * A small SD 1.x full adapter (widths 8, 16, 32, 32; 2 blocks a level; 1×1 {@code block2}/{@code in_conv}, as
     * the published files) taking {@code inputChannels} colours.
     */
    public static AdapterConfig sd1(int inputChannels) {
        return new AdapterConfig(AdapterConfig.Kind.FULL, false, inputChannels, new int[] {8, 16, 32, 32}, 2, 1,
                false);
    }

    /** A small light adapter (widths 8, 16, 32, 32; 4 light blocks a level), as the color adapter. */
    public static AdapterConfig light() {
        return new AdapterConfig(AdapterConfig.Kind.LIGHT, false, 3, new int[] {8, 16, 32, 32}, 4, 1, false);
    }

    /**
     * A small SDXL full adapter whose widths (32, 64, 64, 64) fit the tiny SDXL UNet of
     * {@link dev.noodle.engine.model.TinyCheckpoints#sdxlUnet()} and {@code UNetConfig.tinyXl()}: its features land
     * on input blocks 3, 5, 8 and the middle block.
     */
    public static AdapterConfig sdxl(int inputChannels) {
        return new AdapterConfig(AdapterConfig.Kind.FULL, true, inputChannels, new int[] {32, 64, 64, 64}, 2, 1,
                false);
    }

    /** The weights of {@code config} by original name, deterministic for {@code seed}. */
    public static Map<String, TorchPickleWriter.Tensor> weights(AdapterConfig config, long seed) {
        Map<String, TorchPickleWriter.Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : config.parameterShapes().entrySet()) {
            long[] s = e.getValue();
            int n = Math.toIntExact(java.util.Arrays.stream(s).reduce(1, Math::multiplyExact));
            double std = s.length == 4 ? 1.0 / Math.sqrt(s[1] * s[2] * s[3]) : 0.1;
            Random r = new Random(seed * 1_000_003L + e.getKey().hashCode());
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                v[i] = (float) (r.nextGaussian() * std);
            }
            out.put(e.getKey(), new TorchPickleWriter.Tensor(s, v));
        }
        return out;
    }

    /** Writes an adapter of {@code config} in {@code format} (atomically); returns {@code file}. */
    public static Path write(Path file, AdapterConfig config, Format format, long seed) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Map<String, TorchPickleWriter.Tensor> w = weights(config, seed);
        switch (format) {
            case PTH -> TorchPickleWriter.write(file, new TorchPickleWriter.OrderedDict(new LinkedHashMap<>(w)));
            case PTH_WRAPPED -> TorchPickleWriter.write(file, Map.of(T2IAdapters.WRAPPER_KEY,
                    new TorchPickleWriter.OrderedDict(new LinkedHashMap<>(w))));
            case SAFETENSORS, DIFFUSERS -> {
                if (format == Format.DIFFUSERS && config.kind() != AdapterConfig.Kind.FULL) {
                    throw new IllegalArgumentException("diffusers names exist for full adapters only");
                }
                SafetensorsWriter sw = new SafetensorsWriter();
                sw.metadata("noodle.description", "tiny random-weight T2I-Adapter for tests");
                for (Map.Entry<String, TorchPickleWriter.Tensor> e : w.entrySet()) {
                    String name = format == Format.DIFFUSERS
                            ? T2IAdapterNames.toDiffusers(e.getKey(), config.resBlocks()) : e.getKey();
                    sw.addF32(name, e.getValue().shape(), e.getValue().data());
                }
                sw.write(file);
            }
        }
        return file;
    }
}
