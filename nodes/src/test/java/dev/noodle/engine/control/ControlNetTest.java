package dev.noodle.engine.control;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.noodle.engine.io.ModelFile;
import dev.noodle.engine.io.ModelFiles;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.SafetensorsWriter;
import dev.noodle.engine.model.DemoCheckpoint;
import dev.noodle.engine.model.ModelFamily;
import dev.noodle.engine.runtime.Devices;
import dev.noodle.engine.unet.ControlResiduals;
import dev.noodle.engine.unet.UNetConfig;
import dev.noodle.engine.unet.UNetModel;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ControlNet binding and forward: every lllyasviel layout loads strictly and gives the same residuals, the
 * full-size SD 1.5 layout has the published keys and parameter count, difference files add the model's weights,
 * and files of other kinds or with bad keys are refused naming the file and the key.
 */
class ControlNetTest {
    @TempDir
    Path dir;

    static final Devices.Target CPU = Devices.Target.cpu();

    private static float[] residualsOf(ControlModel c, NDManager m, long seed, int batch) {
        ControlResiduals r = run(c, m, seed, batch);
        int n = 0;
        for (NDArray a : r.output()) {
            n += (int) a.size();
        }
        n += (int) r.middle().size();
        float[] all = new float[n];
        int at = 0;
        for (NDArray a : r.output()) {
            float[] f = a.toFloatArray();
            System.arraycopy(f, 0, all, at, f.length);
            at += f.length;
        }
        float[] f = r.middle().toFloatArray();
        System.arraycopy(f, 0, all, at, f.length);
        return all;
    }

    private static ControlResiduals run(ControlModel c, NDManager m, long seed, int batch) {
        ai.djl.engine.Engine.getInstance().setRandomSeed((int) seed);
        NDArray x = m.randomNormal(new Shape(batch, 4, 8, 6));
        NDArray t = m.create(new float[] {999f, 500f, 1f}).get("0:" + batch);
        int ctxDim = ((ControlNet) c).config().contextDim();
        NDArray ctx = m.randomNormal(new Shape(batch, 5, ctxDim));
        NDArray y = ((ControlNet) c).config().hasLabelEmbedding()
                ? m.randomNormal(new Shape(batch, ((ControlNet) c).config().admInChannels())) : null;
        NDArray image = m.randomUniform(0, 1, new Shape(1, 3, 70, 50));
        NDArray hint = c.hint(image, 8, 6, m);
        return c.residuals(x, t, ctx, y, hint, m);
    }

    @Test
    void everyLayoutLoadsAndGivesTheSameResiduals() throws Exception {
        UNetConfig cfg = TinyControlNets.demoConfig();
        try (NDManager m = NDManager.newBaseManager()) {
            float[] reference = null;
            for (TinyControlNets.Layout layout : TinyControlNets.Layout.values()) {
                Path f = TinyControlNets.write(dir.resolve("cn-" + layout + ".bin"), cfg, layout, 7);
                try (ControlModel c = ControlModels.load(f, ControlModels.Request.of(CPU))) {
                    assertInstanceOf(ControlNet.class, c);
                    assertEquals(ModelFamily.SD1, c.family());
                    assertFalse(c.hintOnly());
                    float[] r = residualsOf(c, m, 3, 2);
                    if (reference == null) {
                        reference = r;
                    } else {
                        float tol = layout == TinyControlNets.Layout.PRUNED_FP16 ? 2e-2f : 1e-5f;
                        assertClose(reference, r, tol, layout.toString());
                    }
                }
            }
        }
    }

    @Test
    void residualsHaveTheSkipShapesAndDependOnTheHint() throws Exception {
        UNetConfig cfg = TinyControlNets.demoConfig();
        Path f = TinyControlNets.write(dir.resolve("c.safetensors"), cfg, TinyControlNets.Layout.SAFETENSORS, 1);
        try (ControlModel c = ControlModels.load(f, ControlModels.Request.of(CPU));
                NDManager m = NDManager.newBaseManager()) {
            ControlResiduals r = run(c, m, 5, 3);
            int[] ch = cfg.inputBlockChannels();
            assertEquals(ch.length, r.output().size());
            assertTrue(r.input().isEmpty());
            long h = 8;
            long w = 6;
            for (int i = 0; i < ch.length; i++) {
                if (i > 0 && ch.length > i && isDownsample(cfg, i)) {
                    h = (h + 1) / 2;
                    w = (w + 1) / 2;
                }
                assertEquals(new Shape(3, ch[i], h, w), r.output().get(i).getShape(), "zero conv " + i);
            }
            assertEquals(new Shape(3, cfg.middleChannels(), h, w), r.middle().getShape());
            // another control image changes every residual
            NDArray x = m.ones(new Shape(1, 4, 8, 6));
            NDArray t = m.create(new float[] {400f});
            NDArray ctx = m.ones(new Shape(1, 5, cfg.contextDim()));
            NDArray a = c.residuals(x, t, ctx, null, m.zeros(new Shape(1, 3, 64, 48)), m).outputAt(0);
            NDArray b = c.residuals(x, t, ctx, null, m.ones(new Shape(1, 3, 64, 48)), m).outputAt(0);
            assertTrue(a.sub(b).abs().max().getFloat() > 1e-3f);
        }
    }

    // input block i of the LDM layout is a Downsample when it closes a level
    private static boolean isDownsample(UNetConfig c, int i) {
        int perLevel = c.numResBlocks() + 1;
        return i % perLevel == 0 && i / perLevel < c.channelMult().length;
    }

    @Test
    void sdxlControlNetIsSdxl() throws Exception {
        Path f = TinyControlNets.write(dir.resolve("xl.safetensors"), UNetConfig.tinyXl(),
                TinyControlNets.Layout.PRUNED_FP16, 2);
        try (ControlModel c = ControlModels.load(f, ControlModels.Request.of(CPU));
                NDManager m = NDManager.newBaseManager()) {
            assertEquals(ModelFamily.SDXL, c.family());
            assertEquals(UNetConfig.tinyXl().admInChannels(), ((ControlNet) c).config().admInChannels());
            ControlResiduals r = run(c, m, 1, 1);
            assertEquals(UNetConfig.tinyXl().inputBlockChannels().length, r.output().size());
        }
    }

    /**
     * The full-size SD 1.5 ControlNet (control_v11p_sd15_canny.pth, control_sd15_canny.pth): the published key
     * list has 12 zero convs, the hint encoder's eight convolutions at input_hint_block.{0,2,…,14} and
     * middle_block_out.0; the weights hold 361,279,120 parameters (as counted from the downloaded files).
     */
    @Test
    void fullSizeSd15LayoutMatchesThePublishedOne() {
        Map<String, long[]> s = ControlNet.shapes(UNetConfig.sd15(), 3);
        long params = 0;
        for (long[] shape : s.values()) {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            params += n;
        }
        assertEquals(361_279_120L, params);
        assertArrayEquals(new long[] {16, 3, 3, 3}, s.get("input_hint_block.0.weight"));
        assertArrayEquals(new long[] {32, 16, 3, 3}, s.get("input_hint_block.4.weight"));
        assertArrayEquals(new long[] {256, 96, 3, 3}, s.get("input_hint_block.12.weight"));
        assertArrayEquals(new long[] {320, 256, 3, 3}, s.get("input_hint_block.14.weight"));
        assertArrayEquals(new long[] {320, 320, 1, 1}, s.get("zero_convs.0.0.weight"));
        assertArrayEquals(new long[] {640, 640, 1, 1}, s.get("zero_convs.5.0.weight"));
        assertArrayEquals(new long[] {1280, 1280, 1, 1}, s.get("zero_convs.11.0.weight"));
        assertNull(s.get("zero_convs.12.0.weight"));
        assertArrayEquals(new long[] {1280, 1280, 1, 1}, s.get("middle_block_out.0.weight"));
        assertArrayEquals(new long[] {320, 4, 3, 3}, s.get("input_blocks.0.0.weight"));
        assertArrayEquals(new long[] {320, 768}, s.get("input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight"));
        assertArrayEquals(new long[] {1280, 1280, 3, 3}, s.get("middle_block.2.out_layers.3.weight"));
        assertFalse(s.keySet().stream().anyMatch(k -> k.startsWith("output_blocks") || k.startsWith("out.")));
        assertEquals(ModelFamily.SD1, ControlNet.familyOf(UNetConfig.sd15()));
        assertEquals(ModelFamily.SD2, ControlNet.familyOf(UNetConfig.sd2()));
        assertEquals(ModelFamily.SDXL, ControlNet.familyOf(UNetConfig.sdxl()));
    }

    @Test
    void detectsTheConfigBackFromTheKeys() throws Exception {
        for (UNetConfig cfg : new UNetConfig[] {TinyControlNets.demoConfig(), UNetConfig.tiny(), UNetConfig.tinyXl()}) {
            Path f = TinyControlNets.write(dir.resolve("d.safetensors"), cfg, TinyControlNets.Layout.SAFETENSORS, 1);
            try (ControlModel c = ControlModels.load(f, ControlModels.Request.of(CPU))) {
                UNetConfig got = ((ControlNet) c).config();
                assertEquals(cfg.withInChannels(4), new UNetConfig(got.inChannels(), cfg.outChannels(),
                        got.modelChannels(), got.channelMult(), got.numResBlocks(), got.inputDepth(),
                        got.middleDepth(), cfg.outputDepth(), got.numHeads(), got.headChannels(), got.contextDim(),
                        got.linearProjection(), got.admInChannels()));
            }
        }
    }

    @Test
    void differenceControlNetAddsTheModelWeights() throws Exception {
        Path ckpt = DemoCheckpoint.ensure(dir.resolve("demo.safetensors"));
        UNetConfig cfg = TinyControlNets.demoConfig();
        Path whole = TinyControlNets.write(dir.resolve("whole.safetensors"), cfg, TinyControlNets.Layout.SAFETENSORS,
                11);
        Path diff;
        try (ModelFile base = ModelFiles.open(ckpt)) {
            diff = TinyControlNets.writeDifference(dir.resolve("diff_control.safetensors"), cfg, base, 11);
        }
        try (ModelFile base = ModelFiles.open(ckpt);
                UNetModel unet = UNetModel.load(base, CPU);
                NDManager m = NDManager.newBaseManager()) {
            ModelFormatException noModel = assertThrows(ModelFormatException.class,
                    () -> ControlModels.load(diff, ControlModels.Request.of(CPU)));
            assertTrue(noModel.getMessage().contains("difference ControlNet"), noModel.getMessage());
            assertTrue(noModel.getMessage().contains("diff_control.safetensors"), noModel.getMessage());
            try (ControlModel d = ControlModels.load(diff,
                            new ControlModels.Request(CPU, unet.weights(), ModelFamily.SD1));
                    ControlModel w = ControlModels.load(whole, ControlModels.Request.of(CPU))) {
                assertClose(residualsOf(w, m, 4, 1), residualsOf(d, m, 4, 1), 3e-2f, "difference");
            }
        }
    }

    @Test
    void missingMisshapedAndLeftoverKeysAreNamed() throws Exception {
        UNetConfig cfg = TinyControlNets.demoConfig();
        Map<String, long[]> shapes = new TreeMap<>(ControlNet.shapes(cfg, 3));
        String[][] cases = {
            {"missing", "zero_convs.3.0.weight"},
            {"mismatch", "input_hint_block.6.weight"},
            {"extra", "zero_convs.99.0.weight"},
        };
        for (String[] c : cases) {
            SafetensorsWriter w = new SafetensorsWriter();
            for (Map.Entry<String, long[]> e : shapes.entrySet()) {
                long[] s = e.getValue();
                if (c[0].equals("missing") && e.getKey().equals(c[1])) {
                    continue;
                }
                if (c[0].equals("mismatch") && e.getKey().equals(c[1])) {
                    s = new long[] {s[0], s[1] + 1, 3, 3};
                }
                w.addF32(ControlNet.PREFIX + e.getKey(), s, new float[(int) count(s)]);
            }
            if (c[0].equals("extra")) {
                w.addF32(ControlNet.PREFIX + c[1], new long[] {2}, new float[2]);
            }
            Path f = dir.resolve("bad-" + c[0] + ".safetensors");
            w.write(f);
            ModelFormatException e = assertThrows(ModelFormatException.class,
                    () -> ControlModels.load(f, ControlModels.Request.of(CPU)));
            assertTrue(e.getMessage().contains("control_model." + c[1]), c[0] + ": " + e.getMessage());
            assertTrue(e.getMessage().contains(f.getFileName().toString()), e.getMessage());
        }
    }

    @Test
    void otherFormatsAreNamed() throws Exception {
        String[][] cases = {
            {"controlnet_cond_embedding.conv_in.weight", "diffusers-format ControlNet"},
            {"lora_controlnet", "control-LoRA"},
            {"body.0.in_conv.weight", "T2I-Adapter"},
            {"adapter.body.0.resnets.0.block1.weight", "T2I-Adapter"},
            {"model.diffusion_model.input_blocks.0.0.weight", "checkpoint"},
            {"lora_unet_foo.lora_up.weight", "LoRA"},
            {"something.else", "not a ControlNet"},
        };
        for (String[] c : cases) {
            Path f = dir.resolve("other.safetensors");
            new SafetensorsWriter().addF32(c[0], new long[] {1}, new float[1]).write(f);
            ModelFormatException e = assertThrows(ModelFormatException.class,
                    () -> ControlModels.load(f, ControlModels.Request.of(CPU)));
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
            assertTrue(e.getMessage().contains("other.safetensors"), e.getMessage());
        }
    }

    @Test
    void shuffleFilesAverageOverTheImage() throws Exception {
        Path f = TinyControlNets.write(dir.resolve("control_v11e_sd15_shuffle.safetensors"),
                TinyControlNets.demoConfig(), TinyControlNets.Layout.SAFETENSORS, 3);
        try (ControlModel c = ControlModels.load(f, ControlModels.Request.of(CPU));
                NDManager m = NDManager.newBaseManager()) {
            assertTrue(((ControlNet) c).globalAveragePooling());
            NDArray r = run(c, m, 2, 1).outputAt(1);
            NDArray spread = r.sub(r.get(":, :, 0:1, 0:1")).abs().max();
            assertTrue(spread.getFloat() < 1e-6f);
        }
        assertFalse(ControlModels.globalAveragePooling(Path.of("control_v11p_sd15_canny.pth")));
        assertTrue(ControlModels.globalAveragePooling(Path.of("control_v11e_sd15_shuffle_fp16.safetensors")));
    }

    private static long count(long[] s) {
        long n = 1;
        for (long d : s) {
            n *= d;
        }
        return n;
    }

    static void assertClose(float[] want, float[] got, float tol, String what) {
        assertEquals(want.length, got.length, what);
        float scale = 0;
        for (float v : want) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < want.length; i++) {
            if (Math.abs(want[i] - got[i]) > tol * Math.max(1, scale)) {
                throw new AssertionError(what + ": at " + i + " want " + want[i] + " got " + got[i] + " (scale "
                        + scale + ")");
            }
        }
    }
}
