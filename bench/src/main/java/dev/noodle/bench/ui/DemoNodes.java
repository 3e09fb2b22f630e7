package dev.noodle.bench.ui;

import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeContext;
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
import java.util.List;
import java.util.Map;

/**
 * Stand-in nodes with Stable Diffusion's node names and port types, for the benchmark and screenshots (no model
 * needed). The sampler reports progress; the decoder paints a procedural image; Save Image shows it.
 */
public final class DemoNodes {
    static final StringInput TEXT = StringInput.multiline("text", "");
    static final IntInput SEED = IntInput.seed("seed");
    static final IntInput STEPS = IntInput.of("steps", 20, 1, 10000);
    static final SocketInput<BufferedImage> IMAGES = SocketInput.of("images", PortType.IMAGE, BufferedImage.class);

    private DemoNodes() {}

    /** A registry with the text-to-image node set. */
    public static NodeRegistry registry() {
        NodeRegistry r = new NodeRegistry();
        r.register(node(NodeSchema.builder("CheckpointLoaderSimple").display("Load Checkpoint").category("loaders")
                .description("Loads a Stable Diffusion checkpoint: the diffusion model, the text encoder and the VAE.")
                .input(ComboInput.of("ckpt_name", "sd15-tiny.safetensors", "v1-5-pruned-emaonly.safetensors"))
                .output(PortType.MODEL, "MODEL").output(PortType.CLIP, "CLIP").output(PortType.VAE, "VAE"),
                ctx -> NodeOutputs.of("model", "clip", "vae")));
        r.register(node(NodeSchema.builder("CLIPTextEncode").display("CLIP Text Encode (Prompt)")
                .category("conditioning").description("Encodes a text prompt with CLIP to steer the image.")
                .input(TEXT).input(SocketInput.of("clip", PortType.CLIP))
                .output(PortType.CONDITIONING, "CONDITIONING"),
                ctx -> NodeOutputs.of("cond:" + ctx.inputs().get(TEXT))));
        r.register(node(NodeSchema.builder("EmptyLatentImage").display("Empty Latent Image").category("latent")
                .description("Creates a blank latent to start sampling from.")
                .input(IntInput.of("width", 512, 64, 8192)).input(IntInput.of("height", 512, 64, 8192))
                .input(IntInput.of("batch_size", 1, 1, 64)).output(PortType.LATENT, "LATENT"),
                ctx -> NodeOutputs.of("latent")));
        r.register(node(NodeSchema.builder("KSampler").display("KSampler").category("sampling")
                .description("Denoises a latent step by step, guided by the positive and negative prompts.")
                .input(SocketInput.of("model", PortType.MODEL)).input(SocketInput.of("positive", PortType.CONDITIONING))
                .input(SocketInput.of("negative", PortType.CONDITIONING))
                .input(SocketInput.of("latent_image", PortType.LATENT)).input(SEED)
                .input(STEPS).input(FloatInput.of("cfg", 7.0, 0.0, 100.0, 0.1))
                .input(ComboInput.of("sampler_name", "euler", "euler_ancestral", "dpmpp_2m"))
                .input(ComboInput.of("scheduler", "normal", "karras", "simple"))
                .input(FloatInput.of("denoise", 1.0, 0.0, 1.0, 0.01)).output(PortType.LATENT, "LATENT"),
                ctx -> {
                    long steps = ctx.inputs().get(STEPS);
                    for (long i = 1; i <= steps; i++) {
                        ctx.cancellation().throwIfCancelled();
                        ctx.progress(i, steps);
                    }
                    return NodeOutputs.of("latent:" + ctx.inputs().get(SEED));
                }));
        r.register(node(NodeSchema.builder("VAEDecode").display("VAE Decode").category("latent")
                .description("Decodes a latent into a pixel image with the VAE.")
                .input(SocketInput.of("samples", PortType.LATENT)).input(SocketInput.of("vae", PortType.VAE))
                .output(PortType.IMAGE, "IMAGE"),
                ctx -> NodeOutputs.of(paint(256, 256))));
        r.register(node(NodeSchema.builder("SaveImage").display("Save Image").category("image")
                .description("Saves images to the output folder and shows them here.")
                .input(IMAGES).input(StringInput.of("filename_prefix", "Noodle"))
                .outputNode(true),
                ctx -> new NodeOutputs(List.of(), Map.of("images", List.of(ctx.inputs().get(IMAGES))))));
        return r;
    }

    /** A procedural sunset-over-noodles picture. */
    static BufferedImage paint(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double t = (double) y / h;
                double wave = Math.sin(x * 0.09 + Math.sin(y * 0.05) * 3) * 0.5 + 0.5;
                int r = (int) (255 * (0.95 - 0.4 * t));
                int g = (int) (255 * (0.55 + 0.25 * wave * t));
                int b = (int) (255 * (0.35 + 0.5 * t * (1 - wave)));
                img.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        return img;
    }

    private interface Body {
        NodeOutputs run(NodeContext ctx) throws Exception;
    }

    private static Node node(NodeSchema.Builder schema, Body body) {
        return new Node(schema) {
            @Override
            public NodeOutputs execute(NodeContext ctx) throws Exception {
                return body.run(ctx);
            }
        };
    }
}
