package dev.noodle.engine.model;

import static org.junit.jupiter.api.Assertions.*;

import dev.noodle.engine.io.MapTensorSource;
import dev.noodle.engine.io.ModelFormatException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Detection on synthetic key sets: real key names and shapes, no data (the detector reads shapes only). */
class FamilyDetectorTest {
    private final Map<String, MapTensorSource.Entry> keys = new LinkedHashMap<>();

    private FamilyDetectorTest put(String key, long... shape) {
        keys.put(key, new MapTensorSource.Entry(shape, new float[0]));
        return this;
    }

    private MapTensorSource src() {
        return new MapTensorSource(keys, "test.ckpt");
    }

    private FamilyDetectorTest unet(int in, int context) {
        put("model.diffusion_model.input_blocks.0.0.weight", 320, in, 3, 3);
        put("model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight", 320, context);
        return this;
    }

    private FamilyDetectorTest vae() {
        put("first_stage_model.decoder.conv_in.weight", 512, 4, 3, 3);
        put("first_stage_model.post_quant_conv.weight", 4, 4, 1, 1);
        return this;
    }

    private FamilyDetectorTest sd1() {
        unet(4, 768).vae();
        put("cond_stage_model.transformer.text_model.embeddings.token_embedding.weight", 49408, 768);
        return this;
    }

    private FamilyDetectorTest sdxl(int in) {
        put("model.diffusion_model.input_blocks.0.0.weight", 320, in, 3, 3);
        put("model.diffusion_model.input_blocks.4.1.transformer_blocks.0.attn2.to_k.weight", 640, 2048);
        put("model.diffusion_model.label_emb.0.0.weight", 1280, 2816);
        put("conditioner.embedders.0.transformer.text_model.embeddings.token_embedding.weight", 49408, 768);
        put("conditioner.embedders.1.model.token_embedding.weight", 49408, 1280);
        return vae();
    }

    private String failure() {
        return assertThrows(ModelFormatException.class, () -> FamilyDetector.detect(src())).getMessage();
    }

    @Test
    void detectsSd1() {
        CheckpointInfo info = FamilyDetector.detect(sd1().src());
        assertEquals(ModelFamily.SD1, info.family());
        assertEquals(Prediction.EPS, info.prediction());
        assertFalse(info.inpainting());
        assertEquals(768, info.textWidth());
        assertEquals(4, info.unetInChannels());
        assertEquals("model.diffusion_model.", info.unetPrefix());
        assertEquals(List.of("cond_stage_model.transformer.text_model."), info.textEncoderPrefixes());
        assertEquals(Optional.of("first_stage_model."), info.vaePrefix());
    }

    @Test
    void sd1InpaintingAndVPred() {
        unet(9, 768).put("cond_stage_model.transformer.text_model.embeddings.token_embedding.weight", 49408, 768)
                .put("v_pred");
        CheckpointInfo info = FamilyDetector.detect(src());
        assertEquals(ModelFamily.SD1_INPAINT, info.family());
        assertTrue(info.inpainting());
        assertEquals(9, info.unetInChannels());
        assertEquals(Prediction.V, info.prediction());
        assertEquals(Optional.empty(), info.vaePrefix());
    }

    @Test
    void sd2HasUnknownPredictionWithoutMarker() {
        unet(4, 1024).vae().put("cond_stage_model.model.token_embedding.weight", 49408, 1024);
        CheckpointInfo info = FamilyDetector.detect(src());
        assertEquals(ModelFamily.SD2, info.family());
        assertEquals(1024, info.textWidth());
        assertEquals(Prediction.UNKNOWN, info.prediction());
        assertEquals(List.of("cond_stage_model.model."), info.textEncoderPrefixes());
    }

    @Test
    void sdxlAndSdxlInpaint() {
        CheckpointInfo info = FamilyDetector.detect(sdxl(4).src());
        assertEquals(ModelFamily.SDXL, info.family());
        assertEquals(2048, info.textWidth());
        assertEquals(2, info.textEncoderPrefixes().size());
        assertEquals(0.13025f, info.family().latentScale());
        keys.clear();
        assertEquals(ModelFamily.SDXL_INPAINT, FamilyDetector.detect(sdxl(9).src()).family());
    }

    @Test
    void sdxlRefinerIsItsOwnFamilyWithBigGAlone() {
        // the real refiner's shapes (ComfyUI supported_models.SDXLRefiner): conv-in 384, label_emb 1536×2560,
        // bigG-wide (1280) cross-attention on the second level, OpenCLIP bigG under conditioner.embedders.0.model.
        put("model.diffusion_model.input_blocks.0.0.weight", 384, 4, 3, 3);
        put("model.diffusion_model.input_blocks.4.1.transformer_blocks.0.attn2.to_k.weight", 768, 1280);
        put("model.diffusion_model.label_emb.0.0.weight", 1536, 2560);
        put("conditioner.embedders.0.model.token_embedding.weight", 49408, 1280);
        vae();
        CheckpointInfo info = FamilyDetector.detect(src());
        assertEquals(ModelFamily.SDXL_REFINER, info.family());
        assertEquals(List.of("conditioner.embedders.0.model."), info.textEncoderPrefixes());
        assertEquals(1280, info.textWidth());
        assertEquals(Prediction.EPS, info.prediction());
        assertEquals(0.13025f, info.family().latentScale());
        assertEquals(Optional.of("first_stage_model."), info.vaePrefix());
    }

    @Test
    void refinerPartsThatDoNotFitAreNamed() {
        put("model.diffusion_model.input_blocks.0.0.weight", 384, 4, 3, 3);
        put("model.diffusion_model.input_blocks.4.1.transformer_blocks.0.attn2.to_k.weight", 768, 2048);
        put("model.diffusion_model.label_emb.0.0.weight", 1536, 2560);
        put("conditioner.embedders.0.model.token_embedding.weight", 49408, 1280);
        String m = failure();
        assertTrue(m.contains("SDXL_REFINER") && m.contains("2048") && m.contains("1280"), m);
        keys.clear();
        put("model.diffusion_model.input_blocks.0.0.weight", 384, 9, 3, 3);
        put("model.diffusion_model.label_emb.0.0.weight", 1536, 2560);
        put("conditioner.embedders.0.model.token_embedding.weight", 49408, 1280);
        m = failure();
        assertTrue(m.contains("SDXL refiner with a 9-channel UNet"), m);
    }

    @Test
    void otherModelKindsAreNamed() {
        put("lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight", 4, 320);
        assertTrue(failure().contains("LoRA"));
        keys.clear();
        put("encoder.conv_in.weight", 128, 3, 3, 3).put("decoder.conv_in.weight", 512, 4, 3, 3)
                .put("post_quant_conv.weight", 4, 4, 1, 1);
        assertTrue(failure().contains("standalone VAE"));
        keys.clear();
        put("model.diffusion_model.joint_blocks.0.x_block.attn.qkv.weight", 4608, 1536);
        assertTrue(failure().contains("Stable Diffusion 3"));
        keys.clear();
        put("double_blocks.0.img_attn.qkv.weight", 9216, 3072).put("single_blocks.0.linear1.weight", 21504, 3072);
        assertTrue(failure().contains("Flux"));
        keys.clear();
        put("emb_params", 2, 768);
        assertTrue(failure().contains("embedding"));
        keys.clear();
        // an 8-channel UNet is an InstructPix2Pix-style edit model (SD 1.5 instruct-pix2pix, cosxl_edit): it loads
        unet(8, 768).put("cond_stage_model.transformer.text_model.embeddings.token_embedding.weight", 49408, 768);
        CheckpointInfo ip2p = FamilyDetector.detect(src());
        assertEquals(List.of(ModelFamily.SD1, 8, false), List.of(ip2p.family(), ip2p.unetInChannels(),
                ip2p.inpainting()));
        keys.clear();
        unet(5, 768).put("cond_stage_model.transformer.text_model.embeddings.token_embedding.weight", 49408, 768);
        assertTrue(failure().contains("5 input channels"), failure());
        keys.clear();
        put("foo.bar", 1);
        assertTrue(failure().contains("unknown layout") && failure().contains("foo.bar"));
    }

    @Test
    void mismatchedPartsAreReported() {
        unet(4, 1024).put("cond_stage_model.transformer.text_model.embeddings.token_embedding.weight", 49408, 768);
        String m = failure();
        assertTrue(m.contains("1024") && m.contains("768"), m);
    }

    @Test
    void vaeDetection() {
        put("encoder.conv_in.weight", 128, 3, 3, 3).put("decoder.conv_in.weight", 512, 4, 3, 3)
                .put("post_quant_conv.weight", 4, 4, 1, 1);
        assertEquals("", FamilyDetector.detectVae(src()));
        assertTrue(FamilyDetector.isStandaloneVae(src()));
        keys.clear();
        assertEquals("first_stage_model.", FamilyDetector.detectVae(sd1().src()));
        assertFalse(FamilyDetector.isStandaloneVae(src()));
        keys.clear();
        put("x", 1);
        assertThrows(ModelFormatException.class, () -> FamilyDetector.detectVae(src()));
    }
}
