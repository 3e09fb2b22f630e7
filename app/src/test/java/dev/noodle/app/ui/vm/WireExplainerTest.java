package dev.noodle.app.ui.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.IntInput;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.graph.spec.StringInput;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Static explanations of what flows on a wire, read from the graph upstream of it. */
class WireExplainerTest {
    private static final Map<String, NodeSchema> SCHEMAS = new LinkedHashMap<>();

    static {
        add(NodeSchema.builder("CheckpointLoaderSimple").input(ComboInput.of("ckpt_name", "a.safetensors"))
                .output(PortType.MODEL, "MODEL").output(PortType.CLIP, "CLIP").output(PortType.VAE, "VAE"));
        add(NodeSchema.builder("LoraLoader").input(SocketInput.of("model", PortType.MODEL))
                .input(SocketInput.of("clip", PortType.CLIP)).input(ComboInput.of("lora_name", "l.safetensors"))
                .input(FloatInput.of("strength_model", 1, -10, 10)).input(FloatInput.of("strength_clip", 1, -10, 10))
                .output(PortType.MODEL, "MODEL").output(PortType.CLIP, "CLIP"));
        add(NodeSchema.builder("CLIPSetLastLayer").input(SocketInput.of("clip", PortType.CLIP))
                .input(IntInput.of("stop_at_clip_layer", -1, -24, -1)).output(PortType.CLIP, "CLIP"));
        add(NodeSchema.builder("CLIPTextEncode").input(StringInput.multiline("text", ""))
                .input(SocketInput.of("clip", PortType.CLIP)).output(PortType.CONDITIONING, "CONDITIONING"));
        add(NodeSchema.builder("EmptyLatentImage").input(IntInput.of("width", 512, 16, 8192))
                .input(IntInput.of("height", 512, 16, 8192)).input(IntInput.of("batch_size", 1, 1, 64))
                .output(PortType.LATENT, "LATENT"));
        add(NodeSchema.builder("KSampler").input(SocketInput.of("model", PortType.MODEL))
                .input(SocketInput.of("positive", PortType.CONDITIONING))
                .input(SocketInput.of("negative", PortType.CONDITIONING))
                .input(SocketInput.of("latent_image", PortType.LATENT)).input(IntInput.of("steps", 20, 1, 10000))
                .output(PortType.LATENT, "LATENT"));
        add(NodeSchema.builder("VAEDecode").input(SocketInput.of("samples", PortType.LATENT))
                .input(SocketInput.of("vae", PortType.VAE)).output(PortType.IMAGE, "IMAGE"));
    }

    private static void add(NodeSchema.Builder b) {
        NodeSchema s = b.build();
        SCHEMAS.put(s.type(), s);
    }

    private static Workflow wf = Workflow.empty("t");

    private static void node(String id, String type, Object... kv) {
        Map<String, InputValue> in = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            in.put((String) kv[i], kv[i + 1] instanceof InputValue v ? v : Literal.of(kv[i + 1]));
        }
        wf = wf.withNode(NodeInstance.of(id, type, in));
    }

    private static String explain(String id, int out) {
        return WireExplainer.explain(wf, t -> Optional.ofNullable(SCHEMAS.get(t)), id, out);
    }

    /** Checkpoint → two LoRAs → clip skip → prompts → sampler over an empty 768×512 batch 2 latent → decode. */
    private static void pipeline() {
        wf = Workflow.empty("t");
        node("1", "CheckpointLoaderSimple", "ckpt_name", "sd15/v1-5-pruned-emaonly.safetensors");
        node("2", "LoraLoader", "model", Link.of("1", 0), "clip", Link.of("1", 1), "lora_name", "a.safetensors");
        node("3", "LoraLoader", "model", Link.of("2", 0), "clip", Link.of("2", 1), "lora_name", "b.safetensors");
        node("4", "CLIPSetLastLayer", "clip", Link.of("3", 1), "stop_at_clip_layer", -2L);
        node("5", "CLIPTextEncode", "text", "a photo of a cat", "clip", Link.of("4", 0));
        node("6", "EmptyLatentImage", "width", 768L, "height", 512L, "batch_size", 2L);
        node("7", "KSampler", "model", Link.of("3", 0), "positive", Link.of("5", 0), "negative", Link.of("5", 0),
                "latent_image", Link.of("6", 0), "steps", 25L);
        node("8", "VAEDecode", "samples", Link.of("7", 0), "vae", Link.of("1", 2));
    }

    @Test
    void modelCountsLoraPatchesBackToTheCheckpointFile() {
        pipeline();
        assertEquals("MODEL: the UNet of v1-5-pruned-emaonly", explain("1", 0));
        assertEquals("MODEL: the UNet of v1-5-pruned-emaonly with 1 LoRA patch", explain("2", 0));
        assertEquals("MODEL: the UNet of v1-5-pruned-emaonly with 2 LoRA patches", explain("3", 0));
    }

    @Test
    void clipShowsClipSkipAndPatches() {
        pipeline();
        assertEquals("CLIP: the text encoder of v1-5-pruned-emaonly with 2 LoRA patches", explain("3", 1));
        assertEquals("CLIP: the text encoder of v1-5-pruned-emaonly, clip skip −2, with 2 LoRA patches",
                explain("4", 0));
    }

    @Test
    void clipSkipDefaultComesFromTheSchema() {
        pipeline();
        node("4", "CLIPSetLastLayer", "clip", Link.of("1", 1));
        assertEquals("CLIP: the text encoder of v1-5-pruned-emaonly, clip skip −1", explain("4", 0));
    }

    @Test
    void latentSizeBatchAndSampler() {
        pipeline();
        assertEquals("LATENT: 768×512 batch 2, empty (the sampler starts it from noise)", explain("6", 0));
        assertEquals("LATENT: 768×512 batch 2, denoised by 1 sampler (25 steps)", explain("7", 0));
        node("6", "EmptyLatentImage"); // defaults from the schema
        assertEquals("LATENT: 512×512 batch 1, denoised by 1 sampler (25 steps)", explain("7", 0));
    }

    @Test
    void imageAndConditioningDescribeTheirSources() {
        pipeline();
        assertEquals("IMAGE: 768×512 batch 2, denoised by 1 sampler (25 steps), decoded by the VAE of "
                + "v1-5-pruned-emaonly", explain("8", 0));
        assertEquals("CONDITIONING: the prompt “a photo of a cat” encoded by the text encoder of "
                + "v1-5-pruned-emaonly, clip skip −2, with 2 LoRA patches", explain("5", 0));
        assertEquals("VAE: the VAE of v1-5-pruned-emaonly", explain("1", 2));
    }

    @Test
    void unknownNodesAndCyclesDoNotBreakIt() {
        pipeline();
        node("9", "SomeCustomNode", "model", Link.of("3", 0));
        assertTrue(explain("9", 0).contains("unknown node type"), explain("9", 0)); // nothing tells its output type
        node("10", "KSampler", "model", Link.of("9", 0)); // now its output 0 feeds a MODEL socket
        assertEquals("MODEL: the UNet of v1-5-pruned-emaonly with 2 LoRA patches, through SomeCustomNode "
                + "(not installed: its effect is unknown)", explain("9", 0));
        node("2", "LoraLoader", "model", Link.of("3", 0), "clip", Link.of("3", 1)); // 2 ↔ 3 cycle
        assertEquals("MODEL: the UNet from LoraLoader (node 2) with 2 LoRA patches", explain("3", 0));
    }
}
