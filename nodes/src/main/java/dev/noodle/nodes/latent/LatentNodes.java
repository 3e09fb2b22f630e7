package dev.noodle.nodes.latent;

import dev.noodle.nodes.conditioning.ConditioningNodes;
import dev.noodle.nodes.host.MemoryPreflight;
import dev.noodle.nodes.host.NodeSupport;

import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.IntInput;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.nodes.values.HeapTensor;
import dev.noodle.nodes.values.LatentValue;

/** Latent nodes: EmptyLatentImage, RepeatLatentBatch (resizing lives in {@link dev.noodle.nodes.image.ScaleNodes}). */
public final class LatentNodes {
    private LatentNodes() {}

    /** EmptyLatentImage: zeros [B, 4, H/8, W/8]. */
    public static final class EmptyLatentImage extends Node {
        static final IntInput WIDTH = new IntInput("width", 512, 16, ConditioningNodes.MAX_RESOLUTION, 8, false, "",
                false);
        static final IntInput HEIGHT = new IntInput("height", 512, 16, ConditioningNodes.MAX_RESOLUTION, 8, false, "",
                false);
        static final IntInput BATCH_SIZE = IntInput.of("batch_size", 1, 1, 4096);

        public EmptyLatentImage() {
            super(NodeSupport.schema("EmptyLatentImage", "Empty Latent Image", "latent",
                            "A blank latent canvas of the image size to generate (the sampler starts from noise).")
                    .input(WIDTH)
                    .input(HEIGHT)
                    .input(BATCH_SIZE)
                    .output(PortType.LATENT, "LATENT"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            long w = in.get(WIDTH) / 8;
            long h = in.get(HEIGHT) / 8;
            long b = in.get(BATCH_SIZE);
            MemoryPreflight.check("EmptyLatentImage", b, h * 8, w * 8);
            long n = Math.multiplyExact(Math.multiplyExact(b * 4, h), w);
            return NodeOutputs.of(LatentValue.of(new HeapTensor(new long[] {b, 4, h, w}, new float[Math.toIntExact(n)])));
        }
    }

    /** RepeatLatentBatch: the batch repeated {@code amount} times (batch_index offset as ComfyUI). */
    public static final class RepeatLatentBatch extends Node {
        static final SocketInput<LatentValue> SAMPLES = SocketInput.of("samples", PortType.LATENT, LatentValue.class);
        static final IntInput AMOUNT = IntInput.of("amount", 1, 1, 64);

        public RepeatLatentBatch() {
            super(NodeSupport.schema("RepeatLatentBatch", "Repeat Latent Batch", "latent/batch",
                            "Repeats the latent batch, e.g. to make several variations from one image.")
                    .input(SAMPLES)
                    .input(AMOUNT)
                    .output(PortType.LATENT, "LATENT"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            LatentValue l = ctx.inputs().get(SAMPLES);
            int amount = ctx.inputs().getInt(AMOUNT);
            HeapTensor s = l.samples();
            long[] shape = s.shape();
            MemoryPreflight.check("RepeatLatentBatch", shape[0] * amount, shape[2] * 8, shape[3] * 8);
            HeapTensor samples = s.repeatBatch(amount);
            HeapTensor mask = null;
            if (l.noiseMask() != null) {
                long ms0 = l.noiseMask().dim(0);
                if (ms0 > 1 && ms0 < samples.dim(0)) {
                    mask = l.noiseMask().repeatBatch(amount);
                } else {
                    mask = l.noiseMask();
                }
            }
            int[] index = null;
            if (l.batchIndex() != null) {
                int[] bi = l.batchIndex();
                int offset = java.util.Arrays.stream(bi).max().orElse(0) - java.util.Arrays.stream(bi).min().orElse(0) + 1;
                index = new int[bi.length * amount];
                for (int i = 0; i < amount; i++) {
                    for (int j = 0; j < bi.length; j++) {
                        index[i * bi.length + j] = bi[j] + i * offset;
                    }
                }
            }
            return NodeOutputs.of(new LatentValue(samples, mask, index));
        }
    }
}
