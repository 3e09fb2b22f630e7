package dev.noodle.engine.adapters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.engine.io.ModelFile;
import dev.noodle.engine.io.ModelFiles;
import dev.noodle.engine.model.DemoCheckpoint;
import dev.noodle.engine.model.TinyCheckpoints;
import dev.noodle.engine.runtime.Devices;
import dev.noodle.engine.unet.UNetConfig;
import dev.noodle.engine.unet.UNetWeights;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The few-step LoRAs (LCM-LoRA SD 1.5/SDXL, SDXL-Lightning, Hyper-SD) in their published layouts: every module of a
 * file in kohya-diffusers or PEFT spelling finds its LDM weight on SD 1.x, SDXL and the SDXL refiner, and a
 * ResBlock convolution, a time projection and a resampler land on the weights ComfyUI's {@code unet_to_diffusers}
 * names: diffusers {@code down_blocks.d.resnets.i} is LDM {@code input_blocks.(1 + (r+1)·d + i).0}, {@code
 * up_blocks.u.resnets.i} is {@code output_blocks.((r+1)·u + i).0}, {@code mid_block.resnets.1} is
 * {@code middle_block.2}, with ΔW = (alpha/rank)·up·down checked against a plain-Java product.
 */
class FewStepLoraLayoutsTest {
    @TempDir
    Path dir;

    private static UNetConfig[] configs() {
        return new UNetConfig[] {DemoCheckpoint.unetConfig(), TinyCheckpoints.sdxlUnet(), TinyCheckpoints.refinerUnet()};
    }

    @ParameterizedTest
    @EnumSource(TinyLoras.Layout.class)
    void everyModuleFindsItsWeightOnEachFamily(TinyLoras.Layout layout) throws Exception {
        for (UNetConfig c : configs()) {
            Path f = TinyLoras.write(dir.resolve(layout + "-" + c.modelChannels() + "-" + c.channelMult().length
                    + ".safetensors"), c, layout, 4, 2f);
            Map<String, long[]> unet = new TreeMap<>();
            UNetConfig.parameterShapes(c).forEach((k, v) -> unet.put(k.substring(UNetConfig.PREFIX.length()), v));
            LoraPatcher.Targets targets = LoraPatcher.Targets.fromShapes(unet, LoraPatcher.naming(c), Map.of(),
                    Map.of(), null);
            try (Lora lora = Lora.load(f)) {
                LoraMatch m = LoraPatcher.match(lora, targets);
                assertTrue(m.complete(), layout + " on " + c + ": " + m);
                assertEquals(TinyLoras.modules(c).size(), m.matched());
                // per ResBlock conv1, conv2, time_emb_proj (+ conv_shortcut) and the resamplers are all there
                long resblocks = unet.keySet().stream().filter(k -> k.endsWith(".in_layers.2.weight")).count();
                long convs = lora.modules().keySet().stream().filter(n -> n.endsWith("conv1")).count();
                assertEquals(resblocks, convs, layout + " on " + c);
            }
        }
    }

    @Test
    void kohyaLcmSdxlLoraPatchesTheWeightsComfyUiNames() throws Exception {
        UNetConfig c = TinyCheckpoints.sdxlUnet();
        Path ckpt = TinyCheckpoints.write(dir.resolve("xl.safetensors"), TinyCheckpoints.Kind.SDXL);
        Path file = TinyLoras.write(dir.resolve("lcm_lora_sdxl.safetensors"), c, TinyLoras.Layout.KOHYA_DIFFUSERS,
                4, 2f);
        int r = c.numResBlocks(); // 2: input_blocks 1 + 3·d + i, output_blocks 3·u + i
        String[][] expected = {
            {"down_blocks_1_resnets_0_conv1", "input_blocks.4.0.in_layers.2.weight"},
            {"down_blocks_0_downsamplers_0_conv", "input_blocks." + (r + 1) + ".0.op.weight"},
            {"mid_block_resnets_1_time_emb_proj", "middle_block.2.emb_layers.1.weight"},
            {"up_blocks_0_resnets_2_conv_shortcut", "output_blocks.2.0.skip_connection.weight"},
            {"up_blocks_1_upsamplers_0_conv", "output_blocks.5.2.conv.weight"},
            {"up_blocks_2_resnets_0_conv2", "output_blocks.6.0.out_layers.3.weight"},
        };
        try (ModelFile src = ModelFiles.open(ckpt); ModelFile lf = ModelFiles.open(file);
                Lora lora = Lora.load(file);
                UNetWeights base = UNetWeights.load(src.withPrefix(UNetConfig.PREFIX), c, Devices.Target.cpu());
                UNetWeights patched = LoraPatcher.applyToUNet(base,
                        List.of(new LoraPatcher.Applied(lora, 0.5f, 1f)))) {
            for (String[] e : expected) {
                String name = "lora_unet_" + e[0];
                float[] up = lf.loadFloats(name + ".lora_up.weight");
                float[] down = lf.loadFloats(name + ".lora_down.weight");
                float alpha = lf.loadFloats(name + ".alpha")[0];
                float[] w = base.get(e[1]).toFloatArray();
                int out = (int) base.get(e[1]).getShape().get(0);
                int in = w.length / out;
                int rank = up.length / out;
                float[] got = patched.get(e[1]).toFloatArray();
                for (int o = 0; o < out; o++) {
                    for (int i = 0; i < in; i++) {
                        double d = 0;
                        for (int k = 0; k < rank; k++) {
                            d += (double) up[o * rank + k] * down[k * in + i];
                        }
                        double want = w[o * in + i] + 0.5 * (alpha / rank) * d;
                        assertEquals(want, got[o * in + i], 1e-5 * Math.max(1, Math.abs(want)), e[0] + " → " + e[1]);
                    }
                }
            }
            // a weight no trained module names (the conv-in) is shared, not copied
            assertSame(base.get("input_blocks.0.0.weight"), patched.get("input_blocks.0.0.weight"));
        }
    }
}
