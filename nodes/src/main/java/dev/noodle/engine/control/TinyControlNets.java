package dev.noodle.engine.control;

import dev.noodle.engine.io.SafetensorsWriter;
import dev.noodle.engine.io.TensorSource;
import dev.noodle.engine.io.pickle.TorchPickleWriter;
import dev.noodle.engine.model.DemoCheckpoint;
import dev.noodle.engine.unet.UNetConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes random-weight ControlNets in the layouts users download, with the real key names and shapes for a given
 * UNet config: for tests, example workflows and the demo model (a config as small as the demo checkpoint's UNet
 * runs in milliseconds). Values are deterministic per seed and key: weights normal with std 1/sqrt(fan-in)
 * (zero convolutions 0.25×, so the control steers without drowning the UNet), norm weights 1, biases small.
 * Stateless.
 */
public final class TinyControlNets {
    /** The file layouts of lllyasviel's ControlNets. */
    public enum Layout {
        /** v1.1 control-only {@code .pth}: a PyTorch zip pickle of {@code control_model.*} float32 tensors. */
        PTH,
        /**
         * v1.0 full model {@code .pth}: {@code control_model.*} beside a whole checkpoint's
         * {@code model.diffusion_model.*}, {@code cond_stage_model.*} and {@code first_stage_model.*} keys.
         */
        FULL_PTH,
        /** Pruned {@code control_*-fp16.safetensors}: {@code control_model.*} stored as fp16. */
        PRUNED_FP16,
        /** A control-only safetensors without the prefix, float32 (as ComfyUI saves and reads them). */
        SAFETENSORS
    }

    private TinyControlNets() {}

    /** The SD 1.x-shaped config of the demo checkpoint's UNet (a ControlNet for it runs on the demo model). */
    public static UNetConfig demoConfig() {
        return DemoCheckpoint.unetConfig();
    }

    /**
     * Writes a ControlNet for {@code config} (3-channel hint) in {@code layout}.
     *
     * @param seed varies the values (two files with different seeds control differently)
     * @return the file
     */
    public static Path write(Path file, UNetConfig config, Layout layout, long seed) throws IOException {
        Map<String, float[]> values = new LinkedHashMap<>();
        Map<String, long[]> shapes = ControlNet.shapes(config, 3);
        shapes.forEach((k, s) -> values.put(k, values(k, s, seed)));
        return switch (layout) {
            case PTH -> pickle(file, prefixed(shapes, values, Map.of()));
            case FULL_PTH -> {
                Map<String, long[]> others = new LinkedHashMap<>();
                UNetConfig.parameterShapes(config.withInChannels(4)).forEach((k, s) -> {
                    if (k.startsWith(UNetConfig.PREFIX + "out.") || k.startsWith(UNetConfig.PREFIX + "time_embed.")) {
                        others.put(k, s); // a sample of the checkpoint beside: none of it is read
                    }
                });
                others.put("cond_stage_model.transformer.text_model.final_layer_norm.weight", new long[] {8});
                others.put("first_stage_model.post_quant_conv.weight", new long[] {4, 4, 1, 1});
                others.put("logvar", new long[] {1000});
                yield pickle(file, prefixed(shapes, values, others));
            }
            case PRUNED_FP16 -> safetensors(file, shapes, values, ControlNet.PREFIX, true, Map.of());
            case SAFETENSORS -> safetensors(file, shapes, values, "", false, Map.of());
        };
    }

    /**
     * Writes a "difference" ControlNet (fp16 safetensors with {@code control_model.*} and a {@code difference}
     * key): every control weight the base model's UNet also has is stored minus that weight, so that loading it
     * onto {@code base} gives back the ControlNet {@link #write} makes with the same config and seed.
     *
     * @param base the base model's UNet weights (a checkpoint, keys under {@value UNetConfig#PREFIX})
     */
    public static Path writeDifference(Path file, UNetConfig config, TensorSource base, long seed)
            throws IOException {
        Map<String, long[]> shapes = ControlNet.shapes(config, 3);
        Map<String, float[]> values = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            float[] v = values(e.getKey(), e.getValue(), seed);
            String baseKey = UNetConfig.PREFIX + e.getKey();
            if (base.contains(baseKey)) {
                float[] b = base.loadFloats(baseKey);
                if (b.length != v.length) {
                    throw new IllegalArgumentException(base.describe() + ": '" + baseKey + "' has " + b.length
                            + " values, the ControlNet's " + v.length);
                }
                for (int i = 0; i < v.length; i++) {
                    v[i] -= b[i];
                }
            }
            values.put(e.getKey(), v);
        }
        return safetensors(file, shapes, values, ControlNet.PREFIX, true,
                Map.of(ControlModels.DIFFERENCE, new long[0]));
    }

    private static Map<String, Object> prefixed(Map<String, long[]> shapes, Map<String, float[]> values,
            Map<String, long[]> others) {
        Map<String, Object> entries = new LinkedHashMap<>();
        shapes.forEach((k, s) -> entries.put(ControlNet.PREFIX + k, new TorchPickleWriter.Tensor(s, values.get(k))));
        others.forEach((k, s) -> entries.put(k, new TorchPickleWriter.Tensor(s, values(k, s, 0))));
        return entries;
    }

    private static Path pickle(Path file, Map<String, Object> entries) throws IOException {
        createParent(file);
        TorchPickleWriter.write(file, new TorchPickleWriter.OrderedDict(entries));
        return file;
    }

    private static Path safetensors(Path file, Map<String, long[]> shapes, Map<String, float[]> values,
            String prefix, boolean fp16, Map<String, long[]> extra) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter();
        w.metadata("noodle.description", "random-weight ControlNet in lllyasviel's layout, for tests and demos");
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            if (fp16) {
                w.addF16(prefix + e.getKey(), e.getValue(), values.get(e.getKey()));
            } else {
                w.addF32(prefix + e.getKey(), e.getValue(), values.get(e.getKey()));
            }
        }
        extra.forEach((k, s) -> w.addF32(k, s, new float[] {1f}));
        createParent(file);
        w.write(file);
        return file;
    }

    private static void createParent(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
    }

    /** The value of one parameter for a seed (see the class comment). */
    static float[] values(String key, long[] shape, long seed) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] v = new float[Math.toIntExact(n)];
        SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ hash(key));
        boolean norm = shape.length == 1 && (key.contains("norm") || key.contains("in_layers.0.")
                || key.contains("out_layers.0."));
        if (key.endsWith(".bias")) {
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (0.02 * gaussian(rnd));
            }
            return v;
        }
        if (norm) {
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (1 + 0.05 * gaussian(rnd));
            }
            return v;
        }
        long fanIn = 1;
        for (int i = 1; i < shape.length; i++) {
            fanIn *= shape[i];
        }
        double std = 1.0 / Math.sqrt(Math.max(1, fanIn));
        if (key.startsWith("zero_convs.") || key.startsWith("middle_block_out.")) {
            std *= 0.25;
        } else if (key.contains("out_layers.3") || key.contains("proj_out") || key.contains("to_out")
                || key.contains("ff.net.2")) {
            std *= 0.5;
        }
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (gaussian(rnd) * std);
        }
        return v;
    }

    private static long hash(String key) {
        long h = 0xcbf29ce484222325L;
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ b) * 0x100000001B3L;
        }
        return h;
    }

    private static double gaussian(SplittableRandom r) {
        double u = 1.0 - r.nextDouble();
        double v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
}
