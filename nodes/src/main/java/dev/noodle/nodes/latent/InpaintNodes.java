package dev.noodle.nodes.latent;

import dev.noodle.nodes.host.NodeSupport;
import dev.noodle.nodes.image.ScaleNodes;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.BoolInput;
import dev.noodle.graph.spec.IntInput;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.nodes.values.ConditioningValue;
import dev.noodle.nodes.values.HeapTensor;
import dev.noodle.nodes.values.ImageValue;
import dev.noodle.nodes.values.LatentValue;
import dev.noodle.nodes.values.MaskValue;
import dev.noodle.nodes.values.VaeValue;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** VAEEncodeForInpaint, SetLatentNoiseMask and InpaintModelConditioning, shaped as ComfyUI's. */
public final class InpaintNodes {
    /** Conditioning extra: the masked image's raw latent [B, 4, h, w] (ComfyUI concat_latent_image). */
    public static final String CONCAT_LATENT = "concat_latent_image";
    /** Conditioning extra: the inpainting mask [B, 1, H, W] in pixels (ComfyUI concat_mask). */
    public static final String CONCAT_MASK = "concat_mask";

    private InpaintNodes() {}

    static final SocketInput<ImageValue> PIXELS = SocketInput.of("pixels", PortType.IMAGE, ImageValue.class);
    static final SocketInput<VaeValue> VAE = SocketInput.of("vae", PortType.VAE, VaeValue.class);
    static final SocketInput<MaskValue> MASK = SocketInput.of("mask", PortType.MASK, MaskValue.class);

    /** The mask as [B, 1, height, width], bilinearly resized when its size differs (ComfyUI's interpolate). */
    static HeapTensor maskTo(MaskValue mask, int height, int width) {
        HeapTensor m = mask.mask();
        long[] s = m.shape();
        int h = (int) s[s.length - 2];
        int w = (int) s[s.length - 1];
        int b = (int) (m.data().length / ((long) h * w));
        HeapTensor chw = new HeapTensor(new long[] {b, 1, h, w}, m.data());
        return h == height && w == width ? chw
                : ScaleNodes.upscaleChw(chw, width, height, ScaleNodes.LatentMethod.BILINEAR, false);
    }

    /** Pixels with the masked (rounded mask = 1) parts set to 0.5 grey, as ComfyUI: (p − 0.5)·(1 − round(m)) + 0.5. */
    static HeapTensor greyOut(HeapTensor pixels, HeapTensor mask) {
        long[] s = pixels.shape(); // [B, H, W, 3]
        int b = (int) s[0];
        int hw = (int) (s[1] * s[2]);
        int c = (int) s[3];
        int mb = (int) mask.dim(0);
        float[] out = pixels.data().clone();
        for (int i = 0; i < b; i++) {
            for (int p = 0; p < hw; p++) {
                float keep = 1f - Math.round(mask.data()[(i % mb) * hw + p]);
                for (int k = 0; k < c; k++) {
                    int at = (i * hw + p) * c + k;
                    out[at] = (out[at] - 0.5f) * keep + 0.5f;
                }
            }
        }
        return new HeapTensor(s, out);
    }

    /** Crops [B, H, W, C] pixels to multiples of 8 from the top-left (as ComfyUI's inpaint nodes). */
    static HeapTensor crop8(HeapTensor pixels) {
        long[] s = pixels.shape();
        int h = (int) (s[1] / 8 * 8);
        int w = (int) (s[2] / 8 * 8);
        if (h == 0 || w == 0) {
            throw new IllegalArgumentException("the image is " + s[2] + "×" + s[1] + "; inpainting needs at least 8×8");
        }
        if (h == s[1] && w == s[2]) {
            return pixels;
        }
        int c = (int) s[3];
        float[] out = new float[(int) s[0] * h * w * c];
        for (int i = 0; i < s[0]; i++) {
            for (int y = 0; y < h; y++) {
                System.arraycopy(pixels.data(), (int) (((i * s[1] + y) * s[2]) * c), out, ((i * h + y) * w) * c, w * c);
            }
        }
        return new HeapTensor(new long[] {s[0], h, w, c}, out);
    }

    /** Crops a [B, 1, H, W] mask to the top-left h × w. */
    static HeapTensor cropMask(HeapTensor m, int h, int w) {
        long[] s = m.shape();
        if (s[2] == h && s[3] == w) {
            return m;
        }
        float[] out = new float[(int) s[0] * h * w];
        for (int i = 0; i < s[0]; i++) {
            for (int y = 0; y < h; y++) {
                System.arraycopy(m.data(), (int) ((i * s[2] + y) * s[3]), out, (i * h + y) * w, w);
            }
        }
        return new HeapTensor(new long[] {s[0], 1, h, w}, out);
    }

    static HeapTensor encode(NodeContext ctx, VaeValue vae, HeapTensor pixels) {
        try (NDManager m = NodeSupport.scope(ctx)) {
            NDArray x = pixels.toNd(m).transpose(0, 3, 1, 2); // [B, 3, H, W]
            return HeapTensor.of(vae.vae().encode(x));
        }
    }

    /** VAEEncodeForInpaint: greys out the masked pixels, encodes, and sets the grown mask as the noise mask. */
    public static final class VaeEncodeForInpaint extends Node {
        static final IntInput GROW_MASK_BY = IntInput.of("grow_mask_by", 6, 0, 64);

        public VaeEncodeForInpaint() {
            super(NodeSupport.schema("VAEEncodeForInpaint", "VAE Encode (for Inpainting)",
                            "latent/inpaint", "Encodes the image with the masked part greyed out and marks it for"
                                    + " regeneration (grown by grow_mask_by pixels). Best with inpainting models at"
                                    + " denoise 1.")
                    .input(PIXELS)
                    .input(VAE)
                    .input(MASK)
                    .input(GROW_MASK_BY)
                    .output(PortType.LATENT, "LATENT"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            ImageValue image = in.get(PIXELS);
            HeapTensor mask = maskTo(in.get(MASK), image.height(), image.width());
            HeapTensor px = crop8(image.pixels());
            int h = (int) px.dim(1);
            int w = (int) px.dim(2);
            mask = cropMask(mask, h, w);
            int grow = in.getInt(GROW_MASK_BY);
            HeapTensor grown = grow(mask, grow); // box-sum dilation clamped to [0, 1], then rounded
            HeapTensor latent = encode(ctx, in.get(VAE), greyOut(px, mask));
            return NodeOutputs.of(new LatentValue(latent, grown, null));
        }

        // ComfyUI: conv2d with a (2g+1)² kernel of ones, padding g, clamp(0, 1), round
        static HeapTensor grow(HeapTensor mask, int g) {
            long[] s = mask.shape();
            int b = (int) s[0];
            int h = (int) s[2];
            int w = (int) s[3];
            float[] in = mask.data();
            float[] out = new float[in.length];
            for (int i = 0; i < b; i++) {
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        double sum = 0;
                        for (int yy = Math.max(0, y - g); yy <= Math.min(h - 1, y + g); yy++) {
                            for (int xx = Math.max(0, x - g); xx <= Math.min(w - 1, x + g); xx++) {
                                sum += in[(i * h + yy) * w + xx];
                            }
                        }
                        out[(i * h + y) * w + x] = Math.round(Math.min(1.0, Math.max(0.0, sum)));
                    }
                }
            }
            return new HeapTensor(s, out);
        }
    }

    /** SetLatentNoiseMask: only the masked part of the latent is regenerated. */
    public static final class SetLatentNoiseMask extends Node {
        static final SocketInput<LatentValue> SAMPLES = SocketInput.of("samples", PortType.LATENT, LatentValue.class);

        public SetLatentNoiseMask() {
            super(NodeSupport.schema("SetLatentNoiseMask", "Set Latent Noise Mask",
                            "latent/inpaint", "Marks the part of the latent to regenerate (white in the mask); the"
                                    + " rest is kept. Works with any model.")
                    .input(SAMPLES)
                    .input(MASK)
                    .output(PortType.LATENT, "LATENT"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            LatentValue l = ctx.inputs().get(SAMPLES);
            HeapTensor m = ctx.inputs().get(MASK).mask();
            long[] s = m.shape();
            long h = s[s.length - 2];
            long w = s[s.length - 1];
            HeapTensor mask = new HeapTensor(new long[] {m.data().length / (h * w), 1, h, w}, m.data());
            return NodeOutputs.of(new LatentValue(l.samples(), mask, l.batchIndex()));
        }
    }

    /** InpaintModelConditioning: the masked image and mask as conditioning for 9-channel inpainting models. */
    public static final class InpaintModelConditioning extends Node {
        static final SocketInput<ConditioningValue> POSITIVE =
                SocketInput.of("positive", PortType.CONDITIONING, ConditioningValue.class);
        static final SocketInput<ConditioningValue> NEGATIVE =
                SocketInput.of("negative", PortType.CONDITIONING, ConditioningValue.class);
        static final BoolInput NOISE_MASK = new BoolInput("noise_mask", true, false,
                "Add a noise mask to the latent so sampling only happens within the mask. Might improve"
                        + " results or completely break things depending on the model.");

        public InpaintModelConditioning() {
            super(NodeSupport.schema("InpaintModelConditioning", "InpaintModelConditioning",
                            "conditioning/inpaint", "Gives an inpainting model (9 input channels) the image with the"
                                    + " masked part greyed out and the mask; the latent is the whole image, with the"
                                    + " mask as noise mask when noise_mask is on.")
                    .input(POSITIVE)
                    .input(NEGATIVE)
                    .input(VAE)
                    .input(PIXELS)
                    .input(MASK)
                    .input(NOISE_MASK)
                    .output(PortType.CONDITIONING, "positive")
                    .output(PortType.CONDITIONING, "negative")
                    .output(PortType.LATENT, "latent"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            ImageValue image = in.get(PIXELS);
            VaeValue vae = in.get(VAE);
            HeapTensor px = crop8(image.pixels());
            HeapTensor mask = cropMask(maskTo(in.get(MASK), image.height(), image.width()),
                    (int) px.dim(1), (int) px.dim(2));
            HeapTensor concat = encode(ctx, vae, greyOut(px, mask));
            HeapTensor orig = encode(ctx, vae, px);
            LatentValue latent = new LatentValue(orig, in.get(NOISE_MASK) ? mask : null, null);
            return NodeOutputs.of(withExtras(in.get(POSITIVE), concat, mask),
                    withExtras(in.get(NEGATIVE), concat, mask), latent);
        }

        static ConditioningValue withExtras(ConditioningValue c, HeapTensor concat, HeapTensor mask) {
            List<ConditioningValue.Entry> out = new ArrayList<>();
            for (ConditioningValue.Entry e : c.entries()) {
                Map<String, HeapTensor> extras = new HashMap<>(e.extras());
                extras.put(CONCAT_LATENT, concat);
                extras.put(CONCAT_MASK, mask);
                out.add(e.withExtras(extras));
            }
            return new ConditioningValue(out);
        }
    }
}
