package dev.noodle.nodes.conditioning;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.nodes.host.NodeSupport;
import dev.noodle.nodes.latent.InpaintNodes;
import dev.noodle.nodes.values.ConditioningValue;
import dev.noodle.nodes.values.HeapTensor;
import dev.noodle.nodes.values.ImageValue;
import dev.noodle.nodes.values.LatentValue;
import dev.noodle.nodes.values.VaeValue;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * InstructPixToPixConditioning, as ComfyUI's ({@code comfy_extras/nodes_ip2p.py}): encodes the image to edit and
 * hands its latent to both conditionings as {@code concat_latent_image}, the extra input channels of an
 * InstructPix2Pix-style UNet (8 channels: the noisy latent, then the image latent; cosxl_edit); the latent output is
 * zeros of the image latent's shape. Stateless and thread-safe.
 */
public final class InstructPixToPixConditioning extends Node {
    static final SocketInput<ConditioningValue> POSITIVE =
            SocketInput.of("positive", PortType.CONDITIONING, ConditioningValue.class);
    static final SocketInput<ConditioningValue> NEGATIVE =
            SocketInput.of("negative", PortType.CONDITIONING, ConditioningValue.class);
    static final SocketInput<VaeValue> VAE = SocketInput.of("vae", PortType.VAE, VaeValue.class);
    static final SocketInput<ImageValue> PIXELS = SocketInput.of("pixels", PortType.IMAGE, ImageValue.class);

    public InstructPixToPixConditioning() {
        super(NodeSupport.schema("InstructPixToPixConditioning", "InstructPixToPixConditioning",
                        "conditioning/instructpix2pix", "For instruction-editing models (cosxl_edit, InstructPix2Pix):"
                                + " the image to edit goes to the model beside the noise, and the prompt says what"
                                + " to change. Sample the empty latent it gives at denoise 1.")
                .input(POSITIVE)
                .input(NEGATIVE)
                .input(VAE)
                .input(PIXELS)
                .output(PortType.CONDITIONING, "positive")
                .output(PortType.CONDITIONING, "negative")
                .output(PortType.LATENT, "latent"));
    }

    @Override
    public NodeOutputs execute(NodeContext ctx) {
        NodeInputs in = ctx.inputs();
        HeapTensor px = centreCrop8(in.get(PIXELS).pixels());
        HeapTensor concat;
        try (NDManager m = NodeSupport.scope(ctx)) {
            NDArray x = px.toNd(m).transpose(0, 3, 1, 2); // [B, 3, H, W]
            concat = HeapTensor.of(in.get(VAE).vae().encode(x)); // [B, 4, H/8, W/8], unscaled
        }
        LatentValue latent = new LatentValue(new HeapTensor(concat.shape(), new float[concat.data().length]), null,
                null);
        return NodeOutputs.of(withConcat(in.get(POSITIVE), concat), withConcat(in.get(NEGATIVE), concat), latent);
    }

    static ConditioningValue withConcat(ConditioningValue c, HeapTensor concat) {
        List<ConditioningValue.Entry> out = new ArrayList<>();
        for (ConditioningValue.Entry e : c.entries()) {
            Map<String, HeapTensor> extras = new HashMap<>(e.extras());
            extras.put(InpaintNodes.CONCAT_LATENT, concat);
            out.add(e.withExtras(extras));
        }
        return new ConditioningValue(out);
    }

    /** Crops [B, H, W, C] pixels to multiples of 8, centred: (H mod 8) / 2 rows off the top, as ComfyUI. */
    static HeapTensor centreCrop8(HeapTensor pixels) {
        long[] s = pixels.shape();
        int hIn = (int) s[1];
        int wIn = (int) s[2];
        int h = hIn / 8 * 8;
        int w = wIn / 8 * 8;
        if (h == 0 || w == 0) {
            throw new IllegalArgumentException("InstructPixToPixConditioning: the image is " + wIn + "×" + hIn
                    + "; it needs at least 8×8 pixels");
        }
        if (h == hIn && w == wIn) {
            return pixels;
        }
        int top = (hIn % 8) / 2;
        int left = (wIn % 8) / 2;
        int c = (int) s[3];
        float[] out = new float[(int) s[0] * h * w * c];
        for (int i = 0; i < s[0]; i++) {
            for (int y = 0; y < h; y++) {
                System.arraycopy(pixels.data(), ((i * hIn + y + top) * wIn + left) * c, out, ((i * h + y) * w) * c,
                        w * c);
            }
        }
        return new HeapTensor(new long[] {s[0], h, w, c}, out);
    }
}
