package dev.noodle.nodes.library;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.engine.adapters.TinyLoras;
import dev.noodle.engine.model.DemoCheckpoint;
import dev.noodle.engine.model.TinyCheckpoints;
import dev.noodle.nodes.library.FewStepDetector.Detection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Few-step files told from their metadata (kohya {@code ss_*}, {@code modelspec.*}) and, as a weaker signal, their
 * published file names; LoRAs built in the published few-step layout (every ResBlock conv, attention projection and
 * resampler, kohya spelling) so that the identification sees a real-shaped LoRA.
 */
class FewStepDetectorTest {
    @TempDir
    Path dir;

    private Path sd15Lora(String name, Map<String, String> meta) throws Exception {
        return TinyLoras.write(dir.resolve(name), DemoCheckpoint.unetConfig(), TinyLoras.Layout.KOHYA_DIFFUSERS, 4,
                4f, meta);
    }

    private Path sdxlLora(String name, Map<String, String> meta) throws Exception {
        return TinyLoras.write(dir.resolve(name), TinyCheckpoints.sdxlUnet(), TinyLoras.Layout.KOHYA_DIFFUSERS, 4,
                4f, meta);
    }

    private static Detection detected(Path f) {
        Optional<Detection> d = FewStepDetector.detect(f);
        assertTrue(d.isPresent(), f.getFileName() + " should be detected");
        return d.get();
    }

    @Test
    void kohyaMetadataTellsLcmEvenUnderTheGenericDiffusersFileName() throws Exception {
        // what kohya's conversion of lcm-lora-sdv1-5 writes, saved under the diffusers repo's generic name
        Path f = sd15Lora("pytorch_lora_weights.safetensors", Map.of("ss_output_name", "lcm-lora-sdv1-5",
                "ss_base_model_version", "sd_v1", "ss_network_module", "networks.lora", "ss_network_dim", "64",
                "ss_network_alpha", "64"));
        Detection d = detected(f);
        assertEquals("lcm", d.preset().id());
        assertFalse(d.fromName());
        assertEquals("ss_output_name lcm-lora-sdv1-5", d.evidence());
    }

    @Test
    void modelspecTitleTellsHyperSdWithStepsAndTheCfgPreservedVariant() throws Exception {
        Path cfg = sdxlLora("a.safetensors", Map.of("modelspec.sai_model_spec", "1.0.0",
                "modelspec.architecture", "stable-diffusion-xl-v1-base/lora", "modelspec.title",
                "Hyper-SDXL-8steps-CFG-lora"));
        assertEquals("hyper-8-cfg", detected(cfg).preset().id());
        Path two = sdxlLora("b.safetensors", Map.of("modelspec.architecture", "stable-diffusion-xl-v1-base/lora",
                "modelspec.title", "Hyper-SDXL-2steps-lora"));
        assertEquals("hyper-2", detected(two).preset().id());
        Path twelve = sd15Lora("c.safetensors", Map.of("modelspec.title", "Hyper-SD15-12steps-CFG-lora"));
        assertEquals("hyper-12-cfg", detected(twelve).preset().id());
        assertEquals(5.0, detected(twelve).preset().cfg());
    }

    @Test
    void trainingCommentAndDescriptionTellTcd() throws Exception {
        Path f = sd15Lora("x.safetensors", Map.of("ss_training_comment",
                "Trajectory Consistency Distillation LoRA for SD 1.5, use eta 0.3"));
        Detection d = detected(f);
        assertEquals("tcd", d.preset().id());
        assertTrue(d.evidence().startsWith("ss_training_comment Trajectory"));
    }

    @Test
    void metadataOutranksTheFileName() throws Exception {
        Path f = sdxlLora("sdxl_lightning_4step_lora.safetensors", Map.of("ss_output_name",
                "Hyper-SDXL-4steps-lora"));
        Detection d = detected(f);
        assertEquals("hyper-4", d.preset().id());
        assertFalse(d.fromName());
    }

    @Test
    void publishedFileNamesAreAWeakerSignalAndSaySo() throws Exception {
        Map<String, String> none = Map.of();
        String[][] cases = {
            {"sdxl_lightning_4step_lora.safetensors", "lightning-4"},
            {"sdxl_lightning_2step_lora.safetensors", "lightning-2"},
            {"sdxl_lightning_8step_lora.safetensors", "lightning-8"},
            {"Hyper-SD15-8steps-lora.safetensors", "hyper-8"},
            {"Hyper-SD15-1step-lora.safetensors", "hyper-1"},
            {"Hyper-SDXL-12steps-CFG-lora.safetensors", "hyper-12-cfg"},
            {"lcm_lora_sdxl.safetensors", "lcm"},
            {"lcm-lora-sdv1-5.safetensors", "lcm"},
            {"TCD-SD15-LoRA.safetensors", "tcd"},
        };
        for (String[] c : cases) {
            Path f = c[0].contains("SDXL") || c[0].contains("sdxl") ? sdxlLora(c[0], none) : sd15Lora(c[0], none);
            Detection d = detected(f);
            assertEquals(c[1], d.preset().id(), c[0]);
            assertTrue(d.fromName(), c[0]);
            assertTrue(d.describe().contains("guessed from the file name"), d.describe());
        }
    }

    @Test
    void distilledCheckpointsByName() throws Exception {
        Path turbo = TinyCheckpoints.write(dir.resolve("sd_xl_turbo_1.0_fp16.safetensors"),
                TinyCheckpoints.Kind.SDXL);
        assertEquals("turbo", detected(turbo).preset().id());
        assertEquals(512, detected(turbo).preset().size());
        Path lightning = TinyCheckpoints.write(dir.resolve("sdxl_lightning_1step_unet_x0.safetensors"),
                TinyCheckpoints.Kind.SDXL);
        assertEquals("lightning-1", detected(lightning).preset().id());
        assertEquals("x0", detected(lightning).preset().modelSampling());
    }

    @Test
    void ordinaryFilesAndUnreadableOnesOfferNothing() throws Exception {
        assertTrue(FewStepDetector.detect(sd15Lora("add_detail.safetensors",
                Map.of("ss_output_name", "add_detail", "ss_training_comment", "more detail at 20-30 steps")))
                .isEmpty());
        // a family named without its step count does not guess one
        assertTrue(FewStepDetector.detect(sdxlLora("sdxl_lightning_lora.safetensors", Map.of())).isEmpty());
        // words that merely contain the names
        assertTrue(FewStepDetector.detect(sd15Lora("hyperrealism_lightningbolt_tcdx.safetensors", Map.of()))
                .isEmpty());
        Path junk = Files.writeString(dir.resolve("lcm-lora-sdv1-5.safetensors"), "<html>not found</html>");
        assertTrue(FewStepDetector.detect(junk).isEmpty());
        assertTrue(FewStepDetector.detect(dir.resolve("missing-lcm.safetensors")).isEmpty());
    }
}
