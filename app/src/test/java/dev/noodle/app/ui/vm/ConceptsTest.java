package dev.noodle.app.ui.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import dev.noodle.nodes.sampling.SamplingHelp;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Explain panel's plain-words concepts: every idea a newcomer meets is there, tied to real node types. */
class ConceptsTest {
    @Test
    void everyIdeaOfThePipelineIsExplained() {
        List<String> titles = Concepts.ALL.stream().map(Concepts.Concept::title).toList();
        for (String idea : List.of("Checkpoint", "LoRA", "Embeddings", "Hypernetwork", "VAE", "Clip skip", "Sampler",
                "CFG")) {
            assertTrue(titles.stream().anyMatch(t -> t.startsWith(idea)), idea + " in " + titles);
        }
        for (Concepts.Concept c : Concepts.ALL) {
            assertTrue(c.text().length() > 120, c.id() + " is explained in a paragraph");
        }
        String overview = Concepts.overview();
        for (String part : List.of("MODEL", "CLIP", "VAE", "LATENT", "LoRA", "hypernetwork", "embeddings", "clip skip")) {
            assertTrue(overview.contains(part), "the overview says where " + part + " plugs in");
        }
    }

    @Test
    void conceptsAreTiedToNodeTypesThatExist(@TempDir Path dir) {
        try (NoodleNodes nodes = NoodleNodes.create(NodeEnvironment.of(dir.resolve("models"), dir.resolve("out")))) {
            for (String type : List.of("CheckpointLoaderSimple", "LoraLoader", "HypernetworkLoader", "VAELoader",
                    "CLIPSetLastLayer", "CLIPTextEncode", "KSampler", "NoodleCheckpointMerger", "VAEEncodeForInpaint")) {
                assertTrue(nodes.registry().find(type).isPresent(), type);
                assertFalse(Concepts.forNodeType(type).isEmpty(), type + " has its concept");
            }
            for (String type : Concepts.nodeTypes()) {
                assertTrue(nodes.registry().find(type).isPresent(), "no node type " + type);
            }
            assertTrue(Concepts.forNodeType("LoraLoader").contains(Concepts.LORA));
            assertTrue(Concepts.forNodeType("KSampler").contains(Concepts.CFG));
            assertTrue(Concepts.forNodeType("CLIPSetLastLayer").contains(Concepts.CLIP_SKIP));
            for (String blockMerge : List.of("ModelMergeBlocks", "ModelMergeSD1", "ModelMergeSD2", "ModelMergeSDXL")) {
                assertTrue(Concepts.forNodeType(blockMerge).contains(Concepts.MERGE_BLOCKS), blockMerge);
            }
            // the block-merge explanation names the example it points to, and that example exists
            assertTrue(Concepts.MERGE_BLOCKS.text().contains("workflows/merge_blocks.json"));
            assertTrue(java.nio.file.Files.isRegularFile(Path.of("..", "workflows", "merge_blocks.json")));
        }
    }

    @Test
    void theGligenNodesExplainWhereTheBoxesGoAndWhatTheyAdd(@TempDir Path dir) {
        try (NoodleNodes nodes = NoodleNodes.create(NodeEnvironment.of(dir.resolve("models"), dir.resolve("out")))) {
            for (String type : List.of("GLIGENLoader", "GLIGENTextBoxApply")) {
                assertTrue(nodes.registry().find(type).isPresent(), type);
                assertTrue(Concepts.forNodeType(type).contains(Concepts.GLIGEN), type + " explains GLIGEN");
            }
        }
        String text = Concepts.GLIGEN.text();
        for (String part : List.of("box in pixels", "self-attention", "CLIP embedding", "up to 30", "negative",
                "SD 1.x")) {
            assertTrue(text.contains(part), "the GLIGEN concept says " + part);
        }
    }

    @Test
    void theControlNodesExplainWhatAControlAddsAndHowItsSettingsChangeThePicture(@TempDir Path dir) {
        try (NoodleNodes nodes = NoodleNodes.create(NodeEnvironment.of(dir.resolve("models"), dir.resolve("out")))) {
            for (String type : List.of("ControlNetApply", "ControlNetApplyAdvanced", "ControlNetLoader",
                    "DiffControlNetLoader")) {
                assertTrue(nodes.registry().find(type).isPresent(), type);
                assertTrue(Concepts.forNodeType(type).contains(Concepts.CONTROL), type + " explains controls");
            }
        }
        String text = Concepts.CONTROL.text();
        // what it adds: an encoder copy reading the control image, added to the skip connections; adapters once
        for (String part : List.of("copy of the UNet's encoder", "skip connections", "control image",
                "T2I adapter", "once")) {
            assertTrue(text.contains(part), "says " + part);
        }
        // how the settings change the picture: strength, and start/end percent as layout versus detail
        for (String part : List.of("Strength", "Start and end percent", "layout", "detail", "Chain")) {
            assertTrue(text.contains(part), "says " + part);
        }
        assertTrue(Concepts.overview().contains("ControlNet"), "the overview says where a ControlNet plugs in");
    }

    @Test
    void aSamplerNodeExplainsItsCurrentSamplerAndScheduler(@TempDir Path dir) {
        try (NoodleNodes nodes = NoodleNodes.create(NodeEnvironment.of(dir.resolve("models"), dir.resolve("out")))) {
            NodeSchema ks = nodes.registry().find("KSampler").orElseThrow().schema();
            NodeInstance n = NodeInstance.of("3", "KSampler", Map.of("sampler_name", Literal.of("euler_ancestral"),
                    "scheduler", Literal.of("karras")));
            List<Concepts.Concept> choices = Concepts.currentChoices(n, ks);
            assertEquals(List.of("sampler_name: euler_ancestral", "scheduler: karras"),
                    choices.stream().map(Concepts.Concept::title).toList());
            assertEquals(SamplingHelp.sampler("euler_ancestral").orElseThrow(), choices.get(0).text());
            assertTrue(choices.get(0).text().contains("fresh random noise"), choices.get(0).text());
            assertEquals("option-scheduler", choices.get(1).id());

            // an unset combo explains its default; a linked one says nothing, since its value is not known yet
            NodeInstance unset = NodeInstance.of("3", "KSampler", Map.of("scheduler", new Link("9", 0)));
            List<Concepts.Concept> defaults = Concepts.currentChoices(unset, ks);
            assertEquals(1, defaults.size(), defaults.toString());
            assertEquals("sampler_name: euler", defaults.get(0).title());

            NodeSchema basic = nodes.registry().find("BasicScheduler").orElseThrow().schema();
            assertEquals(List.of("scheduler: beta"), Concepts.currentChoices(NodeInstance.of("1", "BasicScheduler",
                    Map.of("scheduler", Literal.of("beta"))), basic).stream().map(Concepts.Concept::title).toList());
            assertTrue(Concepts.currentChoices(NodeInstance.of("4", "CheckpointLoaderSimple", Map.of()),
                    nodes.registry().find("CheckpointLoaderSimple").orElseThrow().schema()).isEmpty());

            for (String type : List.of("KSamplerSelect", "BasicScheduler", "SDTurboScheduler",
                    "CLIPTextEncodeSDXLRefiner", "SamplerCustomAdvanced")) {
                assertFalse(Concepts.forNodeType(type).isEmpty(), type + " has its concept");
            }
            assertTrue(Concepts.forNodeType("KSampler").contains(Concepts.SAMPLER_FAMILIES));
            assertTrue(Concepts.forNodeType("CLIPTextEncodeSDXLRefiner").contains(Concepts.REFINER));
            assertTrue(Concepts.FEW_STEPS.text().contains("1–8 steps") && Concepts.REFINER.text().contains("detail"));
            assertTrue(Concepts.SAMPLER_FAMILIES.text().contains("Ancestral")
                    && Concepts.SAMPLER_FAMILIES.text().contains("SDE")
                    && Concepts.SAMPLER_FAMILIES.text().contains("multistep"));
        }
    }

    @Test
    void theClipVisionNodesExplainWhatAnImageEmbeddingIs(@TempDir Path dir) {
        try (NoodleNodes nodes = NoodleNodes.create(NodeEnvironment.of(dir.resolve("models"), dir.resolve("out")))) {
            for (String type : List.of("CLIPVisionLoader", "CLIPVisionEncode", "StyleModelLoader", "StyleModelApply")) {
                assertTrue(nodes.registry().find(type).isPresent(), type);
                assertTrue(Concepts.forNodeType(type).contains(Concepts.CLIP_VISION), type + " explains CLIP vision");
            }
            assertTrue(Concepts.forNodeType("StyleModelApply").contains(Concepts.STYLE_MODEL));
        }
        for (String part : List.of("image embedding", "patches", "224", "\"center\"", "\"none\"", "unCLIP",
                "IP-Adapter")) {
            assertTrue(Concepts.CLIP_VISION.text().contains(part), "says " + part);
        }
        for (String part : List.of("tokens", "Strength", "SD 1.x")) {
            assertTrue(Concepts.STYLE_MODEL.text().contains(part), "says " + part);
        }
    }

    @Test
    void theUnclipNodesExplainUnclipAndRevision(@TempDir Path dir) {
        try (NoodleNodes nodes = NoodleNodes.create(NodeEnvironment.of(dir.resolve("models"), dir.resolve("out")))) {
            for (String type : List.of("unCLIPCheckpointLoader", "unCLIPConditioning")) {
                assertTrue(nodes.registry().find(type).isPresent(), type);
                assertTrue(Concepts.forNodeType(type).contains(Concepts.UNCLIP), type + " explains unCLIP");
            }
        }
        for (String part : List.of("SD 2.1", "revision", "Strength", "noise_augmentation", "clip_vision_g")) {
            assertTrue(Concepts.UNCLIP.text().contains(part), "says " + part);
        }
    }

    @Test
    void theLatentNodesExplainCompositingAndBatchNoise(@TempDir Path dir) {
        try (NoodleNodes nodes = NoodleNodes.create(NodeEnvironment.of(dir.resolve("models"), dir.resolve("out")))) {
            for (String type : List.of("LatentComposite", "LatentCompositeMasked", "LatentFromBatch",
                    "LatentBatchSeedBehavior", "SaveLatent", "LoadLatent")) {
                assertTrue(nodes.registry().find(type).isPresent(), type);
                assertTrue(Concepts.forNodeType(type).contains(Concepts.LATENTS), type + " explains latents");
            }
        }
        for (String part : List.of("feather", "leftover noise", "starting noise", ".latent")) {
            assertTrue(Concepts.LATENTS.text().contains(part), "the latents concept says " + part);
        }
    }
}
