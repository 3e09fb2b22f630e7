package dev.noodle.nodes.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.validate.Validator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Infotext → graph → infotext. */
class InfotextGraphTest {
    /** In A1111 1.6 format (hires fix, clip skip, LoRA tag and hashes); constructed for this test. */
    static final String HIRES = "masterpiece, <lora:add_detail:0.8> 1girl, garden\nNegative prompt: lowres, bad"
            + " hands\nSteps: 28, Sampler: DPM++ 2M Karras, CFG scale: 6.5, Seed: 1234, Size: 512x768, Model hash:"
            + " abcdef1234, Model: anything-v5, Clip skip: 2, Denoising strength: 0.45, Hires upscale: 2, Hires steps:"
            + " 15, Hires upscaler: Latent, Lora hashes: \"add_detail: 7c6bad76eb54\", Version: v1.6.0";

    static NodeInstance only(Workflow wf, String type) {
        List<NodeInstance> found = wf.nodes().values().stream().filter(n -> n.type().equals(type)).toList();
        assertEquals(1, found.size(), type);
        return found.get(0);
    }

    @Test
    void docstringExampleBuildsTheGraphAndRoundTrips() {
        A1111Infotext info = A1111Infotext.parse(A1111InfotextTest.A1111_DOCSTRING);
        Workflow wf = InfotextGraph.toWorkflow(info, List.of("sd/v1-5-pruned-emaonly.safetensors"));
        NodeInstance ks = only(wf, "KSampler");
        assertEquals(new Literal(965400086L), ks.input("seed"));
        assertEquals(new Literal(20L), ks.input("steps"));
        assertEquals(new Literal(7.0), ks.input("cfg"));
        assertEquals(new Literal("euler_ancestral"), ks.input("sampler_name"));
        assertEquals(new Literal("normal"), ks.input("scheduler"));
        assertEquals(new Literal("a1111"), ks.input("noise_mode"));
        assertEquals(new Literal(512L), only(wf, "EmptyLatentImage").input("width"));
        assertFalse(wf.nodes().values().stream().anyMatch(n -> n.type().equals("CLIPSetLastLayer")));
        // every node type of the graph is known to a ComfyUI-shaped registry, and the graph validates
        assertEquals(List.of(), new Validator(InteropTestSupport.registry()).validate(
                wf.withNode(only(wf, "CheckpointLoaderSimple").withInput("ckpt_name",
                        Literal.of("v1-5-pruned-emaonly.safetensors")))));
        assertEquals(A1111InfotextTest.A1111_DOCSTRING, InfotextGraph.toInfotext(wf).format());
    }

    @Test
    void hiresClipSkipAndLoraBecomeNodes() {
        Workflow wf = InfotextGraph.toWorkflow(A1111Infotext.parse(HIRES),
                List.of("anime/anything-v5.safetensors", "other.ckpt"));
        assertEquals(new Literal("anime/anything-v5.safetensors"),
                only(wf, "CheckpointLoaderSimple").input("ckpt_name"));
        assertEquals(new Literal(-2L), only(wf, "CLIPSetLastLayer").input("stop_at_clip_layer"));
        NodeInstance lora = only(wf, "LoraLoader");
        assertEquals(new Literal("add_detail.safetensors"), lora.input("lora_name"));
        assertEquals(new Literal(0.8), lora.input("strength_model"));
        NodeInstance up = only(wf, "LatentUpscaleBy");
        assertEquals(new Literal(2.0), up.input("scale_by"));
        assertEquals(new Literal("bilinear"), up.input("upscale_method"));
        List<NodeInstance> samplers = wf.nodes().values().stream().filter(n -> n.type().equals("KSampler")).toList();
        assertEquals(2, samplers.size());
        assertEquals(new Literal("dpmpp_2m"), samplers.get(0).input("sampler_name"));
        assertEquals(new Literal("karras"), samplers.get(0).input("scheduler"));
        assertEquals(new Literal(0.45), samplers.get(1).input("denoise"));
        assertEquals(new Literal(15L), samplers.get(1).input("steps"));
        assertEquals(Link.of(up.id(), 0), samplers.get(1).input("latent_image"));
        NodeInstance pos = wf.node(((Link) samplers.get(0).input("positive")).nodeId());
        assertEquals(new Literal("masterpiece,  1girl, garden"), pos.input("text"));
        assertEquals(Link.of(lora.id(), 1), pos.input("clip"));
        assertEquals(HIRES, InfotextGraph.toInfotext(wf).format());
    }

    @Test
    void realInfotextsRoundTripThroughTheGraph() {
        for (String text : A1111InfotextTest.REAL) {
            Workflow wf = InfotextGraph.toWorkflow(A1111Infotext.parse(text), List.of());
            String back = InfotextGraph.toInfotext(wf).format();
            assertEquals(A1111InfotextTest.normalised(text), back, "infotext → graph → infotext");
            Workflow again = InfotextGraph.toWorkflow(A1111Infotext.parse(back), List.of());
            assertEquals(wf.nodes(), again.nodes(), "graph → infotext → graph");
        }
        Workflow anime = InfotextGraph.toWorkflow(A1111Infotext.parse(A1111InfotextTest.ANIME_MERGED), List.of());
        assertEquals(new Literal("ddim"), only(anime, "KSampler").input("sampler_name"));
        assertEquals(new Literal(-2L), only(anime, "CLIPSetLastLayer").input("stop_at_clip_layer"));
        assertEquals(new Literal(3398512029L), only(anime, "KSampler").input("seed"));
        Workflow cf = InfotextGraph.toWorkflow(A1111Infotext.parse(A1111InfotextTest.COUNTERFEIT), List.of());
        List<NodeInstance> samplers = cf.nodes().values().stream().filter(n -> n.type().equals("KSampler")).toList();
        assertEquals(new Literal(25L), samplers.get(1).input("steps"), "no Hires steps: as many as Steps");
        assertEquals(new Literal(0.5), samplers.get(1).input("denoise"));
        assertEquals(new Literal(1024L), only(cf, "EmptyLatentImage").input("height"));
        assertEquals(new Literal("EasyNegativeV2"), cf.node(((Link) samplers.get(0).input("negative")).nodeId())
                .input("text"));
        Workflow em = InfotextGraph.toWorkflow(A1111Infotext.parse(A1111InfotextTest.EMBEDDING_MERGE), List.of());
        assertFalse(em.nodes().values().stream().anyMatch(n -> n.type().equals("LoraLoader")), "<'EM_1'> is no LoRA");
        assertEquals(new Literal("karras"), only(em, "KSampler").input("scheduler"));
    }

    @Test
    void editsShowInTheInfotext() {
        Workflow wf = InfotextGraph.toWorkflow(A1111Infotext.parse(HIRES), List.of());
        NodeInstance ks = wf.nodes().values().stream().filter(n -> n.type().equals("KSampler")).findFirst().get();
        NodeInstance ckpt = only(wf, "CheckpointLoaderSimple");
        wf = wf.withNode(ks.withInput("seed", Literal.of(99L)).withInput("sampler_name", Literal.of("euler")))
                .withNode(ckpt.withInput("ckpt_name", Literal.of("realistic.safetensors")));
        NodeInstance pos = wf.node(((Link) ks.input("positive")).nodeId());
        wf = wf.withNode(pos.withInput("text", Literal.of("a dog")));
        A1111Infotext out = InfotextGraph.toInfotext(wf);
        assertEquals("a dog, <lora:add_detail:0.8>", out.prompt());
        Map<String, String> p = out.params();
        assertEquals("99", p.get("Seed"));
        assertEquals("Euler", p.get("Sampler"));
        assertEquals("Karras", p.get("Schedule type"));
        assertEquals("realistic", p.get("Model"));
        assertFalse(p.containsKey("Model hash"), "the old checkpoint's hash is dropped");
        assertEquals("v1.6.0", p.get("Version"));
        assertTrue(out.format().contains("Hires upscale: 2"));
    }
}
