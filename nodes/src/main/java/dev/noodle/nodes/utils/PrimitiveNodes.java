package dev.noodle.nodes.utils;

import dev.noodle.nodes.host.NodeSupport;

import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.BoolInput;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.IntInput;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.StringInput;

/**
 * The backend primitive nodes of ComfyUI's {@code comfy_extras/nodes_primitive.py}: one widget {@code value} passed
 * through to one output, so a value can be typed once and wired to many inputs.
 *
 * <p>Ranges follow ComfyUI: INT and FLOAT span {@code ±sys.maxsize} (2^63 − 1); FLOAT steps by 0.1; INT has the
 * seed-style control after generate. ComfyUI declares no defaults, so the widgets start at 0, 0.0, "" and false as
 * its frontend shows them. Stateless and thread-safe.
 */
public final class PrimitiveNodes {
    private PrimitiveNodes() {}

    /** Python's {@code sys.maxsize} on 64-bit builds. */
    static final long MAXSIZE = Long.MAX_VALUE;

    private static final String CATEGORY = "utils/primitive";

    /** PrimitiveString: a single-line text value. */
    public static final class PrimitiveString extends Node {
        static final StringInput VALUE = StringInput.of("value", "");

        public PrimitiveString() {
            super(NodeSupport.schema("PrimitiveString", "String", CATEGORY, "A text value to wire into inputs.")
                    .input(VALUE)
                    .output(PortType.STRING));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            return NodeOutputs.of(ctx.inputs().get(VALUE));
        }
    }

    /** PrimitiveStringMultiline: a text value edited in a text box. */
    public static final class PrimitiveStringMultiline extends Node {
        static final StringInput VALUE = StringInput.multiline("value", "");

        public PrimitiveStringMultiline() {
            super(NodeSupport.schema("PrimitiveStringMultiline", "String (Multiline)", CATEGORY,
                            "A multi-line text value (e.g. a prompt) to wire into inputs.")
                    .input(VALUE)
                    .output(PortType.STRING));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            return NodeOutputs.of(ctx.inputs().get(VALUE));
        }
    }

    /** PrimitiveInt: a whole number, with the control after generate (fixed, increment, randomize...). */
    public static final class PrimitiveInt extends Node {
        static final IntInput VALUE = new IntInput("value", 0, -MAXSIZE, MAXSIZE, 1, false, "", true);

        public PrimitiveInt() {
            super(NodeSupport.schema("PrimitiveInt", "Int", CATEGORY,
                            "A whole number (e.g. a seed, steps or a size) to wire into inputs.")
                    .input(VALUE)
                    .output(PortType.INT));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            return NodeOutputs.of(ctx.inputs().get(VALUE));
        }
    }

    /** PrimitiveFloat: a decimal number. */
    public static final class PrimitiveFloat extends Node {
        static final FloatInput VALUE = new FloatInput("value", 0, -(double) MAXSIZE, (double) MAXSIZE, 0.1, 0, false,
                "");

        public PrimitiveFloat() {
            super(NodeSupport.schema("PrimitiveFloat", "Float", CATEGORY,
                            "A decimal number (e.g. cfg or denoise) to wire into inputs.")
                    .input(VALUE)
                    .output(PortType.FLOAT));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            return NodeOutputs.of(ctx.inputs().get(VALUE));
        }
    }

    /** PrimitiveBoolean: true or false. */
    public static final class PrimitiveBoolean extends Node {
        static final BoolInput VALUE = BoolInput.of("value", false);

        public PrimitiveBoolean() {
            super(NodeSupport.schema("PrimitiveBoolean", "Boolean", CATEGORY, "A true/false value to wire into inputs.")
                    .input(VALUE)
                    .output(PortType.BOOLEAN));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            return NodeOutputs.of(ctx.inputs().get(VALUE));
        }
    }
}
