package dev.noodle.graph.testing;

import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeDefinition;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.IntInput;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.graph.spec.StringInput;
import java.util.List;

/** Schemas shaped like ComfyUI's core nodes (names, input order, outputs) for format tests; they do not execute. */
public final class ComfyLikeNodes {
    private ComfyLikeNodes() {}

    /** A registry of CheckpointLoaderSimple, CLIPTextEncode, KSampler, ... with ComfyUI's input order. */
    public static NodeRegistry registry(List<String> checkpoints) {
        NodeRegistry r = new NodeRegistry();
        r.register(def(NodeSchema.builder("CheckpointLoaderSimple").input(ComboInput.of("ckpt_name", checkpoints))
                .output(PortType.MODEL).output(PortType.CLIP).output(PortType.VAE).build()));
        r.register(def(NodeSchema.builder("CLIPTextEncode").input(StringInput.multiline("text", ""))
                .input(SocketInput.of("clip", PortType.CLIP)).output(PortType.CONDITIONING).build()));
        r.register(def(NodeSchema.builder("CLIPSetLastLayer").input(SocketInput.of("clip", PortType.CLIP))
                .input(IntInput.of("stop_at_clip_layer", -1, -24, -1)).output(PortType.CLIP).build()));
        r.register(def(NodeSchema.builder("LoraLoader").input(SocketInput.of("model", PortType.MODEL))
                .input(SocketInput.of("clip", PortType.CLIP)).input(ComboInput.dynamic("lora_name", List::of))
                .input(FloatInput.of("strength_model", 1, -100, 100)).input(FloatInput.of("strength_clip", 1, -100, 100))
                .output(PortType.MODEL).output(PortType.CLIP).build()));
        r.register(def(NodeSchema.builder("EmptyLatentImage").input(IntInput.of("width", 512, 16, 16384))
                .input(IntInput.of("height", 512, 16, 16384)).input(IntInput.of("batch_size", 1, 1, 4096))
                .output(PortType.LATENT).build()));
        r.register(def(NodeSchema.builder("KSampler").input(SocketInput.of("model", PortType.MODEL))
                .input(IntInput.seed("seed")).input(IntInput.of("steps", 20, 1, 10000))
                .input(FloatInput.of("cfg", 8, 0, 100))
                .input(ComboInput.of("sampler_name", "euler", "euler_ancestral", "dpmpp_2m", "dpmpp_sde"))
                .input(ComboInput.of("scheduler", "normal", "karras", "exponential", "simple"))
                .input(SocketInput.of("positive", PortType.CONDITIONING))
                .input(SocketInput.of("negative", PortType.CONDITIONING))
                .input(SocketInput.of("latent_image", PortType.LATENT)).input(FloatInput.of("denoise", 1, 0, 1))
                .output(PortType.LATENT).build()));
        r.register(def(NodeSchema.builder("VAEDecode").input(SocketInput.of("samples", PortType.LATENT))
                .input(SocketInput.of("vae", PortType.VAE)).output(PortType.IMAGE).build()));
        r.register(def(NodeSchema.builder("VAEEncode").input(SocketInput.of("pixels", PortType.IMAGE))
                .input(SocketInput.of("vae", PortType.VAE)).output(PortType.LATENT).build()));
        r.register(def(NodeSchema.builder("LoadImage").input(ComboInput.dynamic("image", () -> List.of(
                "example.png", "yosemite_inpaint_example.png"))).output(PortType.IMAGE).output(PortType.MASK)
                .build()));
        r.register(def(NodeSchema.builder("SaveImage").input(SocketInput.of("images", PortType.IMAGE))
                .input(StringInput.of("filename_prefix", "ComfyUI")).outputNode(true).build()));
        r.register(def(NodeSchema.builder("ControlNetApplyAdvanced")
                .input(SocketInput.of("positive", PortType.CONDITIONING))
                .input(SocketInput.of("negative", PortType.CONDITIONING))
                .input(SocketInput.of("control_net", PortType.of("CONTROL_NET")))
                .input(SocketInput.of("image", PortType.IMAGE)).input(FloatInput.of("strength", 1, 0, 10))
                .input(FloatInput.of("start_percent", 0, 0, 1)).input(FloatInput.of("end_percent", 1, 0, 1))
                .output(PortType.CONDITIONING, "positive").output(PortType.CONDITIONING, "negative").build()));
        return r;
    }

    private static NodeDefinition def(NodeSchema schema) {
        return new NodeDefinition() {
            @Override
            public NodeSchema schema() {
                return schema;
            }

            @Override
            public NodeOutputs execute(NodeContext ctx) {
                throw new UnsupportedOperationException("format-test node " + schema.type() + " does not run");
            }
        };
    }
}
