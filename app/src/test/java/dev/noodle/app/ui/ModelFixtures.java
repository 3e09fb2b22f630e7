package dev.noodle.app.ui;

import dev.noodle.engine.io.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Random-layout model files for the editor's model library tests. */
final class ModelFixtures {
    private ModelFixtures() {}

    /**
     * An SDXL LoRA as kohya sd-scripts saves one (rank 2, zeros): LDM UNet names with SDXL's 2048-wide cross
     * attention and both text encoders ({@code lora_te1_} CLIP-L 768, {@code lora_te2_} bigG 1280).
     */
    static Path sdxlLora(Path file) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter();
        w.metadata("ss_output_name", "xl-style");
        Map<String, long[]> modules = new LinkedHashMap<>();
        modules.put("lora_unet_input_blocks_4_1_transformer_blocks_0_attn2_to_k", new long[] {640, 2048});
        modules.put("lora_unet_input_blocks_4_1_transformer_blocks_1_attn1_to_q", new long[] {640, 640});
        modules.put("lora_unet_middle_block_1_transformer_blocks_9_attn2_to_v", new long[] {1280, 2048});
        modules.put("lora_te1_text_model_encoder_layers_0_self_attn_q_proj", new long[] {768, 768});
        modules.put("lora_te2_text_model_encoder_layers_0_self_attn_q_proj", new long[] {1280, 1280});
        for (Map.Entry<String, long[]> e : modules.entrySet()) {
            long out = e.getValue()[0];
            long in = e.getValue()[1];
            w.addF16(e.getKey() + ".lora_down.weight", new long[] {2, in}, new float[(int) (2 * in)]);
            w.addF16(e.getKey() + ".lora_up.weight", new long[] {out, 2}, new float[(int) (out * 2)]);
            w.addF32(e.getKey() + ".alpha", new long[] {}, new float[] {2});
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        w.write(file);
        return file;
    }
}
