package dev.noodle.nodes.image;

import dev.noodle.engine.image.Canny;
import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.nodes.host.NodeSupport;
import dev.noodle.nodes.values.HeapTensor;
import dev.noodle.nodes.values.ImageValue;

/**
 * Canny (ComfyUI comfy_extras/nodes_canny.py): the edges of each image of the batch as a black-and-white RGB image,
 * through {@link Canny} (kornia's algorithm with a 5×5 Gaussian of σ = 1), the control image a Canny ControlNet
 * expects. Stateless.
 */
public final class CannyNode extends Node {
    static final SocketInput<ImageValue> IMAGE = SocketInput.of("image", PortType.IMAGE, ImageValue.class);
    static final FloatInput LOW = FloatInput.of("low_threshold", 0.4, 0.01, 0.99, 0.01);
    static final FloatInput HIGH = FloatInput.of("high_threshold", 0.8, 0.01, 0.99, 0.01);

    public CannyNode() {
        super(NodeSupport.schema("Canny", "Canny", "image/preprocessors",
                        "Finds the edges of an image (white lines on black), the control image for a Canny"
                                + " ControlNet or T2I adapter. Gradients above high_threshold start an edge; weaker"
                                + " ones above low_threshold continue it. Lower thresholds give more, finer lines.")
                .input(IMAGE)
                .input(LOW)
                .input(HIGH)
                .output(PortType.IMAGE, "IMAGE"));
    }

    @Override
    public NodeOutputs execute(NodeContext ctx) {
        NodeInputs in = ctx.inputs();
        ImageValue image = in.get(IMAGE);
        float low = in.getFloat(LOW);
        float high = in.getFloat(HIGH);
        HeapTensor p = image.pixels();
        if (p.rank() != 4 || (p.dim(3) != 3 && p.dim(3) != 1)) {
            throw new IllegalArgumentException("Canny: image must be an RGB image batch [B, H, W, 3], got "
                    + java.util.Arrays.toString(p.shape()) + "; convert it to RGB first");
        }
        if (low > high) {
            throw new IllegalArgumentException("Canny: low_threshold (" + low + ") must not be above high_threshold ("
                    + high + ")");
        }
        int b = image.batch();
        int h = image.height();
        int w = image.width();
        int c = (int) p.dim(3);
        if (h < 3 || w < 3) {
            throw new IllegalArgumentException("Canny: image is " + w + "×" + h + "; it needs at least 3×3 pixels");
        }
        float[] d = p.data();
        float[] out = new float[b * h * w * 3];
        for (int i = 0; i < b; i++) {
            float[] one = java.util.Arrays.copyOfRange(d, i * h * w * c, (i + 1) * h * w * c);
            float[] edges = Canny.detect(one, h, w, c, low, high).edges();
            for (int j = 0; j < h * w; j++) {
                int o = (i * h * w + j) * 3;
                out[o] = edges[j];
                out[o + 1] = edges[j];
                out[o + 2] = edges[j];
            }
        }
        return NodeOutputs.of(new ImageValue(new HeapTensor(new long[] {b, h, w, 3}, out)));
    }
}
