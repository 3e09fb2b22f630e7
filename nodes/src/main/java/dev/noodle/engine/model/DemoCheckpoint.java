package dev.noodle.engine.model;

import dev.noodle.engine.io.SafetensorsWriter;
import dev.noodle.engine.text.ClipConfig;
import dev.noodle.engine.text.ClipTextModel;
import dev.noodle.engine.text.DemoVocabulary;
import dev.noodle.engine.unet.UNetConfig;
import dev.noodle.engine.vae.AutoencoderKL;
import dev.noodle.engine.vae.VaeConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Generates Noodle's offline demo checkpoint: a tiny random-weight SD 1.x model in the real single-file layout
 * and key names ({@code model.diffusion_model.*}, {@code cond_stage_model.transformer.text_model.*},
 * {@code first_stage_model.*}), so it loads through exactly the code real checkpoints use. Its text encoder uses
 * the generated demo vocabulary ({@link DemoVocabulary}), named in the file's metadata. The weights are random,
 * so its images are abstract. Deterministic: the same bytes every time.
 */
public final class DemoCheckpoint {
    /** File name of the demo checkpoint in the checkpoints folder. */
    public static final String FILE_NAME = "noodle-demo-tiny-sd15.safetensors";
    /** Metadata key naming the tokenizer a checkpoint needs. */
    public static final String TOKENIZER_KEY = "noodle.tokenizer";
    /** Metadata value for the generated demo vocabulary. */
    public static final String DEMO_TOKENIZER = "noodle-demo-vocabulary";

    private DemoCheckpoint() {}

    /** The demo text encoder: 12 layers (so clip skip 1..12 works) at width 64. */
    public static ClipConfig clipConfig() {
        return new ClipConfig(64, 12, 2, DemoVocabulary.tokenizer().vocabSize(), 77, 256,
                ClipConfig.Activation.QUICK_GELU, 1e-5f);
    }

    /**
     * The demo UNet: SD1 layout at width 32, two levels, attention only on the lower-resolution level so a 512²
     * image samples in seconds on a CPU.
     */
    public static UNetConfig unetConfig() {
        UNetConfig t = UNetConfig.tiny();
        return new UNetConfig(t.inChannels(), t.outChannels(), t.modelChannels(), t.channelMult(), t.numResBlocks(),
                new boolean[] {false, true}, t.numHeads(), t.headChannels(), t.transformerDepth(), t.contextDim(),
                t.linearProjection());
    }

    /** Writes the checkpoint to {@code file} (atomically) unless it exists; returns the path. */
    public static Path ensure(Path file) throws IOException {
        if (Files.isRegularFile(file)) {
            return file;
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        SafetensorsWriter w = new SafetensorsWriter();
        w.metadata(TOKENIZER_KEY, DEMO_TOKENIZER);
        w.metadata("noodle.description", "Noodle demo model: tiny SD 1.x layout with random weights; images are "
                + "abstract. Put real checkpoints in models/checkpoints/.");
        add(w, "", UNetConfig.parameterShapes(unetConfig())); // keys already carry model.diffusion_model.
        add(w, "cond_stage_model.transformer.text_model.", ClipTextModel.parameterShapes(clipConfig()));
        add(w, AutoencoderKL.CHECKPOINT_PREFIX, AutoencoderKL.parameterShapes(VaeConfig.tiny()));
        w.write(file);
        return file;
    }

    private static void add(SafetensorsWriter w, String prefix, Map<String, long[]> shapes) {
        for (Map.Entry<String, long[]> e : new TreeMap<>(shapes).entrySet()) {
            w.addF32(prefix + e.getKey(), e.getValue(), values(prefix + e.getKey(), e.getValue()));
        }
    }

    /**
     * Deterministic initial values per key: normal weights with std 1/sqrt(fan_in) (0.5× on residual outputs),
     * norm weights 1, biases 0, embeddings std 0.02.
     */
    static float[] values(String key, long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] v = new float[Math.toIntExact(n)];
        boolean norm = key.contains("norm") || key.contains("layer_norm") || key.matches(".*in_layers\\.0\\..*")
                || key.matches(".*out_layers\\.0\\..*") || key.matches(".*\\.out\\.0\\..*");
        if (key.endsWith(".bias")) {
            return v;
        }
        if (norm && shape.length == 1) {
            java.util.Arrays.fill(v, 1f);
            return v;
        }
        SplittableRandom rnd = new SplittableRandom(seed(key));
        double std;
        if (key.contains("embedding")) {
            std = 0.02;
        } else {
            long fanIn = 1;
            for (int i = 1; i < shape.length; i++) {
                fanIn *= shape[i];
            }
            std = 1.0 / Math.sqrt(Math.max(1, fanIn));
            if (key.contains("out_layers.3") || key.contains("proj_out") || key.contains("to_out")
                    || key.contains("ff.net.2") || key.contains("fc2") || key.contains("out_proj")) {
                std *= 0.5;
            }
        }
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (gaussian(rnd) * std);
        }
        return v;
    }

    private static long seed(String key) {
        long h = 0x9E3779B97F4A7C15L;
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
