package dev.noodle.nodes.latent;

import dev.noodle.graph.node.MessageLevel;
import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.BoolInput;
import dev.noodle.graph.spec.EnumInput;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.IntInput;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.nodes.conditioning.ConditioningNodes;
import dev.noodle.nodes.host.MemoryPreflight;
import dev.noodle.nodes.host.NodeSupport;
import dev.noodle.nodes.values.LatentValue;
import dev.noodle.nodes.values.MaskValue;

/**
 * ComfyUI's latent operation nodes with their ids, display names, categories and inputs: LatentComposite,
 * LatentBlend, LatentFromBatch, LatentCrop, LatentFlip, LatentRotate ({@code nodes.py}), LatentCompositeMasked
 * ({@code comfy_extras/nodes_mask.py}), LatentAdd, LatentSubtract, LatentMultiply, LatentInterpolate and LatentBatch
 * ({@code comfy_extras/nodes_latent.py}). The arithmetic is {@link LatentOps}.
 */
public final class LatentOpNodes {
    private LatentOpNodes() {}

    static final SocketInput<LatentValue> SAMPLES = SocketInput.of("samples", PortType.LATENT, LatentValue.class);
    static final SocketInput<LatentValue> SAMPLES1 = SocketInput.of("samples1", PortType.LATENT, LatentValue.class);
    static final SocketInput<LatentValue> SAMPLES2 = SocketInput.of("samples2", PortType.LATENT, LatentValue.class);

    /** An INT in pixels with ComfyUI's step 8, from {@code min} to MAX_RESOLUTION. */
    static IntInput pixels(String name, long dflt, long min) {
        return new IntInput(name, dflt, min, ConditioningNodes.MAX_RESOLUTION, 8, false, "", false);
    }

    private static LatentValue latent(NodeContext ctx, String node, SocketInput<LatentValue> in) {
        LatentValue l = ctx.inputs().get(in);
        LatentOps.requireLatent(node, in.name(), l);
        return l;
    }

    /** LatentComposite: one latent pasted into another at a pixel position, with feathered edges. */
    public static final class LatentComposite extends Node {
        static final SocketInput<LatentValue> TO = SocketInput.of("samples_to", PortType.LATENT, LatentValue.class);
        static final SocketInput<LatentValue> FROM =
                SocketInput.of("samples_from", PortType.LATENT, LatentValue.class);
        static final IntInput X = pixels("x", 0, 0);
        static final IntInput Y = pixels("y", 0, 0);
        static final IntInput FEATHER = pixels("feather", 0, 0);

        public LatentComposite() {
            super(NodeSupport.schema("LatentComposite", "Latent Composite", "latent",
                            "Pastes samples_from into samples_to at x, y (pixels, multiples of 8); feather fades the"
                                    + " pasted edges over that many pixels.")
                    .input(TO)
                    .input(FROM)
                    .input(X)
                    .input(Y)
                    .input(FEATHER)
                    .output(PortType.LATENT, "LATENT"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            return NodeOutputs.of(LatentOps.composite(latent(ctx, "Latent Composite", TO),
                    latent(ctx, "Latent Composite", FROM), in.get(X), in.get(Y), in.get(FEATHER)));
        }
    }

    /** LatentCompositeMasked: source pasted into destination through an optional mask. */
    public static final class LatentCompositeMasked extends Node {
        static final SocketInput<LatentValue> DESTINATION =
                SocketInput.of("destination", PortType.LATENT, LatentValue.class);
        static final SocketInput<LatentValue> SOURCE = SocketInput.of("source", PortType.LATENT, LatentValue.class);
        static final IntInput X = pixels("x", 0, 0);
        static final IntInput Y = pixels("y", 0, 0);
        static final BoolInput RESIZE_SOURCE = BoolInput.of("resize_source", false);
        static final SocketInput<MaskValue> MASK =
                SocketInput.of("mask", PortType.MASK, MaskValue.class).asOptional();

        public LatentCompositeMasked() {
            super(NodeSupport.schema("LatentCompositeMasked", "Latent Composite Masked", "latent",
                            "Pastes source into destination at x, y (pixels); where a mask is given only its white"
                                    + " parts are pasted. resize_source first stretches source to destination's"
                                    + " size.")
                    .input(DESTINATION)
                    .input(SOURCE)
                    .input(X)
                    .input(Y)
                    .input(RESIZE_SOURCE)
                    .input(MASK)
                    .output(PortType.LATENT, "LATENT"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            return NodeOutputs.of(LatentOps.compositeMasked(latent(ctx, "LatentCompositeMasked", DESTINATION),
                    latent(ctx, "LatentCompositeMasked", SOURCE), in.get(X), in.get(Y), in.get(RESIZE_SOURCE),
                    in.get(MASK)));
        }
    }

    /** LatentBlend: a weighted mix of two latents (ComfyUI's only mode, normal). */
    public static final class LatentBlend extends Node {
        static final FloatInput BLEND_FACTOR = FloatInput.of("blend_factor", 0.5, 0, 1, 0.01);

        public LatentBlend() {
            super(NodeSupport.schema("LatentBlend", "Latent Blend", "_for_testing",
                            "samples1 × blend_factor + samples2 × (1 − blend_factor); samples2 is resized to"
                                    + " samples1 when their sizes differ.")
                    .input(SAMPLES1)
                    .input(SAMPLES2)
                    .input(BLEND_FACTOR)
                    .output(PortType.LATENT, "LATENT"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            return NodeOutputs.of(LatentOps.blend(latent(ctx, "Latent Blend", SAMPLES1),
                    latent(ctx, "Latent Blend", SAMPLES2), ctx.inputs().get(BLEND_FACTOR)));
        }
    }

    /** LatentAdd: samples1 + samples2. */
    public static final class LatentAdd extends Node {
        public LatentAdd() {
            super(NodeSupport.schema("LatentAdd", "LatentAdd", "latent/advanced",
                            "samples1 + samples2 (samples2 resized and repeated to samples1's shape).")
                    .input(SAMPLES1)
                    .input(SAMPLES2)
                    .output(PortType.LATENT, "LATENT"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            return NodeOutputs.of(LatentOps.add(latent(ctx, "LatentAdd", SAMPLES1),
                    latent(ctx, "LatentAdd", SAMPLES2)));
        }
    }

    /** LatentSubtract: samples1 − samples2. */
    public static final class LatentSubtract extends Node {
        public LatentSubtract() {
            super(NodeSupport.schema("LatentSubtract", "LatentSubtract", "latent/advanced",
                            "samples1 − samples2 (samples2 resized and repeated to samples1's shape).")
                    .input(SAMPLES1)
                    .input(SAMPLES2)
                    .output(PortType.LATENT, "LATENT"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            return NodeOutputs.of(LatentOps.subtract(latent(ctx, "LatentSubtract", SAMPLES1),
                    latent(ctx, "LatentSubtract", SAMPLES2)));
        }
    }

    /** LatentMultiply: samples × multiplier. */
    public static final class LatentMultiply extends Node {
        static final FloatInput MULTIPLIER = FloatInput.of("multiplier", 1.0, -10.0, 10.0, 0.01);

        public LatentMultiply() {
            super(NodeSupport.schema("LatentMultiply", "LatentMultiply", "latent/advanced",
                            "Every value of the latent times multiplier.")
                    .input(SAMPLES)
                    .input(MULTIPLIER)
                    .output(PortType.LATENT, "LATENT"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            return NodeOutputs.of(LatentOps.multiply(latent(ctx, "LatentMultiply", SAMPLES),
                    ctx.inputs().get(MULTIPLIER)));
        }
    }

    /** LatentInterpolate: a norm-preserving mix of two latents. */
    public static final class LatentInterpolate extends Node {
        static final FloatInput RATIO = FloatInput.of("ratio", 1.0, 0.0, 1.0, 0.01);

        public LatentInterpolate() {
            super(NodeSupport.schema("LatentInterpolate", "LatentInterpolate", "latent/advanced",
                            "Mixes the directions and lengths of the two latents' channel vectors separately (ratio"
                                    + " 1 = samples1), which keeps the result's strength where a plain blend would"
                                    + " weaken it.")
                    .input(SAMPLES1)
                    .input(SAMPLES2)
                    .input(RATIO)
                    .output(PortType.LATENT, "LATENT"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            return NodeOutputs.of(LatentOps.interpolate(latent(ctx, "LatentInterpolate", SAMPLES1),
                    latent(ctx, "LatentInterpolate", SAMPLES2), ctx.inputs().get(RATIO)));
        }
    }

    /** LatentBatch: two latent batches joined into one. */
    public static final class LatentBatch extends Node {
        public LatentBatch() {
            super(NodeSupport.schema("LatentBatch", "LatentBatch", "latent/batch",
                            "Joins samples2's latents after samples1's (samples2 resized to samples1's size when"
                                    + " they differ).")
                    .input(SAMPLES1)
                    .input(SAMPLES2)
                    .output(PortType.LATENT, "LATENT"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            LatentValue a = latent(ctx, "LatentBatch", SAMPLES1);
            LatentValue b = latent(ctx, "LatentBatch", SAMPLES2);
            MemoryPreflight.check("LatentBatch", (long) a.batch() + b.batch(), a.samples().dim(2) * 8,
                    a.samples().dim(3) * 8);
            return NodeOutputs.of(LatentOps.batch(a, b));
        }
    }

    /** LatentBatchSeedBehavior's choices, named as ComfyUI's. */
    public enum SeedBehavior {
        RANDOM,
        FIXED;

        /** The option in ComfyUI workflows. */
        public String comfyName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** LatentBatchSeedBehavior: one noise for the whole batch, or each latent its own. */
    public static final class LatentBatchSeedBehavior extends Node {
        static final EnumInput<SeedBehavior> SEED_BEHAVIOR =
                EnumInput.of("seed_behavior", SeedBehavior.class, SeedBehavior::comfyName).withDefault(
                        SeedBehavior.FIXED);

        public LatentBatchSeedBehavior() {
            super(NodeSupport.schema("LatentBatchSeedBehavior", "LatentBatchSeedBehavior", "latent/advanced",
                            "fixed: every latent of the batch starts from the first one's noise; random: each from"
                                    + " its own.")
                    .input(SAMPLES)
                    .input(SEED_BEHAVIOR)
                    .output(PortType.LATENT, "LATENT"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            return NodeOutputs.of(LatentOps.seedBehavior(latent(ctx, "LatentBatchSeedBehavior", SAMPLES),
                    ctx.inputs().get(SEED_BEHAVIOR) == SeedBehavior.FIXED));
        }
    }

    /** LatentFromBatch: some latents of a batch, keeping their noise. */
    public static final class LatentFromBatch extends Node {
        static final IntInput BATCH_INDEX = IntInput.of("batch_index", 0, 0, 63);
        static final IntInput LENGTH = IntInput.of("length", 1, 1, 64);

        public LatentFromBatch() {
            super(NodeSupport.schema("LatentFromBatch", "Latent From Batch", "latent/batch",
                            "Takes length latents starting at batch_index out of a batch; sampling them gives the"
                                    + " same noise as they had in the whole batch.")
                    .input(SAMPLES)
                    .input(BATCH_INDEX)
                    .input(LENGTH)
                    .output(PortType.LATENT, "LATENT"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            LatentValue l = latent(ctx, "Latent From Batch", SAMPLES);
            int index = in.getInt(BATCH_INDEX);
            int length = in.getInt(LENGTH);
            LatentOps.FromBatch r = LatentOps.fromBatch(l, index, length);
            if (r.clamped()) {
                ctx.message(MessageLevel.WARNING, "the batch has " + l.batch() + " latents: took "
                        + r.latent().batch() + " from index " + Math.min(index, l.batch() - 1) + " instead of "
                        + length + " from " + index);
            }
            return NodeOutputs.of(r.latent());
        }
    }

    /** LatentCrop: a rectangle of the latent, in pixels. */
    public static final class LatentCrop extends Node {
        static final IntInput WIDTH = pixels("width", 512, 64);
        static final IntInput HEIGHT = pixels("height", 512, 64);
        static final IntInput X = pixels("x", 0, 0);
        static final IntInput Y = pixels("y", 0, 0);

        public LatentCrop() {
            super(NodeSupport.schema("LatentCrop", "Crop Latent", "latent/transform",
                            "Keeps the width × height rectangle at x, y (pixels, multiples of 8).")
                    .input(SAMPLES)
                    .input(WIDTH)
                    .input(HEIGHT)
                    .input(X)
                    .input(Y)
                    .output(PortType.LATENT, "LATENT"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            return NodeOutputs.of(LatentOps.crop(latent(ctx, "Crop Latent", SAMPLES), in.get(WIDTH), in.get(HEIGHT),
                    in.get(X), in.get(Y)));
        }
    }

    /** LatentFlip's choices, named as ComfyUI's. */
    public enum FlipMethod {
        VERTICALLY("x-axis: vertically"),
        HORIZONTALLY("y-axis: horizontally");

        private final String comfyName;

        FlipMethod(String comfyName) {
            this.comfyName = comfyName;
        }

        /** The option in ComfyUI workflows. */
        public String comfyName() {
            return comfyName;
        }
    }

    /** LatentFlip: mirrored top to bottom or left to right. */
    public static final class LatentFlip extends Node {
        static final EnumInput<FlipMethod> FLIP_METHOD =
                EnumInput.of("flip_method", FlipMethod.class, FlipMethod::comfyName);

        public LatentFlip() {
            super(NodeSupport.schema("LatentFlip", "Flip Latent", "latent/transform",
                            "Mirrors the latent: x-axis turns it upside down, y-axis swaps left and right.")
                    .input(SAMPLES)
                    .input(FLIP_METHOD)
                    .output(PortType.LATENT, "LATENT"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            return NodeOutputs.of(LatentOps.flip(latent(ctx, "Flip Latent", SAMPLES),
                    ctx.inputs().get(FLIP_METHOD) == FlipMethod.VERTICALLY));
        }
    }

    /** LatentRotate's choices, named as ComfyUI's. */
    public enum Rotation {
        NONE("none"),
        DEG_90("90 degrees"),
        DEG_180("180 degrees"),
        DEG_270("270 degrees");

        private final String comfyName;

        Rotation(String comfyName) {
            this.comfyName = comfyName;
        }

        /** The option in ComfyUI workflows. */
        public String comfyName() {
            return comfyName;
        }
    }

    /** LatentRotate: turned clockwise by quarter turns. */
    public static final class LatentRotate extends Node {
        static final EnumInput<Rotation> ROTATION = EnumInput.of("rotation", Rotation.class, Rotation::comfyName);

        public LatentRotate() {
            super(NodeSupport.schema("LatentRotate", "Rotate Latent", "latent/transform",
                            "Turns the latent clockwise.")
                    .input(SAMPLES)
                    .input(ROTATION)
                    .output(PortType.LATENT, "LATENT"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            return NodeOutputs.of(LatentOps.rotate(latent(ctx, "Rotate Latent", SAMPLES),
                    ctx.inputs().get(ROTATION).ordinal()));
        }
    }
}
