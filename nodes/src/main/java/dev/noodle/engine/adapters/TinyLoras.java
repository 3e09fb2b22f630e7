package dev.noodle.engine.adapters;

import dev.noodle.engine.io.SafetensorsWriter;
import dev.noodle.engine.keys.KeyNames;
import dev.noodle.engine.unet.UNetConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Writes small random-weight UNet LoRAs in the layouts the few-step LoRAs are published in, for tests: LCM-LoRA
 * ({@code lcm-lora-sdv1-5}, {@code lcm-lora-sdxl}), SDXL-Lightning and Hyper-SD. Their modules are the ones
 * diffusers' {@code train_lcm_distill_lora_*.py} trains ({@code to_q/k/v/out.0}, {@code proj_in/out},
 * {@code ff.net.0.proj}, {@code ff.net.2}, every ResBlock's {@code conv1}, {@code conv2}, {@code time_emb_proj},
 * {@code conv_shortcut}, and the down/upsampler convolutions), named by diffusers module path either in kohya
 * spelling ({@code lora_unet_down_blocks_0_resnets_0_conv1.lora_down.weight}, {@code .lora_up.weight},
 * {@code .alpha}: the files ComfyUI's LCM and Lightning examples load) or in diffusers/PEFT spelling
 * ({@code unet.down_blocks.0.resnets.0.conv1.lora_A.weight}, {@code .lora_B.weight}, no alpha). Convolutions get a
 * LoCon pair (down {@code [r, in, k, k]}, up {@code [out, r, 1, 1]}). Values are deterministic per key. Stateless.
 */
public final class TinyLoras {
    /** How the module names and factor tensors are spelled. */
    public enum Layout {
        /** {@code lora_unet_<diffusers path with _>.lora_down/lora_up.weight} and {@code .alpha} (kohya). */
        KOHYA_DIFFUSERS,
        /** {@code unet.<diffusers path>.lora_A/lora_B.weight} (diffusers/PEFT; alpha = rank). */
        PEFT
    }

    /** The diffusers module names (last path parts) the few-step LoRAs train. */
    static final List<String> TRAINED = List.of(".to_q", ".to_k", ".to_v", ".to_out.0", ".proj_in", ".proj_out",
            ".ff.net.0.proj", ".ff.net.2", ".conv1", ".conv2", ".time_emb_proj", ".conv_shortcut",
            ".downsamplers.0.conv", ".upsamplers.0.conv");

    private TinyLoras() {}

    /**
     * Writes a LoRA for a UNet of {@code config} (atomically); returns {@code file}.
     *
     * @param rank the LoRA rank (alpha is written equal to {@code alpha})
     * @param alpha the kohya alpha (ignored for {@link Layout#PEFT}, whose scale is 1)
     */
    public static Path write(Path file, UNetConfig config, Layout layout, int rank, float alpha) throws IOException {
        return write(file, config, layout, rank, alpha,
                Map.of("noodle.description", "tiny random-weight " + layout + " LoRA for tests"));
    }

    /**
     * As {@link #write(Path, UNetConfig, Layout, int, float)} with this safetensors {@code __metadata__} (kohya's
     * {@code ss_*} fields, {@code modelspec.*} …) instead of the default description.
     */
    public static Path write(Path file, UNetConfig config, Layout layout, int rank, float alpha,
            Map<String, String> metadata) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter();
        new TreeMap<>(metadata).forEach(w::metadata);
        for (Map.Entry<String, long[]> e : modules(config).entrySet()) {
            String diffusers = e.getKey();
            long[] shape = e.getValue(); // [out, in] or [out, in, k, k]
            long in = 1;
            for (int i = 1; i < shape.length; i++) {
                in *= shape[i];
            }
            long[] down = shape.length == 4 ? new long[] {rank, shape[1], shape[2], shape[3]} : new long[] {rank,
                    shape[1]};
            long[] up = shape.length == 4 ? new long[] {shape[0], rank, 1, 1} : new long[] {shape[0], rank};
            float[] d = values(diffusers + "down", (int) (rank * in), 1.0 / Math.sqrt(in));
            float[] u = values(diffusers + "up", (int) (shape[0] * rank), 0.05 / Math.sqrt(rank));
            if (layout == Layout.KOHYA_DIFFUSERS) {
                String name = KeyNames.KOHYA_UNET + diffusers.replace('.', '_');
                w.addF32(name + ".lora_down.weight", down, d);
                w.addF32(name + ".lora_up.weight", up, u);
                w.addF32(name + ".alpha", new long[] {}, new float[] {alpha});
            } else {
                w.addF32("unet." + diffusers + ".lora_A.weight", down, d);
                w.addF32("unet." + diffusers + ".lora_B.weight", up, u);
            }
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        w.write(file);
        return file;
    }

    /** Diffusers module path → its weight's shape, for every module the few-step LoRAs train, sorted by name. */
    public static Map<String, long[]> modules(UNetConfig config) {
        Map<String, long[]> unet = new TreeMap<>();
        UNetConfig.parameterShapes(config).forEach((k, v) -> unet.put(k.substring(UNetConfig.PREFIX.length()), v));
        LoraPatcher.Targets t = LoraPatcher.Targets.fromShapes(unet, LoraPatcher.naming(config), Map.of(), Map.of(),
                null);
        Map<String, long[]> out = new TreeMap<>();
        for (Map.Entry<String, KeyNames.Target> e : t.names().entrySet()) {
            if (!e.getKey().startsWith("unet.")) {
                continue;
            }
            String diffusers = e.getKey().substring("unet.".length());
            if (TRAINED.stream().anyMatch(diffusers::endsWith)) {
                out.put(diffusers, t.shapes().get(e.getValue()));
            }
        }
        return out;
    }

    private static float[] values(String key, int n, double std) {
        Random r = new Random(key.hashCode() * 31L + n);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * std);
        }
        return v;
    }
}
