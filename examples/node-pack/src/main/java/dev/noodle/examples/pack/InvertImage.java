package dev.noodle.examples.pack;

import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.nodes.values.HeapTensor;
import dev.noodle.nodes.values.ImageValue;

/**
 * Invert Image: every colour value {@code x} becomes {@code 1 - x} (a photographic negative).
 *
 * <p>A node is one declaration (its typed input constants and the schema built from them) plus a stateless
 * {@link #execute(NodeContext)}; one instance serves every run, so it keeps no state.
 */
public final class InvertImage extends Node {
    /** The image to invert: IMAGE values are [B, H, W, 3] floats in [0, 1]. */
    static final SocketInput<ImageValue> IMAGE = SocketInput.of("image", PortType.IMAGE, ImageValue.class);

    /** Declares the node: its type name (unique), display name, menu category, inputs and outputs. */
    public InvertImage() {
        super(NodeSchema.builder("ExampleInvertImage")
                .display("Invert Image")
                .category("example/image")
                .description("Inverts the colours of an image: each value x becomes 1 - x.")
                .input(IMAGE)
                .output(PortType.IMAGE));
    }

    @Override
    public NodeOutputs execute(NodeContext ctx) {
        ImageValue image = ctx.inputs().get(IMAGE);
        float[] pixels = image.pixels().data(); // read-only: values on wires are shared and never modified
        float[] inverted = new float[pixels.length];
        for (int i = 0; i < pixels.length; i++) {
            inverted[i] = 1f - pixels[i];
        }
        return NodeOutputs.of(new ImageValue(new HeapTensor(image.pixels().shape(), inverted)));
    }
}
