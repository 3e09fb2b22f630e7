package dev.noodle.engine.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import dev.noodle.engine.runtime.ConvLayout;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The TAESD encoder and decoder (Tiny AutoEncoder for Stable Diffusion, madebyollin/taesd {@code taesd.py}) as the
 * {@code nn.Sequential} layer lists the published files index: parameters are named {@code <layer>.weight} for a
 * convolution and {@code <layer>.conv.<0|2|4>.weight/bias} for a block, with the layer's position in the list.
 *
 * <p>A block is conv–ReLU–conv–ReLU–conv plus a skip (the identity, as every TAESD block keeps 64 channels), then
 * ReLU. Convolutions are 3×3 with padding 1. Immutable; thread-safe.
 */
final class TaesdNetwork {
    /** Feature width of every TAESD stage. */
    static final int WIDTH = 64;

    /** One entry of the sequential list. */
    sealed interface Layer permits Conv, Block, Relu, Clamp, Upsample {}

    /** {@code nn.Conv2d(in, out, 3, padding=1, stride, bias)}. */
    record Conv(int in, int out, int stride, boolean bias) implements Layer {}

    /** TAESD {@code Block(n, n)}: three 3×3 convolutions with biases, identity skip, ReLU after the sum. */
    record Block(int channels) implements Layer {}

    /** {@code nn.ReLU()}. */
    record Relu() implements Layer {}

    /** TAESD {@code Clamp}: tanh(x / 3) · 3, a soft clamp of the latent to ±3. */
    record Clamp() implements Layer {}

    /** {@code nn.Upsample(scale_factor=2)}: nearest neighbour. */
    record Upsample() implements Layer {}

    /** The decoder list: Clamp, conv(C→64), ReLU, then three stages of 3 blocks, ×2 up, conv; block, conv(64→3). */
    static List<Layer> decoderLayers(int latentChannels) {
        List<Layer> l = new ArrayList<>(List.of(new Clamp(), new Conv(latentChannels, WIDTH, 1, true), new Relu()));
        for (int stage = 0; stage < 3; stage++) {
            l.add(new Block(WIDTH));
            l.add(new Block(WIDTH));
            l.add(new Block(WIDTH));
            l.add(new Upsample());
            l.add(new Conv(WIDTH, WIDTH, 1, false));
        }
        l.add(new Block(WIDTH));
        l.add(new Conv(WIDTH, 3, 1, true));
        return List.copyOf(l);
    }

    /** The encoder list: conv(3→64), block, then three stages of a stride-2 conv and 3 blocks, conv(64→C). */
    static List<Layer> encoderLayers(int latentChannels) {
        List<Layer> l = new ArrayList<>(List.of(new Conv(3, WIDTH, 1, true), new Block(WIDTH)));
        for (int stage = 0; stage < 3; stage++) {
            l.add(new Conv(WIDTH, WIDTH, 2, false));
            l.add(new Block(WIDTH));
            l.add(new Block(WIDTH));
            l.add(new Block(WIDTH));
        }
        l.add(new Conv(WIDTH, latentChannels, 1, true));
        return List.copyOf(l);
    }

    /** Every parameter of {@code layers} by its state-dict name, in module order. */
    static Map<String, long[]> shapes(List<Layer> layers) {
        Map<String, long[]> m = new LinkedHashMap<>();
        for (int i = 0; i < layers.size(); i++) {
            switch (layers.get(i)) {
                case Conv c -> {
                    m.put(i + ".weight", new long[] {c.out(), c.in(), 3, 3});
                    if (c.bias()) {
                        m.put(i + ".bias", new long[] {c.out()});
                    }
                }
                case Block b -> {
                    for (int j = 0; j <= 4; j += 2) {
                        m.put(i + ".conv." + j + ".weight", new long[] {b.channels(), b.channels(), 3, 3});
                        m.put(i + ".conv." + j + ".bias", new long[] {b.channels()});
                    }
                }
                case Relu r -> { }
                case Clamp c -> { }
                case Upsample u -> { }
            }
        }
        return m;
    }

    private final List<Layer> layers;
    private final Map<String, NDArray> w;
    private final ConvLayout layout;

    TaesdNetwork(List<Layer> layers, Map<String, NDArray> weights, ConvLayout layout) {
        this.layers = layers;
        this.w = weights;
        this.layout = layout;
    }

    /** Runs the list over {@code x}; each layer in its own scope, the previous activation freed when the next exists. */
    NDArray forward(NDArray x) {
        NDArray h = x;
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            String name = Integer.toString(i);
            NDArray in = h;
            NDArray next = VaeOps.scoped(() -> switch (layer) {
                case Conv c -> VaeOps.conv(in, w.get(name + ".weight"), c.bias() ? w.get(name + ".bias") : null,
                        c.stride(), layout);
                case Block b -> block(in, name);
                case Relu r -> Activation.relu(in);
                case Clamp c -> in.div(3f).tanh().muli(3f);
                case Upsample u -> VaeOps.upsampleNearest2x(in);
            });
            if (h != x) {
                h.close();
            }
            h = next;
        }
        return h;
    }

    /** relu(conv4(relu(conv2(relu(conv0(x))))) + x). */
    private NDArray block(NDArray x, String name) {
        NDArray a = conv(x, name + ".conv.0");
        NDArray h = Activation.relu(a);
        a.close();
        a = conv(h, name + ".conv.2");
        h.close();
        h = Activation.relu(a);
        a.close();
        a = conv(h, name + ".conv.4");
        h.close();
        a.addi(x);
        h = Activation.relu(a);
        a.close();
        return h;
    }

    private NDArray conv(NDArray x, String name) {
        return VaeOps.conv(x, w.get(name + ".weight"), w.get(name + ".bias"), layout);
    }
}
