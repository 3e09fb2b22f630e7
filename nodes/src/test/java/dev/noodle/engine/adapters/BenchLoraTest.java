package dev.noodle.engine.adapters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.engine.io.SafetensorsFile;
import dev.noodle.engine.io.TensorSource;
import dev.noodle.engine.model.FamilyDetector;
import dev.noodle.engine.model.ModelFamily;
import dev.noodle.engine.text.ClipTextModel;
import dev.noodle.engine.unet.UNetConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The generated kohya F16 LoRA against the generated full SD1.5 checkpoint (skipped when the files are absent). */
class BenchLoraTest {
    private static Map<String, long[]> shapes(TensorSource s) {
        Map<String, long[]> m = new LinkedHashMap<>();
        for (String k : s.keys()) {
            m.put(k, s.info(k).shape());
        }
        return m;
    }

    @Test
    void everyModuleOfRndLoraMatchesRndSd15() {
        try (SafetensorsFile ckpt = SafetensorsFile.open(BenchModels.file("rnd-sd15.safetensors"));
                Lora lora = Lora.load(BenchModels.file("loras/rnd-lora.safetensors"))) {
            ModelFamily family = FamilyDetector.detect(ckpt).family();
            UNetConfig config = UNetConfig.fromWeights(ckpt);
            LoraPatcher.Targets targets = LoraPatcher.Targets.fromShapes(
                    shapes(ckpt.withPrefix(UNetConfig.PREFIX)), LoraPatcher.naming(config),
                    shapes(ckpt.withPrefix(ClipTextModel.SD1_PREFIX)), Map.of(), family);
            LoraMatch match = LoraPatcher.match(lora, targets);
            assertEquals(264, match.modules());
            assertEquals(264, match.matched(), () -> match.unmatched().toString());
            assertTrue(match.complete());
            assertEquals(Optional.of(ModelFamily.SD1), lora.family());
            assertEquals(Optional.empty(), match.warning());

            // patch the real text encoder and check one key against W + (alpha/rank)·up·down done by hand
            try (ClipTextModel text = ClipTextModel.load(ckpt.withPrefix(ClipTextModel.SD1_PREFIX));
                    ClipTextModel patched = LoraPatcher.applyToText(text,
                            List.of(new LoraPatcher.Applied(lora, 1f, 0.8f)))) {
                String key = "encoder.layers.3.self_attn.k_proj.weight";
                String mod = "lora_te_text_model_encoder_layers_3_self_attn_k_proj";
                float[] w = ckpt.loadFloats(ClipTextModel.SD1_PREFIX + key);
                float[] up = lora.source().loadFloats(mod + ".lora_up.weight"); // [768, 4]
                float[] down = lora.source().loadFloats(mod + ".lora_down.weight"); // [4, 768]
                float alpha = lora.source().loadFloats(mod + ".alpha")[0];
                float[] got = patched.parameter(key).toFloatArray();
                int d = 768;
                int r = 4;
                for (int o = 0; o < d; o += 37) {
                    for (int i = 0; i < d; i += 29) {
                        double s = 0;
                        for (int k = 0; k < r; k++) {
                            s += up[o * r + k] * down[k * d + i];
                        }
                        double want = w[o * d + i] + 0.8 * alpha / r * s;
                        assertEquals(want, got[o * d + i], 1e-4 * Math.max(1, Math.abs(want)), key);
                    }
                }
                assertNotSame(text.parameter(key), patched.parameter(key));
                assertSame(text.parameter("encoder.layers.3.layer_norm1.weight"),
                        patched.parameter("encoder.layers.3.layer_norm1.weight"));
            }
        }
    }
}
