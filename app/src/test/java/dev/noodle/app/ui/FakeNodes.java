package dev.noodle.app.ui;

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
import java.util.concurrent.CountDownLatch;

/** Fake SD nodes with the real node names and port types; values are strings, images are tiny BufferedImages. */
final class FakeNodes {
    static final StringInput TEXT = StringInput.multiline("text", "");
    static final IntInput SEED = IntInput.seed("seed");
    static final IntInput STEPS = IntInput.of("steps", 4, 1, 10000);
    static final SocketInput<BufferedImage> IMAGES = SocketInput.of("images", PortType.IMAGE, BufferedImage.class);

    /** Counts down when the sampler starts its steps (lets a test cancel mid-run). */
    static volatile CountDownLatch samplerStarted = new CountDownLatch(1);
    /** Milliseconds the sampler sleeps per step. */
    static volatile long stepMillis = 0;

    private FakeNodes() {}

    static NodeRegistry registry() {
        NodeRegistry r = new NodeRegistry();
        r.register(node(NodeSchema.builder("CheckpointLoaderSimple").display("Load Checkpoint").category("loaders")
                .description("Loads a Stable Diffusion checkpoint: the diffusion model, the text encoder and the VAE.")
                .input(ComboInput.of("ckpt_name", "tiny.safetensors", "other.safetensors"))
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
                .description("Denoises a latent step by step, guided by the prompts.")
                .input(SocketInput.of("model", PortType.MODEL)).input(SocketInput.of("positive", PortType.CONDITIONING))
                .input(SocketInput.of("negative", PortType.CONDITIONING))
                .input(SocketInput.of("latent_image", PortType.LATENT)).input(SEED)
                .input(STEPS).input(FloatInput.of("cfg", 8.0, 0.0, 100.0, 0.1))
                .input(ComboInput.of("sampler_name", "euler", "euler_ancestral", "dpmpp_2m"))
                .input(FloatInput.of("denoise", 1.0, 0.0, 1.0, 0.01)).output(PortType.LATENT, "LATENT"),
                FakeNodes::sample));
        r.register(node(NodeSchema.builder("VAEDecode").display("VAE Decode").category("latent")
                .description("Decodes a latent into a pixel image with the VAE.")
                .input(SocketInput.of("samples", PortType.LATENT)).input(SocketInput.of("vae", PortType.VAE))
                .output(PortType.IMAGE, "IMAGE"),
                ctx -> NodeOutputs.of(image(0x3366cc))));
        r.register(node(NodeSchema.builder("SaveImage").display("Save Image").category("image")
                .description("Saves images to the output folder.")
                .input(IMAGES).input(StringInput.of("filename_prefix", "Noodle"))
                .outputNode(true),
                ctx -> new NodeOutputs(List.of(), Map.of("images", List.of(ctx.inputs().get(IMAGES))))));
        return r;
    }

    private static NodeOutputs sample(NodeContext ctx) throws Exception {
        long steps = ctx.inputs().get(STEPS);
        samplerStarted.countDown();
        for (long i = 1; i <= steps; i++) {
            ctx.cancellation().throwIfCancelled();
            if (stepMillis > 0) {
                Thread.sleep(stepMillis);
            }
            ctx.progress(i, steps, image(0x202020 + (int) i * 0x101010));
        }
        return NodeOutputs.of("sampled:" + ctx.inputs().get(SEED));
    }

    static BufferedImage image(int rgb) {
        BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                img.setRGB(x, y, rgb ^ (x * y));
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
