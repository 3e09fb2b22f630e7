package dev.noodle.nodes.host;

import dev.noodle.engine.adapters.LoraPatcher;
import dev.noodle.engine.io.SafetensorsWriter;
import dev.noodle.engine.io.pickle.TorchPickleWriter;
import dev.noodle.engine.keys.KeyNames;
import dev.noodle.engine.model.DemoCheckpoint;
import dev.noodle.engine.text.ClipTextModel;
import dev.noodle.engine.unet.UNetConfig;
import dev.noodle.engine.vae.AutoencoderKL;
import dev.noodle.engine.vae.VaeConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Generates tiny add-on files that fit Noodle's demo checkpoint, so the example workflows run offline: a kohya
 * LoRA for its UNet and text encoder attention, a textual-inversion embedding of its text width (64), a VAE of
 * its layout with other random weights and an A1111 hypernetwork for its attention width 64. Deterministic: the same bytes every time; existing files are kept.
 */
public final class DemoAddons {
    /** The demo LoRA in {@code loras/}. */
    public static final String LORA = "noodle-demo-lora.safetensors";
    /** The demo embedding in {@code embeddings/} (prompt: {@code embedding:noodle-demo-embedding}). */
    public static final String EMBEDDING = "noodle-demo-embedding.safetensors";
    /** The demo VAE in {@code vae/}. */
    public static final String VAE = "noodle-demo-vae.safetensors";
    /** The demo hypernetwork in {@code hypernetworks/} (A1111 {@code .pt}, modules for width 64). */
    public static final String HYPERNETWORK = "noodle-demo-hypernetwork.pt";
    /** The demo ControlNet in {@code controlnet/} (lllyasviel layout, for the demo checkpoint's UNet). */
    public static final String CONTROLNET = "noodle-demo-controlnet.safetensors";
    /** The demo CLIP image tower in {@code clip_vision/} (Hugging Face layout, 64 wide, 56 px input). */
    public static final String CLIP_VISION = "noodle-demo-clip-vision.safetensors";
    /** The demo style adapter in {@code style_models/} (for the demo tower and the demo checkpoint's 64-wide text). */
    public static final String STYLE_MODEL = "noodle-demo-style-model.safetensors";
    /** The demo upscaler in {@code upscale_models/} (Real-ESRGAN layout in params_ema, 2 small blocks, ×4). */
    public static final String UPSCALER = "noodle-demo-upscaler-x4.pth";
    private static final int RANK = 4;

    private DemoAddons() {}

    /** Writes the demo checkpoint and every demo add-on under {@code modelsRoot} unless present. */
    public static void ensure(Path modelsRoot) throws IOException {
        DemoCheckpoint.ensure(modelsRoot.resolve(ModelKind.CHECKPOINTS.folder()).resolve(DemoCheckpoint.FILE_NAME));
        ensureLora(modelsRoot.resolve(ModelKind.LORAS.folder()).resolve(LORA));
        ensureEmbedding(modelsRoot.resolve(ModelKind.EMBEDDINGS.folder()).resolve(EMBEDDING));
        ensureVae(modelsRoot.resolve(ModelKind.VAE.folder()).resolve(VAE));
        ensureHypernetwork(modelsRoot.resolve(ModelKind.HYPERNETWORKS.folder()).resolve(HYPERNETWORK));
        ensureControlNet(modelsRoot.resolve(ModelKind.CONTROLNET.folder()).resolve(CONTROLNET));
        ensureClipVision(modelsRoot.resolve(ModelKind.CLIP_VISION.folder()).resolve(CLIP_VISION));
        ensureStyleModel(modelsRoot.resolve(ModelKind.STYLE_MODELS.folder()).resolve(STYLE_MODEL));
        ensureUpscaler(modelsRoot.resolve(ModelKind.UPSCALE_MODELS.folder()).resolve(UPSCALER));
    }

    /** Writes the demo upscaler (random weights; 16 features, 2 blocks, ×4) unless present. */
    public static Path ensureUpscaler(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            Files.createDirectories(file.toAbsolutePath().getParent());
            dev.noodle.engine.upscale.RandomUpscalers.write(file, new dev.noodle.engine.upscale.RrdbNet.Config(
                            dev.noodle.engine.upscale.RrdbNet.Layout.REAL_ESRGAN, 3, 3, 16, 8, 2, 2, 1),
                    dev.noodle.engine.upscale.RandomUpscalers.Container.PTH_PARAMS_EMA, 1);
        }
        return file;
    }

    /** The demo tower's sizes: a small ViT with 14-px patches on a 56-px input (17 tokens), exact GELU. */
    public static dev.noodle.engine.vision.ClipVisionConfig clipVisionConfig() {
        return new dev.noodle.engine.vision.ClipVisionConfig(64, 2, 16, 128, 14, 56, 32,
                dev.noodle.engine.text.ClipConfig.Activation.GELU, 1e-5f);
    }

    /** Writes the demo CLIP image tower (random weights) unless present. */
    public static Path ensureClipVision(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            Files.createDirectories(file.getParent());
            dev.noodle.engine.vision.ClipVisionWriter.write(file, dev.noodle.engine.vision.ClipVisionLayout.HF,
                    clipVisionConfig(), 1);
        }
        return file;
    }

    /** Writes the demo style adapter (random weights: 8 tokens of the demo text width from the demo tower). */
    public static Path ensureStyleModel(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            Files.createDirectories(file.getParent());
            dev.noodle.engine.vision.StyleAdapterWriter.write(file, new dev.noodle.engine.vision.StyleAdapter.Config(
                    clipVisionConfig().width(), DemoCheckpoint.clipConfig().width(), 1, 8), 1);
        }
        return file;
    }

    /** Writes the demo ControlNet (random weights, the demo UNet's encoder layout) unless present. */
    public static Path ensureControlNet(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            dev.noodle.engine.control.TinyControlNets.write(file, dev.noodle.engine.control.TinyControlNets.demoConfig(),
                    dev.noodle.engine.control.TinyControlNets.Layout.SAFETENSORS, 1);
        }
        return file;
    }

    /** The demo checkpoint in {@code checkpoints/} (a tiny SD 1.5 layout, generated on first use). */
    public static final String CHECKPOINT = DemoCheckpoint.FILE_NAME;

    /**
     * Whether {@code name} is the demo checkpoint or one of its demo add-ons in {@code kind}'s folder: files made for
     * the demo's SD 1.x layout, listed before they are generated.
     */
    public static boolean isDemo(ModelKind kind, String name) {
        return switch (kind) {
            case CHECKPOINTS -> name.equals(CHECKPOINT);
            case LORAS -> name.equals(LORA);
            case VAE -> name.equals(VAE);
            case EMBEDDINGS -> name.equals(EMBEDDING);
            case HYPERNETWORKS -> name.equals(HYPERNETWORK);
            case CONTROLNET -> name.equals(CONTROLNET);
            default -> false;
        };
    }

    /** Writes the demo file of a kind's folder when {@code name} is one, returning whether it is a demo name. */
    public static boolean ensureIfDemo(ModelFolders folders, ModelKind kind, String name) throws IOException {
        Path p = folders.folder(kind).resolve(name);
        switch (kind) {
            case LORAS -> {
                if (name.equals(LORA)) {
                    ensureLora(p);
                    return true;
                }
            }
            case VAE -> {
                if (name.equals(VAE)) {
                    ensureVae(p);
                    return true;
                }
            }
            case EMBEDDINGS -> {
                if (name.equals(EMBEDDING)) {
                    ensureEmbedding(p);
                    return true;
                }
            }
            case HYPERNETWORKS -> {
                if (name.equals(HYPERNETWORK)) {
                    ensureHypernetwork(p);
                    return true;
                }
            }
            case CONTROLNET -> {
                if (name.equals(CONTROLNET)) {
                    ensureControlNet(p);
                    return true;
                }
            }
            case CLIP_VISION -> {
                if (name.equals(CLIP_VISION)) {
                    ensureClipVision(p);
                    return true;
                }
            }
            case STYLE_MODELS -> {
                if (name.equals(STYLE_MODEL)) {
                    ensureStyleModel(p);
                    return true;
                }
            }
            case UPSCALE_MODELS -> {
                if (name.equals(UPSCALER)) {
                    ensureUpscaler(p);
                    return true;
                }
            }
            default -> { }
        }
        return false;
    }

    /** A kohya LoRA (rank 4, alpha 4) on every attention projection of the demo UNet and text encoder. */
    static void ensureLora(Path file) throws IOException {
        if (Files.isRegularFile(file)) {
            return;
        }
        UNetConfig uc = DemoCheckpoint.unetConfig();
        Map<String, long[]> unet = new LinkedHashMap<>();
        UNetConfig.parameterShapes(uc).forEach((k, v) -> unet.put(k.substring(UNetConfig.PREFIX.length()), v));
        Map<String, long[]> text = ClipTextModel.parameterShapes(DemoCheckpoint.clipConfig());
        LoraPatcher.Targets t = LoraPatcher.Targets.fromShapes(unet, LoraPatcher.naming(uc), text, Map.of(), null);
        SafetensorsWriter w = new SafetensorsWriter();
        w.metadata("ss_network_module", "networks.lora");
        w.metadata("ss_network_dim", String.valueOf(RANK));
        w.metadata("ss_network_alpha", String.valueOf(RANK));
        w.metadata("noodle.description", "Noodle demo LoRA for the demo checkpoint (random factors)");
        for (Map.Entry<String, KeyNames.Target> e : new TreeMap<>(t.names()).entrySet()) {
            String name = e.getKey();
            String key = e.getValue().key();
            boolean kohya = name.startsWith(KeyNames.KOHYA_UNET) || name.startsWith(KeyNames.KOHYA_TE);
            boolean attention = key.matches(".*(attn[12]\\.to_(q|k|v|out\\.0)|self_attn\\.(q|k|v|out)_proj)\\.weight");
            long[] shape = t.shapes().get(e.getValue());
            if (!kohya || !attention || shape.length != 2) {
                continue;
            }
            w.addF32(name + ".lora_down.weight", new long[] {RANK, shape[1]},
                    random(name + "down", RANK * (int) shape[1], 1.0 / Math.sqrt(shape[1])));
            w.addF32(name + ".lora_up.weight", new long[] {shape[0], RANK},
                    random(name + "up", (int) shape[0] * RANK, 0.5 / Math.sqrt(RANK)));
            w.addF32(name + ".alpha", new long[] {}, new float[] {RANK});
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        w.write(file);
    }

    /** A 2-token textual-inversion embedding ({@code emb_params} [2, 64]). */
    static void ensureEmbedding(Path file) throws IOException {
        if (Files.isRegularFile(file)) {
            return;
        }
        int width = DemoCheckpoint.clipConfig().width();
        SafetensorsWriter w = new SafetensorsWriter();
        w.addF32("emb_params", new long[] {2, width}, random("embedding", 2 * width, 0.3));
        Files.createDirectories(file.toAbsolutePath().getParent());
        w.write(file);
    }

    /** A standalone VAE in the demo checkpoint's layout (bare encoder./decoder. keys), other random weights. */
    static void ensureVae(Path file) throws IOException {
        if (Files.isRegularFile(file)) {
            return;
        }
        SafetensorsWriter w = new SafetensorsWriter();
        for (Map.Entry<String, long[]> e : new TreeMap<>(AutoencoderKL.parameterShapes(VaeConfig.tiny())).entrySet()) {
            String k = e.getKey();
            long[] s = e.getValue();
            int n = 1;
            for (long d : s) {
                n *= (int) d;
            }
            long fanIn = 1;
            for (int i = 1; i < s.length; i++) {
                fanIn *= s[i];
            }
            float[] v;
            if (k.endsWith(".bias")) {
                v = new float[n];
            } else if (s.length == 1) {
                v = new float[n];
                java.util.Arrays.fill(v, 1f);
            } else {
                v = random("vae" + k, n, 1.0 / Math.sqrt(fanIn));
            }
            w.addF32(k, s, v);
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        w.write(file);
    }

    /**
     * An AUTOMATIC1111 hypernetwork for the demo text width (64): layer structure [1, 2, 1], relu, no layer norm or
     * dropout, written as A1111 saves it (a torch zip pickle: {@code {64: [k_state_dict, v_state_dict], settings}}),
     * so AUTOMATIC1111 and ComfyUI can read the same file.
     */
    public static void ensureHypernetwork(Path file) throws IOException {
        ensureHypernetwork(file, DemoCheckpoint.clipConfig().width());
    }

    /** The same kind of hypernetwork for a text encoder of another width (768 for SD 1.x), e.g. for full-size tests. */
    public static void ensureHypernetwork(Path file, int width) throws IOException {
        if (Files.isRegularFile(file)) {
            return;
        }
        double[] structure = {1, 2, 1};
        Map<Object, Object> root = new LinkedHashMap<>();
        List<Object> kv = new ArrayList<>();
        for (String part : new String[] {"k", "v"}) {
            Map<String, Object> sd = new LinkedHashMap<>();
            for (int i = 0; i < structure.length - 1; i++) {
                int in = (int) (width * structure[i]);
                int out = (int) (width * structure[i + 1]);
                // relu occupies index 1 after the first linear (A1111's Sequential), so the second linear is linear.2
                String name = "linear." + (2 * i);
                sd.put(name + ".weight", new TorchPickleWriter.Tensor(new long[] {out, in},
                        random("hn" + part + name + "w", out * in, 0.5 / Math.sqrt(in))));
                sd.put(name + ".bias", new TorchPickleWriter.Tensor(new long[] {out},
                        random("hn" + part + name + "b", out, 0.05)));
            }
            kv.add(new TorchPickleWriter.OrderedDict(sd));
        }
        root.put(width, kv);
        root.put("step", 0);
        root.put("name", "noodle-demo-hypernetwork");
        root.put("layer_structure", List.of(1.0, 2.0, 1.0));
        root.put("activation_func", "relu");
        root.put("is_layer_norm", false);
        root.put("weight_initialization", "Normal");
        root.put("sd_checkpoint", null);
        root.put("sd_checkpoint_name", DemoCheckpoint.FILE_NAME);
        root.put("activate_output", false);
        root.put("use_dropout", false);
        root.put("dropout_structure", List.of(0.0, 0.0, 0.0));
        root.put("last_layer_dropout", false);
        root.put("optional_info", "Noodle demo hypernetwork for the demo checkpoint (random weights)");
        Files.createDirectories(file.toAbsolutePath().getParent());
        TorchPickleWriter.write(file, root);
    }

    private static float[] random(String key, int n, double std) {
        SplittableRandom r = new SplittableRandom(key.hashCode() * 0x9E3779B97F4A7C15L);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            double u = 1.0 - r.nextDouble();
            v[i] = (float) (Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble()) * std);
        }
        return v;
    }
}
