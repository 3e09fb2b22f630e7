package dev.noodle.engine.control;

import dev.noodle.engine.io.SafetensorsWriter;
import dev.noodle.engine.keys.KeyNames;
import dev.noodle.engine.unet.UNetConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes random-weight ControlNet files in the layouts people download, for tests and demos: the LDM control-only
 * layout, lllyasviel's full v1.0 layout ({@code control_model.} beside the UNet), a diffusers
 * {@code ControlNetModel} and a Stability control-LoRA. A weight's values depend only on its LDM key and the seed,
 * so every layout written with one seed holds the same ControlNet. Stateless.
 */
public final class ControlNetFiles {
    private ControlNetFiles() {}

    /**
     * Deterministic values of one ControlNet weight: normal with std 1/sqrt(fan_in) for weights, 0.05 for
     * biases, 1 ± 0.05 for norm scales.
     */
    public static float[] values(String ldmKey, long[] shape, long seed) {
        long n = 1;
        long fanIn = 1;
        for (int i = 0; i < shape.length; i++) {
            n *= shape[i];
            if (i > 0) {
                fanIn *= shape[i];
            }
        }
        float[] v = new float[Math.toIntExact(n)];
        SplittableRandom rnd = new SplittableRandom(seed ^ hash(ldmKey));
        boolean norm = shape.length == 1 && ldmKey.endsWith(".weight");
        double std = shape.length == 1 ? 0.05 : 1.0 / Math.sqrt(Math.max(1, fanIn));
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((norm ? 1 : 0) + gaussian(rnd) * std);
        }
        return v;
    }

    /** The diffusers {@code ControlNetModel} key of every LDM control-only key of this config. */
    public static Map<String, String> diffusersNames(UNetConfig c) {
        Map<String, String> modules = new LinkedHashMap<>();
        KeyNames.diffusersToLdmUnetEncoder(c.numResBlocks(), c.inputDepth(), c.middleDepth())
                .forEach((d, l) -> modules.put(l, d));
        modules.put("input_hint_block.0", "controlnet_cond_embedding.conv_in");
        for (int i = 1; i < ControlNetLayout.HINT_LAST / 2; i++) {
            modules.put("input_hint_block." + 2 * i, "controlnet_cond_embedding.blocks." + (i - 1));
        }
        modules.put("input_hint_block." + ControlNetLayout.HINT_LAST, "controlnet_cond_embedding.conv_out");
        for (int i = 0; i < ControlNetLayout.zeroConvCount(c); i++) {
            modules.put("zero_convs." + i + ".0", "controlnet_down_blocks." + i);
        }
        modules.put("middle_block_out.0", "controlnet_mid_block");
        Map<String, String> keys = new LinkedHashMap<>();
        for (String ldm : ControlNetLayout.shapes(c, 3).keySet()) {
            int dot = ldm.lastIndexOf('.');
            String d = modules.get(ldm.substring(0, dot));
            if (d == null) {
                throw new IllegalStateException("no diffusers name for " + ldm);
            }
            keys.put(ldm, d + ldm.substring(dot));
        }
        return keys;
    }

    /** Keys and shapes of a diffusers ControlNet for this config, in the order it writes them. */
    public static Map<String, long[]> diffusersShapes(UNetConfig c, int hintChannels) {
        Map<String, String> names = diffusersNames(c);
        Map<String, long[]> s = new LinkedHashMap<>();
        ControlNetLayout.shapes(c, hintChannels).forEach((k, v) -> s.put(names.get(k), v));
        return s;
    }

    /** An LDM control-only ControlNet ({@code control_v11p_sd15_*.safetensors} layout). */
    public static Path writeLdm(Path file, UNetConfig c, int hintChannels, long seed) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter();
        ControlNetLayout.shapes(c, hintChannels).forEach((k, s) -> w.addF32(k, s, values(k, s, seed)));
        w.write(file);
        return file;
    }

    /**
     * A full LDM ControlNet model (lllyasviel's v1.0 {@code control_sd15_*.pth} layout): the ControlNet under
     * {@code control_model.} beside a UNet under {@value UNetConfig#PREFIX}; with {@code difference} the control
     * weights are stored as differences to {@code unetSeed}'s UNet and the {@code difference} marker is added.
     */
    public static Path writeLdmFull(Path file, UNetConfig c, int hintChannels, long seed, boolean difference,
            long unetSeed) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter();
        Map<String, long[]> unet = new LinkedHashMap<>();
        UNetConfig.parameterShapes(c).forEach((k, s) -> unet.put(k.substring(UNetConfig.PREFIX.length()), s));
        ControlNetLayout.shapes(c, hintChannels).forEach((k, s) -> {
            float[] v = values(k, s, seed);
            if (difference && unet.containsKey(k)) {
                float[] base = values(k, s, unetSeed);
                for (int i = 0; i < v.length; i++) {
                    v[i] -= base[i];
                }
            }
            w.addF32(ControlNetFormats.FULL_PREFIX + k, s, v);
        });
        unet.forEach((k, s) -> w.addF32(UNetConfig.PREFIX + k, s, values(k, s, unetSeed)));
        if (difference) {
            w.addF32(ControlNetFormats.DIFFERENCE_MARKER, new long[0], new float[] {0});
        }
        w.write(file);
        return file;
    }

    /** A UNet-only file ({@value UNetConfig#PREFIX} keys) with {@link #values} of the given seed. */
    public static Path writeUnet(Path file, UNetConfig c, long seed) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter();
        UNetConfig.parameterShapes(c).forEach((k, s) ->
                w.addF32(k, s, values(k.substring(UNetConfig.PREFIX.length()), s, seed)));
        w.write(file);
        return file;
    }

    /** A diffusers {@code ControlNetModel} ({@code diffusion_pytorch_model.safetensors}) with the same weights. */
    public static Path writeDiffusers(Path file, UNetConfig c, int hintChannels, long seed) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter();
        Map<String, String> names = diffusersNames(c);
        ControlNetLayout.shapes(c, hintChannels).forEach((k, s) -> w.addF32(names.get(k), s, values(k, s, seed)));
        w.write(file);
        return file;
    }

    /**
     * A control-LoRA as Stability's and ComfyUI's {@code ControlLoraSave} write them: for each UNet weight of two
     * or more dimensions an {@code X.up [out, rank(, 1, 1)]} / {@code X.down [rank, in(, kh, kw)]} pair, every
     * other tensor in full, and the empty {@code lora_controlnet} marker.
     */
    public static Path writeControlLora(Path file, UNetConfig c, int hintChannels, int rank, long seed)
            throws IOException {
        SafetensorsWriter w = new SafetensorsWriter();
        controlLoraShapes(c, hintChannels, rank).forEach((k, s) -> w.addF32(k, s, values(k, s, seed)));
        w.write(file);
        return file;
    }

    /** Keys and shapes of a control-LoRA of the given rank, as {@link #writeControlLora} writes them. */
    public static Map<String, long[]> controlLoraShapes(UNetConfig c, int hintChannels, int rank) {
        Map<String, long[]> out = new LinkedHashMap<>();
        ControlNetLayout.shapes(c, hintChannels).forEach((k, s) -> {
            if (ControlNetLayout.isUnetPart(k) && s.length >= 2) {
                String m = k.substring(0, k.length() - ".weight".length());
                long in = 1;
                for (int i = 1; i < s.length; i++) {
                    in *= s[i];
                }
                long r = Math.min(rank, Math.min(s[0], in));
                out.put(m + ".up", s.length == 4 ? new long[] {s[0], r, 1, 1} : new long[] {s[0], r});
                out.put(m + ".down", s.length == 4 ? new long[] {r, s[1], s[2], s[3]} : new long[] {r, s[1]});
            } else {
                out.put(k, s);
            }
        });
        out.put(ControlNetFormats.LORA_MARKER, new long[] {0});
        return out;
    }

    private static long hash(String key) {
        long h = 0xCBF29CE484222325L;
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
