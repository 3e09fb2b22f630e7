package dev.noodle.nodes.latent;

import dev.noodle.nodes.host.MemoryPreflight;
import dev.noodle.nodes.host.NodeSupport;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.nodes.values.HeapTensor;
import dev.noodle.nodes.values.ImageValue;
import dev.noodle.nodes.values.LatentValue;
import dev.noodle.nodes.values.VaeValue;

/** VAEDecode and VAEEncode. */
public final class VaeNodes {
    private VaeNodes() {}

    /** VAEDecode: latent → image [B, H, W, 3]. */
    public static final class VaeDecode extends Node {
        static final SocketInput<LatentValue> SAMPLES = SocketInput.of("samples", PortType.LATENT, LatentValue.class);
        static final SocketInput<VaeValue> VAE = SocketInput.of("vae", PortType.VAE, VaeValue.class);

        public VaeDecode() {
            super(NodeSupport.schema("VAEDecode", "VAE Decode", "latent",
                            "Turns the latent the sampler made into a visible image with the VAE's decoder.")
                    .input(SAMPLES)
                    .input(VAE)
                    .output(PortType.IMAGE, "IMAGE"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            LatentValue latent = ctx.inputs().get(SAMPLES);
            VaeValue vae = ctx.inputs().get(VAE);
            HeapTensor s = latent.samples();
            MemoryPreflight.check("VAEDecode", s.dim(0), s.dim(2) * 8, s.dim(3) * 8);
            try (NDManager m = NodeSupport.scope(ctx)) {
                NDArray img = vae.vae().decode(s.toNd(m)); // [B, 3, H, W] in [0, 1]
                return NodeOutputs.of(new ImageValue(HeapTensor.of(img.transpose(0, 2, 3, 1))));
            }
        }
    }

    /** VAEEncode: image → latent (crops to a multiple of 8 as ComfyUI does). */
    public static final class VaeEncode extends Node {
        static final SocketInput<ImageValue> PIXELS = SocketInput.of("pixels", PortType.IMAGE, ImageValue.class);
        static final SocketInput<VaeValue> VAE = SocketInput.of("vae", PortType.VAE, VaeValue.class);

        public VaeEncode() {
            super(NodeSupport.schema("VAEEncode", "VAE Encode", "latent",
                            "Turns an image into a latent with the VAE's encoder (for img2img).")
                    .input(PIXELS)
                    .input(VAE)
                    .output(PortType.LATENT, "LATENT"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            ImageValue image = ctx.inputs().get(PIXELS);
            VaeValue vae = ctx.inputs().get(VAE);
            MemoryPreflight.check("VAEEncode", image.batch(), image.height(), image.width());
            try (NDManager m = NodeSupport.scope(ctx)) {
                NDArray x = cropTo8(image.pixels().toNd(m)).transpose(0, 3, 1, 2); // [B, 3, H, W]
                return NodeOutputs.of(LatentValue.of(HeapTensor.of(vae.vae().encode(x))));
            }
        }
    }

    /** Centre-crops [B, H, W, C] to multiples of 8 (ComfyUI VAEEncode's crop). */
    public static NDArray cropTo8(NDArray img) {
        long h = img.getShape().get(1);
        long w = img.getShape().get(2);
        long h8 = h / 8 * 8;
        long w8 = w / 8 * 8;
        if (h8 == 0 || w8 == 0) {
            throw new IllegalArgumentException("the image is " + w + "×" + h + "; VAE Encode needs at least 8×8");
        }
        if (h8 == h && w8 == w) {
            return img;
        }
        long y = (h % 8) / 2;
        long x = (w % 8) / 2;
        return img.get(new NDIndex(":, " + y + ":" + (y + h8) + ", " + x + ":" + (x + w8) + ", :"));
    }
}
