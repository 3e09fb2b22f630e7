package dev.noodle.examples.pack;

import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.nodes.values.HeapTensor;
import dev.noodle.nodes.values.ImageValue;

/**
 * Image Brightness: multiplies every colour value by {@code factor}, clamped to [0, 1].
 *
 * <p>Shows a widget input: a {@link FloatInput} becomes a number field in the editor and a
 * {@code ["FLOAT", {default, min, max, step}]} entry in {@code /object_info}; Noodle checks the bounds before the node
 * runs, so {@code execute} reads a valid value.
 */
public final class ImageBrightness extends Node {
    /** The image to brighten or darken. */
    static final SocketInput<ImageValue> IMAGE = SocketInput.of("image", PortType.IMAGE, ImageValue.class);
    /** The multiplier: 0 is black, 1 leaves the image as it is, 2 doubles every value. */
    static final FloatInput FACTOR = FloatInput.of("factor", 1.0, 0.0, 4.0, 0.05)
            .withTooltip("0 is black, 1 leaves the image unchanged, above 1 brightens");

    /** Declares the node. */
    public ImageBrightness() {
        super(NodeSchema.builder("ExampleImageBrightness")
                .display("Image Brightness")
                .category("example/image")
                .description("Multiplies the colours of an image by a factor, clamped to [0, 1].")
                .input(IMAGE)
                .input(FACTOR)
                .output(PortType.IMAGE));
    }

    @Override
    public NodeOutputs execute(NodeContext ctx) {
        NodeInputs in = ctx.inputs();
        ImageValue image = in.get(IMAGE);
        float factor = in.getFloat(FACTOR);
        float[] pixels = image.pixels().data();
        float[] out = new float[pixels.length];
        for (int i = 0; i < pixels.length; i++) {
            out[i] = Math.min(1f, Math.max(0f, pixels[i] * factor));
        }
        return NodeOutputs.of(new ImageValue(new HeapTensor(image.pixels().shape(), out)));
    }
}
