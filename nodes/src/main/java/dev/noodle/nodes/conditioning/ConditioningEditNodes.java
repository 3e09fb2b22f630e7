package dev.noodle.nodes.conditioning;

import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.EnumInput;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.nodes.host.NodeSupport;
import dev.noodle.nodes.values.ConditioningValue;
import dev.noodle.nodes.values.HeapTensor;
import dev.noodle.nodes.values.MaskValue;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * ComfyUI's conditioning editors (nodes.py): blending and joining encoded prompts (ConditioningAverage,
 * ConditioningConcat, ConditioningZeroOut) and where, when and how strongly an entry applies
 * (ConditioningSetAreaPercentage, ConditioningSetAreaStrength, ConditioningSetMask, ConditioningSetTimestepRange).
 * Placement is recorded on the entries and resolved by the sampler against the latent and the model's schedule.
 * Stateless.
 */
public final class ConditioningEditNodes {
    private ConditioningEditNodes() {}

    static final String ADVANCED = "advanced/conditioning";
    static final SocketInput<ConditioningValue> CONDITIONING = conditioning("conditioning");
    static final SocketInput<ConditioningValue> CONDITIONING_TO = conditioning("conditioning_to");
    static final SocketInput<ConditioningValue> CONDITIONING_FROM = conditioning("conditioning_from");

    private static SocketInput<ConditioningValue> conditioning(String name) {
        return SocketInput.of(name, PortType.CONDITIONING, ConditioningValue.class);
    }

    private static FloatInput strength() {
        return FloatInput.of("strength", 1.0, 0.0, 10.0, 0.01);
    }

    private static ConditioningValue map(ConditioningValue c, UnaryOperator<ConditioningValue.Entry> f) {
        List<ConditioningValue.Entry> out = new ArrayList<>();
        for (ConditioningValue.Entry e : c.entries()) {
            out.add(f.apply(e));
        }
        return new ConditioningValue(out);
    }

    private static void sameWidth(String node, HeapTensor to, HeapTensor from) {
        if (to.rank() != 3 || from.rank() != 3 || to.dim(2) != from.dim(2)) {
            throw new IllegalArgumentException(node + ": conditioning_from has token states of width "
                    + from.dim(from.rank() - 1) + " but conditioning_to has " + to.dim(to.rank() - 1)
                    + "; encode both with the same CLIP");
        }
    }

    /**
     * ConditioningAverage: conditioning_to·s + conditioning_from·(1 − s), token by token (the first entry of
     * conditioning_from, cut or zero-padded to each entry's length), pooled outputs alike.
     */
    public static final class ConditioningAverage extends Node {
        static final FloatInput TO_STRENGTH = FloatInput.of("conditioning_to_strength", 1.0, 0.0, 1.0, 0.01);

        public ConditioningAverage() {
            // ComfyUI's display-name table spells this key with a trailing space, so its UI shows the class name
            super(NodeSupport.schema("ConditioningAverage", "ConditioningAverage", "conditioning",
                            "Blends two encoded prompts: conditioning_to_strength 1 keeps conditioning_to, 0 gives"
                                    + " conditioning_from, values between mix their token vectors (unlike Combine,"
                                    + " which averages the two predictions).")
                    .input(CONDITIONING_TO)
                    .input(CONDITIONING_FROM)
                    .input(TO_STRENGTH)
                    .output(PortType.CONDITIONING, "CONDITIONING"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            float s = in.getFloat(TO_STRENGTH);
            ConditioningValue.Entry from = in.get(CONDITIONING_FROM).entries().get(0);
            return NodeOutputs.of(map(in.get(CONDITIONING_TO), e -> average(e, from, s)));
        }

        static ConditioningValue.Entry average(ConditioningValue.Entry to, ConditioningValue.Entry from, float s) {
            HeapTensor t1 = to.context();
            HeapTensor t0 = from.context();
            sameWidth("ConditioningAverage", t1, t0);
            int n1 = (int) t1.dim(1);
            int n0 = (int) t0.dim(1);
            int d = (int) t1.dim(2);
            float[] a = t1.data();
            float[] b = t0.data();
            float[] out = new float[a.length];
            for (int i = 0; i < n1 * d; i++) {
                float f = i < n0 * d ? b[i] : 0f; // from's first row, cut or padded with zeros
                out[i] = a[i] * s + f * (1f - s);
            }
            HeapTensor pooled = to.pooled() == null ? from.pooled() : to.pooled();
            if (from.pooled() != null && pooled != null) {
                pooled = mix(pooled, from.pooled(), s);
            }
            return to.withContext(new HeapTensor(t1.shape(), out), pooled);
        }

        private static HeapTensor mix(HeapTensor to, HeapTensor from, float s) {
            if (to.data().length != from.data().length) {
                throw new IllegalArgumentException("ConditioningAverage: pooled outputs of " + from.data().length
                        + " and " + to.data().length + " values; encode both with the same CLIP");
            }
            float[] out = new float[to.data().length];
            for (int i = 0; i < out.length; i++) {
                out[i] = to.data()[i] * s + from.data()[i] * (1f - s);
            }
            return new HeapTensor(to.shape(), out);
        }
    }

    /** ConditioningConcat: conditioning_from's tokens appended to each entry's (the first entry of from). */
    public static final class ConditioningConcat extends Node {
        public ConditioningConcat() {
            super(NodeSupport.schema("ConditioningConcat", "Conditioning (Concat)", "conditioning",
                            "Appends conditioning_from's tokens after conditioning_to's, as if the prompts were one"
                                    + " longer prompt encoded in two parts.")
                    .input(CONDITIONING_TO)
                    .input(CONDITIONING_FROM)
                    .output(PortType.CONDITIONING, "CONDITIONING"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            HeapTensor from = in.get(CONDITIONING_FROM).entries().get(0).context();
            return NodeOutputs.of(map(in.get(CONDITIONING_TO), e -> concat(e, from)));
        }

        static ConditioningValue.Entry concat(ConditioningValue.Entry e, HeapTensor from) {
            sameWidth("ConditioningConcat", e.context(), from);
            HeapTensor to = e.context();
            float[] out = new float[to.data().length + from.data().length];
            System.arraycopy(to.data(), 0, out, 0, to.data().length);
            System.arraycopy(from.data(), 0, out, to.data().length, from.data().length);
            long[] shape = {1, to.dim(1) + from.dim(1), to.dim(2)};
            return e.withContext(new HeapTensor(shape, out), e.pooled());
        }
    }

    /** ConditioningZeroOut: token states and pooled output set to zero, everything else kept. */
    public static final class ConditioningZeroOut extends Node {
        public ConditioningZeroOut() {
            super(NodeSupport.schema("ConditioningZeroOut", "ConditioningZeroOut", ADVANCED,
                            "Sets the encoded prompt to zeros: the 'no prompt at all' negative SDXL Turbo and"
                                    + " similar workflows expect (different from encoding an empty prompt).")
                    .input(CONDITIONING)
                    .output(PortType.CONDITIONING, "CONDITIONING"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            return NodeOutputs.of(map(ctx.inputs().get(CONDITIONING), ConditioningZeroOut::zeroOut));
        }

        static ConditioningValue.Entry zeroOut(ConditioningValue.Entry e) {
            return e.withContext(zeros(e.context()), e.pooled() == null ? null : zeros(e.pooled()));
        }

        private static HeapTensor zeros(HeapTensor t) {
            return new HeapTensor(t.shape(), new float[t.data().length]);
        }
    }

    /** ConditioningSetTimestepRange: the entries apply only between two fractions of the schedule. */
    public static final class ConditioningSetTimestepRange extends Node {
        static final FloatInput START = FloatInput.of("start", 0.0, 0.0, 1.0, 0.001);
        static final FloatInput END = FloatInput.of("end", 1.0, 0.0, 1.0, 0.001);

        public ConditioningSetTimestepRange() {
            super(NodeSupport.schema("ConditioningSetTimestepRange", "ConditioningSetTimestepRange", ADVANCED,
                            "Applies the conditioning only from start to end of the sampling (0 = first step,"
                                    + " 1 = last); combine two ranges to switch prompts part way through.")
                    .input(CONDITIONING)
                    .input(START)
                    .input(END)
                    .output(PortType.CONDITIONING, "CONDITIONING"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            double start = in.getFloat(START);
            double end = in.getFloat(END);
            if (start > end) {
                // ComfyUI accepts it, but such an entry is active at no step and its prompt silently drops out
                throw new IllegalArgumentException("ConditioningSetTimestepRange: start " + start + " is after end "
                        + end + ", so the conditioning would apply at no step; set start at or below end");
            }
            return NodeOutputs.of(map(in.get(CONDITIONING), e -> e.withTimestepRange(start, end)));
        }
    }

    /** ConditioningSetAreaPercentage: a rectangle given as fractions of the image, with a strength. */
    public static final class ConditioningSetAreaPercentage extends Node {
        static final FloatInput WIDTH = FloatInput.of("width", 1.0, 0.0, 1.0, 0.01);
        static final FloatInput HEIGHT = FloatInput.of("height", 1.0, 0.0, 1.0, 0.01);
        static final FloatInput X = FloatInput.of("x", 0.0, 0.0, 1.0, 0.01);
        static final FloatInput Y = FloatInput.of("y", 0.0, 0.0, 1.0, 0.01);
        static final FloatInput STRENGTH = strength();

        public ConditioningSetAreaPercentage() {
            super(NodeSupport.schema("ConditioningSetAreaPercentage", "Conditioning (Set Area with Percentage)",
                            "conditioning", "Applies the conditioning only inside a rectangle given as fractions of"
                                    + " the image (so it fits any size), with a strength.")
                    .input(CONDITIONING)
                    .input(WIDTH)
                    .input(HEIGHT)
                    .input(X)
                    .input(Y)
                    .input(STRENGTH)
                    .output(PortType.CONDITIONING, "CONDITIONING"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            ConditioningValue.AreaFractions f = new ConditioningValue.AreaFractions(in.getFloat(X), in.getFloat(Y),
                    in.getFloat(WIDTH), in.getFloat(HEIGHT));
            float s = in.getFloat(STRENGTH);
            return NodeOutputs.of(map(in.get(CONDITIONING), e -> e.withAreaFractions(f, s)));
        }
    }

    /** ConditioningSetAreaStrength: the entries' strength alone. */
    public static final class ConditioningSetAreaStrength extends Node {
        static final FloatInput STRENGTH = strength();

        public ConditioningSetAreaStrength() {
            super(NodeSupport.schema("ConditioningSetAreaStrength", "ConditioningSetAreaStrength", "conditioning",
                            "Sets how strongly the conditioning weighs where it overlaps others (area, mask or"
                                    + " Combine).")
                    .input(CONDITIONING)
                    .input(STRENGTH)
                    .output(PortType.CONDITIONING, "CONDITIONING"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            float s = in.getFloat(STRENGTH);
            return NodeOutputs.of(map(in.get(CONDITIONING), e -> e.withStrength(s)));
        }
    }

    /** ConditioningSetMask's two choices of area, spelled as ComfyUI's combo. */
    enum CondArea {
        DEFAULT("default"),
        MASK_BOUNDS("mask bounds");

        private final String jsonName;

        CondArea(String jsonName) {
            this.jsonName = jsonName;
        }

        String jsonName() {
            return jsonName;
        }
    }

    /** ConditioningSetMask: the entries weighted per pixel by a mask. */
    public static final class ConditioningSetMask extends Node {
        static final SocketInput<MaskValue> MASK = SocketInput.of("mask", PortType.MASK, MaskValue.class);
        static final FloatInput STRENGTH = strength();
        static final EnumInput<CondArea> SET_COND_AREA = EnumInput.of("set_cond_area",
                List.of(CondArea.DEFAULT, CondArea.MASK_BOUNDS), CondArea::jsonName);

        public ConditioningSetMask() {
            super(NodeSupport.schema("ConditioningSetMask", "Conditioning (Set Mask)", "conditioning",
                            "Applies the conditioning where the mask is white, weighted by its values times"
                                    + " strength; 'mask bounds' runs the model only on the mask's bounding box.")
                    .input(CONDITIONING)
                    .input(MASK)
                    .input(STRENGTH)
                    .input(SET_COND_AREA)
                    .output(PortType.CONDITIONING, "CONDITIONING"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            HeapTensor mask = in.get(MASK).mask();
            if (mask.rank() < 2 || mask.rank() > 3) {
                throw new IllegalArgumentException("ConditioningSetMask: mask must be [H, W] or [B, H, W], got "
                        + java.util.Arrays.toString(mask.shape()));
            }
            HeapTensor m3 = mask.rank() == 3 ? mask
                    : new HeapTensor(new long[] {1, mask.dim(0), mask.dim(1)}, mask.data());
            float s = in.getFloat(STRENGTH);
            boolean bounds = in.get(SET_COND_AREA) == CondArea.MASK_BOUNDS;
            return NodeOutputs.of(map(in.get(CONDITIONING), e -> e.withMask(m3, s, bounds)));
        }
    }
}
