package dev.noodle.engine.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.engine.unet.UNetConfig;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KeyNamesTest {
    private static Set<String> unetKeys(UNetConfig c) {
        Set<String> keys = new HashSet<>();
        for (String k : UNetConfig.parameterShapes(c).keySet()) {
            keys.add(k.substring(UNetConfig.PREFIX.length()));
        }
        return keys;
    }

    @Test
    void sd15DiffusersNamesHitKnownLdmKeys() {
        Map<String, String> m = KeyNames.diffusersToLdmUnet(KeyNames.UNetNaming.sd15());
        // spot checks against the diffusers conversion script's layout
        assertEquals("input_blocks.1.1.transformer_blocks.0.attn1.to_q",
                m.get("down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q"));
        assertEquals("input_blocks.5.1.proj_in", m.get("down_blocks.1.attentions.1.proj_in"));
        assertEquals("input_blocks.3.0.op", m.get("down_blocks.0.downsamplers.0.conv"));
        assertEquals("input_blocks.11.0.out_layers.3", m.get("down_blocks.3.resnets.1.conv2"));
        assertEquals("middle_block.1.transformer_blocks.0.ff.net.2",
                m.get("mid_block.attentions.0.transformer_blocks.0.ff.net.2"));
        assertEquals("middle_block.2.emb_layers.1", m.get("mid_block.resnets.1.time_emb_proj"));
        assertEquals("output_blocks.2.1.conv", m.get("up_blocks.0.upsamplers.0.conv"));
        assertEquals("output_blocks.5.2.conv", m.get("up_blocks.1.upsamplers.0.conv"));
        assertEquals("output_blocks.11.1.transformer_blocks.0.attn2.to_out.0",
                m.get("up_blocks.3.attentions.2.transformer_blocks.0.attn2.to_out.0"));
        assertEquals("output_blocks.3.0.skip_connection", m.get("up_blocks.1.resnets.0.conv_shortcut"));
        assertEquals("out.2", m.get("conv_out"));
        assertFalse(m.containsKey("up_blocks.3.upsamplers.0.conv"));

        // every parameter of the SD1.5 UNet (but label_emb) has a diffusers name and back
        Set<String> keys = unetKeys(UNetConfig.sd15());
        Map<String, String> inverse = KeyNames.ldmToDiffusersUnet(KeyNames.UNetNaming.sd15());
        for (String k : keys) {
            String module = k.substring(0, k.lastIndexOf('.'));
            assertTrue(inverse.containsKey(module), "no diffusers name for " + k);
        }
        for (String ldm : m.values()) {
            // the map names a skip conv for every ResBlock; only those that change width have one
            if (!ldm.startsWith("label_emb") && !ldm.endsWith("skip_connection")) {
                assertTrue(keys.contains(ldm + ".weight"), "mapped to unknown module " + ldm);
            }
        }
    }

    @Test
    void tinyLayoutFromConfigMatchesItsKeys() {
        UNetConfig c = UNetConfig.tiny();
        KeyNames.UNetNaming n = KeyNames.UNetNaming.of(c.numResBlocks(), c.attentionLevels(), c.transformerDepth());
        Set<String> keys = unetKeys(c);
        for (String ldm : KeyNames.diffusersToLdmUnet(n).values()) {
            // the map names a skip conv for every ResBlock; only those that change width have one
            if (!ldm.startsWith("label_emb") && !ldm.endsWith("skip_connection")) {
                assertTrue(keys.contains(ldm + ".weight"), "mapped to unknown module " + ldm);
            }
        }
    }

    @Test
    void sdxlLayoutFollowsDepths() {
        Map<String, String> m = KeyNames.diffusersToLdmUnet(KeyNames.UNetNaming.sdxl());
        assertEquals("input_blocks.4.1.transformer_blocks.1.attn2.to_k",
                m.get("down_blocks.1.attentions.0.transformer_blocks.1.attn2.to_k"));
        assertEquals("input_blocks.8.1.transformer_blocks.9.ff.net.2",
                m.get("down_blocks.2.attentions.1.transformer_blocks.9.ff.net.2"));
        assertFalse(m.containsKey("down_blocks.0.attentions.0.proj_in"));
        assertEquals("output_blocks.2.2.conv", m.get("up_blocks.0.upsamplers.0.conv"));
        assertEquals("output_blocks.5.2.conv", m.get("up_blocks.1.upsamplers.0.conv"));
        assertFalse(m.containsKey("up_blocks.2.upsamplers.0.conv"));
        assertEquals("label_emb.0.0", m.get("add_embedding.linear_1"));
    }

    @Test
    void loraNamesResolveForKohyaDiffusersPeftAndText() {
        Set<String> unet = unetKeys(UNetConfig.sd15());
        List<String> text = List.of("encoder.layers.0.self_attn.q_proj.weight", "encoder.layers.11.mlp.fc2.weight",
                "encoder.layers.0.self_attn.q_proj.bias");
        Map<String, KeyNames.Target> t = KeyNames.loraModuleTargets(unet, KeyNames.UNetNaming.sd15(), text, List.of());
        KeyNames.Target q = new KeyNames.Target(KeyNames.Component.UNET,
                "input_blocks.1.1.transformer_blocks.0.attn1.to_q.weight");
        assertEquals(q, t.get("lora_unet_input_blocks_1_1_transformer_blocks_0_attn1_to_q"));
        assertEquals(q, t.get("lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q"));
        assertEquals(q, t.get("unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q"));
        assertEquals(new KeyNames.Target(KeyNames.Component.UNET, "output_blocks.5.2.conv.weight"),
                t.get("lora_unet_up_blocks_1_upsamplers_0_conv"));
        assertEquals(new KeyNames.Target(KeyNames.Component.TEXT, "encoder.layers.11.mlp.fc2.weight"),
                t.get("lora_te_text_model_encoder_layers_11_mlp_fc2"));
        assertEquals(new KeyNames.Target(KeyNames.Component.TEXT, "encoder.layers.0.self_attn.q_proj.weight"),
                t.get("text_encoder.text_model.encoder.layers.0.self_attn.q_proj"));
        assertFalse(t.containsKey("lora_te1_text_model_encoder_layers_0_self_attn_q_proj"));

        Map<String, KeyNames.Target> xl = KeyNames.loraModuleTargets(Set.of(), null, text, text);
        assertEquals(KeyNames.Component.TEXT, xl.get("lora_te1_text_model_encoder_layers_0_self_attn_q_proj").component());
        assertEquals(KeyNames.Component.TEXT2, xl.get("lora_te2_text_model_encoder_layers_0_self_attn_q_proj").component());
        assertEquals(KeyNames.Component.TEXT2,
                xl.get("text_encoder_2.text_model.encoder.layers.11.mlp.fc2").component());
    }

    @Test
    void comfyUiLoraSaveNamesResolve() {
        Set<String> unet = unetKeys(UNetConfig.sd15());
        List<String> text = List.of("encoder.layers.0.self_attn.q_proj.weight", "encoder.layers.11.mlp.fc2.weight");
        Map<String, KeyNames.Target> t = KeyNames.loraModuleTargets(unet, KeyNames.UNetNaming.sd15(), text, List.of());
        String q = "input_blocks.1.1.transformer_blocks.0.attn1.to_q";
        assertEquals("diffusion_model." + q, KeyNames.comfyLoraUnet(q));
        assertEquals(new KeyNames.Target(KeyNames.Component.UNET, q + ".weight"), t.get(KeyNames.comfyLoraUnet(q)));
        assertEquals(new KeyNames.Target(KeyNames.Component.UNET, "out.2.weight"), t.get("diffusion_model.out.2"));
        String fc2 = KeyNames.comfyLoraText("clip_l", "encoder.layers.11.mlp.fc2");
        assertEquals("text_encoders.clip_l.transformer.text_model.encoder.layers.11.mlp.fc2", fc2);
        assertEquals(new KeyNames.Target(KeyNames.Component.TEXT, "encoder.layers.11.mlp.fc2.weight"), t.get(fc2));
        assertEquals(new KeyNames.Target(KeyNames.Component.TEXT, "encoder.layers.11.mlp.fc2.weight"),
                t.get(KeyNames.comfyLoraText("clip_h", "encoder.layers.11.mlp.fc2")), "SD2's encoder");
        assertEquals("text_encoders.clip_g.transformer.text_projection",
                KeyNames.comfyLoraText("clip_g", "text_projection"), "the projection sits beside text_model");

        Map<String, KeyNames.Target> xl = KeyNames.loraModuleTargets(Set.of(), null, text, text);
        assertEquals(KeyNames.Component.TEXT,
                xl.get(KeyNames.comfyLoraText("clip_l", "encoder.layers.0.self_attn.q_proj")).component());
        assertEquals(KeyNames.Component.TEXT2,
                xl.get(KeyNames.comfyLoraText("clip_g", "encoder.layers.0.self_attn.q_proj")).component());
        assertFalse(xl.containsKey(KeyNames.comfyLoraText("clip_h", "encoder.layers.0.self_attn.q_proj")));
    }

    @Test
    void openClipNamesRoundTripThroughTheHuggingFaceNames() {
        List<String> openClip = List.of("token_embedding.weight", "positional_embedding", "ln_final.weight",
                "ln_final.bias", "text_projection", "logit_scale", "transformer.resblocks.3.attn.in_proj_weight",
                "transformer.resblocks.3.attn.in_proj_bias", "transformer.resblocks.3.ln_1.weight",
                "transformer.resblocks.3.mlp.c_proj.bias", "transformer.resblocks.3.attn.out_proj.weight",
                "transformer.resblocks.3.something_else");
        Map<String, KeyNames.OpenClipTensor> hf = KeyNames.openClipToHf(openClip);
        assertFalse(hf.values().stream().anyMatch(t -> t.openClipKey().equals("logit_scale")));
        assertEquals(new KeyNames.OpenClipTensor("transformer.resblocks.3.attn.in_proj_weight", 1, false),
                hf.get("encoder.layers.3.self_attn.k_proj.weight"));
        assertEquals(new KeyNames.OpenClipTensor("text_projection", -1, true), hf.get(KeyNames.HF_TEXT_PROJECTION));
        assertEquals("transformer.resblocks.3.mlp.c_proj.bias",
                hf.get("encoder.layers.3.mlp.fc2.bias").openClipKey());
        assertTrue(hf.containsKey("transformer.resblocks.3.something_else"), "unknown keys keep their names");
        hf.forEach((k, t) -> {
            if (!k.equals("transformer.resblocks.3.something_else")) {
                assertEquals(t, KeyNames.hfToOpenClip(k), k);
            }
        });
        assertEquals(List.of("encoder.layers.3.self_attn.q_proj.bias", "encoder.layers.3.self_attn.k_proj.bias",
                "encoder.layers.3.self_attn.v_proj.bias"),
                KeyNames.openClipPackedParts("encoder.layers.3.self_attn.v_proj.bias"));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> KeyNames.hfToOpenClip("encoder.layers.3.unknown.weight"));
    }
}
