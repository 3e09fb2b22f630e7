package dev.noodle.engine.control;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.noodle.engine.control.ControlNetFormats.Format;
import dev.noodle.engine.io.ModelFile;
import dev.noodle.engine.io.ModelFiles;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.RenamedTensorSource;
import dev.noodle.engine.io.TensorSource;
import dev.noodle.engine.model.DemoCheckpoint;
import dev.noodle.engine.model.TinyCheckpoints;
import dev.noodle.engine.unet.UNetConfig;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ControlNetFormatsTest {
    private static final long SEED = 7;
    private static final UNetConfig SD1 = DemoCheckpoint.unetConfig();
    private static final UNetConfig XL = TinyCheckpoints.sdxlUnet();

    @TempDir
    Path dir;

    /**
     * The LDM control-only key set, computed without the code under test: the UNet's encoder keys from
     * {@link UNetConfig#parameterShapes}, the hint encoder of cldm.ControlNet (3→16→16→32→32→96→96→256→model
     * channels, 3×3) and a 1×1 zero convolution after every input block and the middle block.
     */
    static Map<String, long[]> expectedLdm(UNetConfig c, int hint) {
        Map<String, long[]> s = new TreeMap<>();
        UNetConfig.parameterShapes(c).forEach((k, v) -> {
            String key = k.substring(UNetConfig.PREFIX.length());
            if (key.startsWith("time_embed.") || key.startsWith("label_emb.") || key.startsWith("input_blocks.")
                    || key.startsWith("middle_block.")) {
                s.put(key, v);
            }
        });
        long[] widths = {hint, 16, 16, 32, 32, 96, 96, 256, c.modelChannels()};
        for (int i = 0; i < 8; i++) {
            s.put("input_hint_block." + 2 * i + ".weight", new long[] {widths[i + 1], widths[i], 3, 3});
            s.put("input_hint_block." + 2 * i + ".bias", new long[] {widths[i + 1]});
        }
        int n = 0;
        for (String k : s.keySet().toArray(new String[0])) {
            if (k.matches("input_blocks\\.\\d+\\.0\\.(weight|op\\.weight|out_layers\\.3\\.weight)")) {
                int block = Integer.parseInt(k.split("\\.")[1]);
                long ch = s.get(k)[0];
                s.put("zero_convs." + block + ".0.weight", new long[] {ch, ch, 1, 1});
                s.put("zero_convs." + block + ".0.bias", new long[] {ch});
                n = Math.max(n, block + 1);
            }
        }
        assertEquals(c.channelMult().length * (c.numResBlocks() + 1), n);
        long mid = (long) c.channelMult()[c.channelMult().length - 1] * c.modelChannels();
        s.put("middle_block_out.0.weight", new long[] {mid, mid, 1, 1});
        s.put("middle_block_out.0.bias", new long[] {mid});
        return s;
    }

    private static Map<String, long[]> shapesOf(TensorSource s) {
        Map<String, long[]> m = new TreeMap<>();
        for (String k : s.keys()) {
            m.put(k, s.info(k).shape());
        }
        return m;
    }

    private static void assertSameShapes(Map<String, long[]> expected, Map<String, long[]> actual) {
        assertEquals(new TreeSet<>(expected.keySet()), new TreeSet<>(actual.keySet()));
        expected.forEach((k, v) -> assertArrayEquals(v, actual.get(k), k));
    }

    @Test
    void layoutMatchesTheIndependentKeySet() {
        assertSameShapes(expectedLdm(SD1, 3), ControlNet.shapes(SD1, 3));
        assertSameShapes(expectedLdm(XL, 3), ControlNet.shapes(XL, 3));
        assertSameShapes(expectedLdm(UNetConfig.sd15(), 3), ControlNet.shapes(UNetConfig.sd15(), 3));
    }

    @Test
    void diffusersFileReadsAsExactlyTheLdmLayoutWithTheSameValues() throws Exception {
        for (UNetConfig c : new UNetConfig[] {SD1, XL}) {
            Path d = ControlNetFiles.writeDiffusers(dir.resolve("diffusion_pytorch_model.safetensors"), c, 3, SEED);
            Path l = TinyControlNets.write(dir.resolve("control.safetensors"), c, TinyControlNets.Layout.SAFETENSORS,
                    SEED);
            try (ModelFile df = ModelFiles.open(d); ModelFile lf = ModelFiles.open(l)) {
                assertEquals(Format.DIFFUSERS, ControlNetFormats.detect(df.keys()));
                assertEquals(Format.LDM_CONTROL, ControlNetFormats.detect(lf.keys()));
                assertTrue(df.keys().stream().noneMatch(k -> k.startsWith("input_blocks.")), "written in diffusers names");
                TensorSource view = ControlNetFormats.fromDiffusers(df);
                assertSameShapes(expectedLdm(c, 3), shapesOf(view));
                assertEquals(df.keys().size(), view.keys().size(), "every file key maps once");
                for (String k : lf.keys()) {
                    assertArrayEquals(lf.loadFloats(k), view.loadFloats(k), k);
                }
                try (NDManager m = NDManager.newBaseManager()) {
                    String k = "input_blocks.1.0.in_layers.2.weight";
                    assertArrayEquals(lf.loadFloats(k), view.load(k, m, DataType.FLOAT32).toFloatArray());
                }
            }
        }
    }

    @Test
    void diffusersNamesAreThePublishedOnes() {
        Map<String, String> sd = ControlNetFiles.diffusersNames(UNetConfig.sd15());
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("input_blocks.0.0.weight", "conv_in.weight");
        expected.put("time_embed.2.bias", "time_embedding.linear_2.bias");
        expected.put("input_blocks.4.1.transformer_blocks.0.attn2.to_k.weight",
                "down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k.weight");
        expected.put("input_blocks.3.0.op.weight", "down_blocks.0.downsamplers.0.conv.weight");
        expected.put("input_blocks.4.0.skip_connection.weight", "down_blocks.1.resnets.0.conv_shortcut.weight");
        expected.put("input_blocks.11.0.emb_layers.1.weight", "down_blocks.3.resnets.1.time_emb_proj.weight");
        expected.put("middle_block.1.proj_in.weight", "mid_block.attentions.0.proj_in.weight");
        expected.put("middle_block.2.out_layers.3.bias", "mid_block.resnets.1.conv2.bias");
        expected.put("input_hint_block.0.weight", "controlnet_cond_embedding.conv_in.weight");
        expected.put("input_hint_block.2.bias", "controlnet_cond_embedding.blocks.0.bias");
        expected.put("input_hint_block.12.weight", "controlnet_cond_embedding.blocks.5.weight");
        expected.put("input_hint_block.14.weight", "controlnet_cond_embedding.conv_out.weight");
        expected.put("zero_convs.11.0.bias", "controlnet_down_blocks.11.bias");
        expected.put("middle_block_out.0.weight", "controlnet_mid_block.weight");
        expected.forEach((ldm, d) -> assertEquals(d, sd.get(ldm), ldm));

        Map<String, String> xl = ControlNetFiles.diffusersNames(UNetConfig.sdxl());
        assertEquals("add_embedding.linear_1.weight", xl.get("label_emb.0.0.weight"));
        assertEquals("down_blocks.2.attentions.1.transformer_blocks.9.ff.net.2.weight",
                xl.get("input_blocks.8.1.transformer_blocks.9.ff.net.2.weight"));
        assertEquals("mid_block.attentions.0.transformer_blocks.9.attn1.to_out.0.weight",
                xl.get("middle_block.1.transformer_blocks.9.attn1.to_out.0.weight"));
        assertEquals("controlnet_down_blocks.8.weight", xl.get("zero_convs.8.0.weight"));
    }

    /**
     * The full-size SD 1.5 diffusers ControlNet (lllyasviel/sd-controlnet-canny's diffusion_pytorch_model) against
     * its published tensor listing: 340 tensors (conv_in 2, time_embedding 4, controlnet_cond_embedding 16,
     * down_blocks 74 + 76 + 76 + 20, mid_block 46, controlnet_down_blocks 24, controlnet_mid_block 2) and 361 M
     * parameters (1.45 GB in float32), with these names and shapes.
     */
    @Test
    void fullSizeSd15DiffusersListing() {
        Map<String, long[]> s = ControlNetFiles.diffusersShapes(UNetConfig.sd15(), 3);
        assertEquals(340, s.size());
        long params = s.values().stream().mapToLong(v -> Arrays.stream(v).reduce(1, (a, b) -> a * b)).sum();
        assertTrue(params > 361_000_000L && params < 361_500_000L, "parameters: " + params);
        Map<String, long[]> listed = new LinkedHashMap<>();
        listed.put("controlnet_cond_embedding.conv_in.weight", new long[] {16, 3, 3, 3});
        listed.put("controlnet_cond_embedding.conv_in.bias", new long[] {16});
        listed.put("controlnet_cond_embedding.blocks.0.weight", new long[] {16, 16, 3, 3});
        listed.put("controlnet_cond_embedding.blocks.1.weight", new long[] {32, 16, 3, 3});
        listed.put("controlnet_cond_embedding.blocks.2.weight", new long[] {32, 32, 3, 3});
        listed.put("controlnet_cond_embedding.blocks.3.weight", new long[] {96, 32, 3, 3});
        listed.put("controlnet_cond_embedding.blocks.4.weight", new long[] {96, 96, 3, 3});
        listed.put("controlnet_cond_embedding.blocks.5.weight", new long[] {256, 96, 3, 3});
        listed.put("controlnet_cond_embedding.conv_out.weight", new long[] {320, 256, 3, 3});
        listed.put("controlnet_cond_embedding.conv_out.bias", new long[] {320});
        listed.put("controlnet_down_blocks.0.weight", new long[] {320, 320, 1, 1});
        listed.put("controlnet_down_blocks.3.weight", new long[] {320, 320, 1, 1});
        listed.put("controlnet_down_blocks.4.weight", new long[] {640, 640, 1, 1});
        listed.put("controlnet_down_blocks.7.weight", new long[] {1280, 1280, 1, 1});
        listed.put("controlnet_down_blocks.11.weight", new long[] {1280, 1280, 1, 1});
        listed.put("controlnet_down_blocks.11.bias", new long[] {1280});
        listed.put("controlnet_mid_block.weight", new long[] {1280, 1280, 1, 1});
        listed.put("controlnet_mid_block.bias", new long[] {1280});
        listed.put("conv_in.weight", new long[] {320, 4, 3, 3});
        listed.put("time_embedding.linear_1.weight", new long[] {1280, 320});
        listed.put("down_blocks.0.attentions.0.proj_in.weight", new long[] {320, 320, 1, 1});
        listed.put("down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight", new long[] {320, 768});
        listed.put("down_blocks.1.resnets.0.conv_shortcut.weight", new long[] {640, 320, 1, 1});
        listed.put("down_blocks.2.downsamplers.0.conv.weight", new long[] {1280, 1280, 3, 3});
        listed.put("down_blocks.3.resnets.1.conv2.weight", new long[] {1280, 1280, 3, 3});
        listed.put("mid_block.attentions.0.transformer_blocks.0.ff.net.0.proj.weight", new long[] {10240, 1280});
        listed.put("mid_block.resnets.1.time_emb_proj.weight", new long[] {1280, 1280});
        listed.forEach((k, v) -> assertArrayEquals(v, s.get(k), k));
        assertTrue(s.keySet().stream().noneMatch(k -> k.startsWith("up_blocks.") || k.startsWith("conv_out.")
                || k.startsWith("down_blocks.3.attentions.") || k.startsWith("controlnet_down_blocks.12.")));

        Map<String, long[]> xl = ControlNetFiles.diffusersShapes(UNetConfig.sdxl(), 3);
        assertArrayEquals(new long[] {1280, 2816}, xl.get("add_embedding.linear_1.weight"));
        assertArrayEquals(new long[] {1280, 1280, 1, 1}, xl.get("controlnet_down_blocks.8.weight"));
        assertTrue(!xl.containsKey("controlnet_down_blocks.9.weight"), "SDXL has 9 zero convolutions + the middle");
    }

    private static TensorSource edited(TensorSource f, Map<String, String> renames, Set<String> drop) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String k : f.keys()) {
            if (!drop.contains(k)) {
                m.put(k, k);
            }
        }
        m.putAll(renames);
        return RenamedTensorSource.of(f, m, f.describe());
    }

    @Test
    void missingExtraOrMisshapedDiffusersKeysAreNamed() throws Exception {
        Path d = ControlNetFiles.writeDiffusers(dir.resolve("cn.safetensors"), SD1, 3, SEED);
        try (ModelFile f = ModelFiles.open(d)) {
            String missing = "down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_v.weight"; // input_blocks.3.1
            ModelFormatException e = assertThrows(ModelFormatException.class,
                    () -> ControlNetFormats.fromDiffusers(edited(f, Map.of(), Set.of(missing))));
            assertTrue(e.getMessage().contains(missing) && e.getMessage().contains("cn.safetensors"), e.getMessage());

            e = assertThrows(ModelFormatException.class, () -> ControlNetFormats.fromDiffusers(
                    edited(f, Map.of("task_embedding", "controlnet_mid_block.bias"), Set.of())));
            assertTrue(e.getMessage().contains("task_embedding"), e.getMessage());

            e = assertThrows(ModelFormatException.class, () -> ControlNetFormats.fromDiffusers(edited(f,
                    Map.of("controlnet_mid_block.weight", "controlnet_down_blocks.0.weight"), Set.of())));
            assertTrue(e.getMessage().contains("controlnet_mid_block.weight") && e.getMessage().contains("[32, 32, 1, 1]")
                    && e.getMessage().contains("[64, 64, 1, 1]"), e.getMessage());

            e = assertThrows(ModelFormatException.class, () -> ControlNetFormats.fromDiffusers(
                    edited(f, Map.of(), Set.of("controlnet_down_blocks.3.bias"))));
            assertTrue(e.getMessage().contains("controlnet_down_blocks.3.bias"), e.getMessage());
        }
    }

    @Test
    void controlLoraIsTheUnetPlusUpTimesDown() throws Exception {
        Path unetFile = ControlNetFiles.writeUnet(dir.resolve("unet.safetensors"), XL, 1);
        Path lora = ControlNetFiles.writeControlLora(dir.resolve("control-lora-canny-rank4.safetensors"), XL, 3, 4, SEED);
        try (ModelFile uf = ModelFiles.open(unetFile); ModelFile lf = ModelFiles.open(lora)) {
            assertEquals(Format.CONTROL_LORA, ControlNetFormats.detect(lf.keys()));
            assertTrue(lf.contains("input_blocks.1.0.in_layers.2.up") && lf.contains("label_emb.0.0.down"));
            assertArrayEquals(new long[] {0}, lf.info(ControlNetFormats.LORA_MARKER).shape());
            TensorSource unet = uf.withPrefix(UNetConfig.PREFIX);
            TensorSource cn = ControlLoraSource.of(lf, unet);
            assertSameShapes(expectedLdm(XL, 3), shapesOf(cn));
            for (String k : new String[] {"input_blocks.1.0.in_layers.2.weight", "label_emb.0.0.weight",
                "input_blocks.4.1.transformer_blocks.0.attn1.to_q.weight", "input_blocks.4.1.proj_in.weight",
                "middle_block.1.transformer_blocks.1.ff.net.0.proj.weight"}) {
                String m = k.substring(0, k.length() - ".weight".length());
                float[] base = unet.loadFloats(k);
                float[] up = lf.loadFloats(m + ".up");
                float[] down = lf.loadFloats(m + ".down");
                long[] shape = unet.info(k).shape();
                int rows = (int) shape[0];
                int cols = base.length / rows;
                int rank = up.length / rows;
                float[] want = base.clone();
                for (int i = 0; i < rows; i++) {
                    for (int j = 0; j < cols; j++) {
                        double acc = 0;
                        for (int r = 0; r < rank; r++) {
                            acc += (double) up[i * rank + r] * down[r * cols + j];
                        }
                        want[i * cols + j] = base[i * cols + j] + (float) acc;
                    }
                }
                assertArrayEquals(want, cn.loadFloats(k), 1e-5f, k);
                try (NDManager nd = NDManager.newBaseManager()) {
                    assertArrayEquals(want, cn.load(k, nd, DataType.FLOAT32).toFloatArray(), 1e-5f, k);
                }
                assertTrue(Math.abs(want[0] - base[0]) > 1e-6, "the low-rank part is not zero");
            }
            for (String k : new String[] {"input_blocks.1.0.in_layers.2.bias", "middle_block.0.in_layers.0.weight",
                "input_hint_block.14.weight", "zero_convs.8.0.weight", "middle_block_out.0.bias"}) {
                assertArrayEquals(lf.loadFloats(k), cn.loadFloats(k), k);
            }
            // a tensor the file leaves out comes from the model's UNet
            TensorSource without = edited(lf, Map.of(), Set.of("middle_block.0.in_layers.0.weight"));
            TensorSource cn2 = ControlLoraSource.of(without, unet);
            assertArrayEquals(unet.loadFloats("middle_block.0.in_layers.0.weight"),
                    cn2.loadFloats("middle_block.0.in_layers.0.weight"));
        }
    }

    @Test
    void controlLoraProblemsAreNamed() throws Exception {
        Path xlUnet = ControlNetFiles.writeUnet(dir.resolve("xl.safetensors"), XL, 1);
        Path sdUnet = ControlNetFiles.writeUnet(dir.resolve("sd.safetensors"), SD1, 1);
        Path lora = ControlNetFiles.writeControlLora(dir.resolve("control-lora.safetensors"), XL, 3, 4, SEED);
        try (ModelFile xf = ModelFiles.open(xlUnet); ModelFile sf = ModelFiles.open(sdUnet); ModelFile lf = ModelFiles.open(lora)) {
            ModelFormatException e = assertThrows(ModelFormatException.class,
                    () -> ControlLoraSource.of(lf, sf.withPrefix(UNetConfig.PREFIX)));
            assertTrue(e.getMessage().contains("control-lora.safetensors"), e.getMessage());
            TensorSource unet = xf.withPrefix(UNetConfig.PREFIX);
            e = assertThrows(ModelFormatException.class, () -> ControlLoraSource.of(
                    edited(lf, Map.of(), Set.of("input_blocks.4.1.proj_in.down")), unet));
            assertTrue(e.getMessage().contains("input_blocks.4.1.proj_in.up"), e.getMessage());
            e = assertThrows(ModelFormatException.class, () -> ControlLoraSource.of(
                    edited(lf, Map.of("output_blocks.0.0.in_layers.0.weight", "middle_block.0.in_layers.0.weight"),
                            Set.of()), unet));
            assertTrue(e.getMessage().contains("output_blocks.0.0.in_layers.0.weight"), e.getMessage());
            e = assertThrows(ModelFormatException.class, () -> ControlLoraSource.of(
                    edited(lf, Map.of("input_blocks.4.1.proj_in.down", "input_blocks.4.1.proj_out.up"), Set.of()), unet));
            assertTrue(e.getMessage().contains("input_blocks.4.1.proj_in.up"), e.getMessage());
            e = assertThrows(ModelFormatException.class, () -> ControlLoraSource.of(
                    edited(lf, Map.of(), Set.of("zero_convs.3.0.bias")), unet));
            assertTrue(e.getMessage().contains("zero_convs.3.0.bias"), e.getMessage());
        }
    }

    @Test
    void detection() throws Exception {
        assertEquals(Format.T2I_ADAPTER, ControlNetFormats.detect(Set.of("conv_in.weight", "body.0.block1.weight",
                "body.0.block2.weight")));
        assertEquals(Format.T2I_ADAPTER, ControlNetFormats.detect(Set.of("body.0.in_conv.weight",
                "body.0.out_conv.weight", "body.0.body.0.block1.weight")));
        assertEquals(Format.UNKNOWN, ControlNetFormats.detect(Set.of("conv_in.weight")));
        assertEquals(Format.LDM_FULL, ControlNetFormats.detect(Set.of("control_model.zero_convs.0.0.weight")));
        assertEquals(Format.DIFFERENCE, ControlNetFormats.detect(Set.of("control_model.zero_convs.0.0.weight",
                "difference")));
        Path ckpt = ControlNetFiles.writeUnet(dir.resolve("model.safetensors"), SD1, 1);
        try (ModelFile f = ModelFiles.open(ckpt)) {
            assertEquals(Format.UNKNOWN, ControlNetFormats.detect(f.keys()));
            ModelFormatException e = assertThrows(ModelFormatException.class,
                    () -> ControlModels.load(f, ControlModels.Request.of(dev.noodle.engine.runtime.Devices.Target.cpu())));
            assertTrue(e.getMessage().contains("model.safetensors") && e.getMessage().contains("zero_convs.0.0.weight")
                    && e.getMessage().contains("controlnet_cond_embedding.conv_in.weight")
                    && e.getMessage().contains("lora_controlnet") && e.getMessage().contains("models/checkpoints"),
                    e.getMessage());
        }
    }

    @Test
    void ldmCheckNamesMissingAndLeftoverKeys() throws Exception {
        Path l = TinyControlNets.write(dir.resolve("control.safetensors"), SD1, TinyControlNets.Layout.SAFETENSORS, SEED);
        try (ModelFile f = ModelFiles.open(l)) {
            ControlNetLayout.check(f, ControlNet.shapes(SD1, 3), k -> k);
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> ControlNetLayout.check(
                    edited(f, Map.of("zero_convs.99.0.weight", "zero_convs.0.0.weight"), Set.of("zero_convs.2.0.bias")),
                    ControlNet.shapes(SD1, 3), k -> k));
            assertTrue(e.getMessage().contains("zero_convs.99.0.weight") && e.getMessage().contains("zero_convs.2.0.bias")
                    && e.getMessage().contains("control.safetensors"), e.getMessage());
        }
    }
}
