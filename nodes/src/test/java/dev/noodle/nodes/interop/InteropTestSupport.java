package dev.noodle.nodes.interop;

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
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import javax.imageio.ImageIO;

/** Small PNGs and ComfyUI-shaped schemas for the interop tests. */
final class InteropTestSupport {
    private InteropTestSupport() {}

    /** A 3×2 RGB PNG encoded by ImageIO (one IDAT, no text). */
    static byte[] tinyPng() throws IOException {
        BufferedImage img = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
        img.setRGB(1, 1, 0xFF8800);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    /** CheckpointLoaderSimple, CLIPTextEncode, EmptyLatentImage, KSampler, VAEDecode, SaveImage as ComfyUI orders them. */
    static NodeRegistry registry() {
        NodeRegistry r = new NodeRegistry();
        r.register(def(NodeSchema.builder("CheckpointLoaderSimple")
                .input(ComboInput.of("ckpt_name", "v1-5-pruned-emaonly.safetensors"))
                .output(PortType.MODEL).output(PortType.CLIP).output(PortType.VAE).build()));
        r.register(def(NodeSchema.builder("CLIPTextEncode").input(StringInput.multiline("text", ""))
                .input(SocketInput.of("clip", PortType.CLIP)).output(PortType.CONDITIONING).build()));
        r.register(def(NodeSchema.builder("EmptyLatentImage").input(IntInput.of("width", 512, 16, 16384))
                .input(IntInput.of("height", 512, 16, 16384)).input(IntInput.of("batch_size", 1, 1, 4096))
                .output(PortType.LATENT).build()));
        r.register(def(NodeSchema.builder("KSampler").input(SocketInput.of("model", PortType.MODEL))
                .input(IntInput.seed("seed")).input(IntInput.of("steps", 20, 1, 10000))
                .input(FloatInput.of("cfg", 8, 0, 100)).input(ComboInput.of("sampler_name", "euler", "euler_ancestral"))
                .input(ComboInput.of("scheduler", "normal", "karras"))
                .input(SocketInput.of("positive", PortType.CONDITIONING))
                .input(SocketInput.of("negative", PortType.CONDITIONING))
                .input(SocketInput.of("latent_image", PortType.LATENT)).input(FloatInput.of("denoise", 1, 0, 1))
                .input(ComboInput.of("noise_mode", List.of("comfy", "a1111")).asOptional())
                .output(PortType.LATENT).build()));
        r.register(def(NodeSchema.builder("VAEDecode").input(SocketInput.of("samples", PortType.LATENT))
                .input(SocketInput.of("vae", PortType.VAE)).output(PortType.IMAGE).build()));
        r.register(def(NodeSchema.builder("SaveImage").input(SocketInput.of("images", PortType.IMAGE))
                .input(StringInput.of("filename_prefix", "ComfyUI")).outputNode(true).build()));
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
                throw new UnsupportedOperationException("interop-test node " + schema.type() + " does not run");
            }
        };
    }

    /** A ComfyUI v0.4 UI workflow: checkpoint → text → sampler, with a CJK + emoji prompt. */
    static final String UI_WORKFLOW = """
            {"last_node_id": 3, "last_link_id": 2, "nodes": [
              {"id": 1, "type": "CheckpointLoaderSimple", "pos": [0, 0], "size": [300, 100], "flags": {}, "order": 0,
               "mode": 0, "outputs": [{"name": "MODEL", "type": "MODEL", "links": [2]},
               {"name": "CLIP", "type": "CLIP", "links": [1]}, {"name": "VAE", "type": "VAE", "links": null}],
               "properties": {}, "widgets_values": ["v1-5-pruned-emaonly.safetensors"]},
              {"id": 2, "type": "CLIPTextEncode", "pos": [350, 0], "size": [400, 200], "flags": {}, "order": 1,
               "mode": 0, "inputs": [{"name": "clip", "type": "CLIP", "link": 1}],
               "outputs": [{"name": "CONDITIONING", "type": "CONDITIONING", "links": null}],
               "properties": {}, "widgets_values": ["猫 ☕ 😀 é"]}
            ], "links": [[1, 1, 1, 2, 0, "CLIP"], [2, 1, 0, 3, 0, "MODEL"]], "groups": [], "config": {},
            "extra": {}, "version": 0.4}
            """;
}
