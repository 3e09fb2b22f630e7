package dev.noodle.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.noodle.engine.diffusion.UnclipAdm;
import dev.noodle.engine.io.MapTensorSource;
import dev.noodle.engine.io.ModelFile;
import dev.noodle.engine.io.ModelFiles;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.runtime.Devices;
import dev.noodle.engine.text.ClipConfig;
import dev.noodle.engine.unet.UNetConfig;
import dev.noodle.engine.vision.ClipVisionConfig;
import dev.noodle.engine.vision.ClipVisionEncoder;
import dev.noodle.engine.vision.ClipVisionModel;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stable unCLIP 2.1 checkpoints: the tiny random-weight files in the real layout load as SD 2.x with an image
 * tower, their augmentor buffers are the schedule the y vector uses, and the full-size layout has the published
 * architecture's counts and shapes.
 */
class UnclipCheckpointTest {
    @TempDir
    Path dir;

    @Test
    void tinyUnclipHLoadsAsSd2WithItsImageTower() throws Exception {
        Path f = TinyCheckpoints.write(dir.resolve("sd21-unclip-h.ckpt"), TinyCheckpoints.Kind.SD21_UNCLIP_H);
        try (ModelFile src = ModelFiles.open(f)) {
            CheckpointInfo info = FamilyDetector.detect(src);
            assertEquals(ModelFamily.SD2, info.family());
            assertTrue(FamilyDetector.isUnclip(info, src));
            assertArrayEquals(new long[] {UnclipAdm.MAX_NOISE_LEVEL},
                    src.info("noise_augmentor.sqrt_alphas_cumprod").shape());
            float[] stored = src.loadFloats("noise_augmentor.sqrt_alphas_cumprod");
            float[] used = UnclipAdm.schedule()[0];
            for (int i = 0; i < used.length; i += 111) {
                assertEquals(used[i], stored[i], 1e-7, "sqrt_alphas_cumprod[" + i + "]");
            }
        }
        try (LoadedCheckpoint c = CheckpointLoader.load(f, dir, Devices.Target.cpu(), s -> { })) {
            assertEquals(64, c.unet().config().admInChannels());
            assertEquals(ModelFamily.SD2, c.info().family());
        }
        try (ClipVisionModel tower = UnclipTower.load(f); NDManager m = NDManager.newBaseManager()) {
            assertEquals(32, tower.config().projectionDim());
            ClipVisionEncoder.Output out = tower.encode(m.randomUniform(0f, 1f, new Shape(1, 20, 24, 3)), "center",
                    m);
            assertEquals(new Shape(1, 32), out.imageEmbeds().getShape());
        }
    }

    @Test
    void tinyUnclipLHasTheNarrowerEmbedding() throws Exception {
        Path f = TinyCheckpoints.write(dir.resolve("sd21-unclip-l.ckpt"), TinyCheckpoints.Kind.SD21_UNCLIP_L);
        try (ClipVisionModel tower = UnclipTower.load(f)) {
            assertEquals(24, tower.config().projectionDim());
        }
        try (ModelFile src = ModelFiles.open(f)) {
            assertArrayEquals(new long[] {256, 48}, src.info("model.diffusion_model.label_emb.0.0.weight").shape());
        }
    }

    @Test
    void aPlainSd2CheckpointIsNoUnclipOneAndSaysWhatToUse() throws Exception {
        Path f = TinyCheckpoints.write(dir.resolve("v2-1_768.safetensors"), TinyCheckpoints.Kind.SD2_V);
        try (ModelFile src = ModelFiles.open(f)) {
            assertFalse(FamilyDetector.isUnclip(FamilyDetector.detect(src), src));
        }
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> UnclipTower.load(f));
        assertTrue(e.getMessage().contains("v2-1_768.safetensors") && e.getMessage().contains("Load CLIP Vision"),
                e.getMessage());
    }

    @Test
    void anOddLabelEmbOnSd2IsNamed() {
        Map<String, MapTensorSource.Entry> t = new LinkedHashMap<>();
        t.put("model.diffusion_model.input_blocks.0.0.weight", entry(320, 4, 3, 3));
        t.put("model.diffusion_model.label_emb.0.0.weight", entry(1280, 2049));
        t.put("cond_stage_model.model.token_embedding.weight", entry(49408, 1024));
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> FamilyDetector.detect(new MapTensorSource(t, "odd.safetensors")));
        assertTrue(e.getMessage().contains("odd.safetensors") && e.getMessage().contains("2049"), e.getMessage());
    }

    /**
     * The full-size sd21-unclip-h layout from the published architecture: open_clip ViT-H-14 (vision width 1280, 32
     * blocks, 14-pixel patches of 224, embedding 1024; text width 1024, 49408 tokens, 77 positions) without its text
     * transformer, LDM's 8 schedule buffers of 1000 steps, and a UNet label_emb of 2048 inputs (ComfyUI
     * SD21UnclipH adm_in_channels).
     */
    @Test
    void fullSizeUnclipHLayoutHasThePublishedCountsAndShapes() {
        Map<String, long[]> extra = TinyCheckpoints.unclipExtraShapes(ClipVisionConfig.vitH14(), ClipConfig.vitH14());
        long visual = extra.keySet().stream().filter(k -> k.startsWith("embedder.model.visual.")).count();
        assertEquals(5 + 32 * 12 + 3, visual); // class/conv1/pos/ln_pre×2, 12 per block, ln_post×2 + proj
        assertEquals(6, extra.keySet().stream()
                .filter(k -> k.startsWith("embedder.model.") && !k.startsWith("embedder.model.visual.")).count());
        assertEquals(8, extra.keySet().stream().filter(k -> k.startsWith("noise_augmentor.")).count());
        assertArrayEquals(new long[] {1280, 3, 14, 14}, extra.get("embedder.model.visual.conv1.weight"));
        assertArrayEquals(new long[] {257, 1280}, extra.get("embedder.model.visual.positional_embedding"));
        assertArrayEquals(new long[] {3840, 1280},
                extra.get("embedder.model.visual.transformer.resblocks.31.attn.in_proj_weight"));
        assertArrayEquals(new long[] {5120, 1280},
                extra.get("embedder.model.visual.transformer.resblocks.0.mlp.c_fc.weight"));
        assertArrayEquals(new long[] {1280, 1024}, extra.get("embedder.model.visual.proj"));
        assertArrayEquals(new long[] {49408, 1024}, extra.get("embedder.model.token_embedding.weight"));
        assertArrayEquals(new long[] {1024, 1024}, extra.get("embedder.model.text_projection"));
        assertArrayEquals(new long[] {}, extra.get("embedder.model.logit_scale"));
        assertArrayEquals(new long[] {1000}, extra.get("noise_augmentor.alphas_cumprod_prev"));
        UNetConfig s = UNetConfig.sd2();
        UNetConfig unet = new UNetConfig(4, 4, 320, s.channelMult(), 2, s.inputDepth(), s.middleDepth(),
                s.outputDepth(), -1, 64, 1024, true, 2048);
        Map<String, long[]> u = UNetConfig.parameterShapes(unet);
        assertArrayEquals(new long[] {1280, 2048}, u.get(UNetConfig.PREFIX + "label_emb.0.0.weight"));
        assertArrayEquals(new long[] {1280, 1280}, u.get(UNetConfig.PREFIX + "label_emb.0.2.weight"));
        assertEquals(UNetConfig.parameterShapes(s).size() + 4, u.size());
    }

    private static MapTensorSource.Entry entry(long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return new MapTensorSource.Entry(shape, new float[(int) n]);
    }
}
