package dev.noodle.engine.control;

import dev.noodle.engine.io.SafetensorsWriter;
import dev.noodle.engine.keys.KeyNames;
import dev.noodle.engine.unet.UNetConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes random-weight ControlNet files in the other layouts people download, for tests and demos: a diffusers
 * {@code ControlNetModel} and a Stability control-LoRA (lllyasviel's layouts: {@link TinyControlNets}). A weight's
 * values depend only on its LDM key and the seed, as {@link TinyControlNets}' do, so a diffusers file and an LDM
 * file written with one seed hold the same ControlNet. Stateless.
 */
public final class ControlNetFiles {
    private ControlNetFiles() {}

    /** The diffusers {@code ControlNetModel} key of every LDM control-only key of this config. */
    public static Map<String, String> diffusersNames(UNetConfig c) {
        Map<String, String> modules = new LinkedHashMap<>();
        KeyNames.diffusersToLdmUnetEncoder(c.numResBlocks(), c.inputDepth(), c.middleDepth())
                .forEach((d, l) -> modules.put(l, d));
        modules.put("input_hint_block.0", "controlnet_cond_embedding.conv_in");
        int last = 2 * ControlNet.HINT_WIDTHS.length;
        for (int i = 1; i < last / 2; i++) {
            modules.put("input_hint_block." + 2 * i, "controlnet_cond_embedding.blocks." + (i - 1));
        }
        modules.put("input_hint_block." + last, "controlnet_cond_embedding.conv_out");
        for (int i = 0; i < c.inputBlockChannels().length; i++) {
            modules.put("zero_convs." + i + ".0", "controlnet_down_blocks." + i);
        }
        modules.put("middle_block_out.0", "controlnet_mid_block");
        Map<String, String> keys = new LinkedHashMap<>();
        for (String ldm : ControlNet.shapes(c, 3).keySet()) {
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
        ControlNet.shapes(c, hintChannels).forEach((k, v) -> s.put(names.get(k), v));
        return s;
    }

    /** A UNet-only file ({@value UNetConfig#PREFIX} keys) with {@link #values} of the given seed. */
    public static Path writeUnet(Path file, UNetConfig c, long seed) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter();
        UNetConfig.parameterShapes(c).forEach((k, s) ->
                w.addF32(k, s, TinyControlNets.values(k.substring(UNetConfig.PREFIX.length()), s, seed)));
        w.write(file);
        return file;
    }

    /** A diffusers {@code ControlNetModel} ({@code diffusion_pytorch_model.safetensors}) with the same weights. */
    public static Path writeDiffusers(Path file, UNetConfig c, int hintChannels, long seed) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter();
        Map<String, String> names = diffusersNames(c);
        ControlNet.shapes(c, hintChannels).forEach((k, s) -> w.addF32(names.get(k), s, TinyControlNets.values(k, s, seed)));
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
        controlLoraShapes(c, hintChannels, rank).forEach((k, s) -> w.addF32(k, s, TinyControlNets.values(k, s, seed)));
        w.write(file);
        return file;
    }

    /** Keys and shapes of a control-LoRA of the given rank, as {@link #writeControlLora} writes them. */
    public static Map<String, long[]> controlLoraShapes(UNetConfig c, int hintChannels, int rank) {
        Map<String, long[]> out = new LinkedHashMap<>();
        ControlNet.shapes(c, hintChannels).forEach((k, s) -> {
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
}
