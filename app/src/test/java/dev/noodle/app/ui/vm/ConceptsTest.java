package dev.noodle.app.ui.vm;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import java.nio.file.Path;
import java.util.List;
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
        }
    }
}
