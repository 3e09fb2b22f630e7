package dev.noodle.nodes.sampling;

import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.EnumInput;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.nodes.host.ModelFileFacts;
import dev.noodle.nodes.host.NodeSupport;
import dev.noodle.nodes.values.ConditioningValue;
import dev.noodle.nodes.values.GuiderValue;
import dev.noodle.nodes.values.ModelValue;
import java.util.List;

/**
 * Guiders with conditionings of their own, shaped as ComfyUI's DualCFGGuider
 * ({@code comfy_extras/nodes_custom_sampler.py}) and PerpNegGuider ({@code comfy_extras/nodes_perpneg.py}); the
 * guidance itself is the engine's {@code DualCfgDenoiser} / {@code PerpNegDenoiser}. Stateless.
 */
public final class GuiderNodes {
    private GuiderNodes() {}

    static final SocketInput<ModelValue> MODEL = SamplerNodes.MODEL;
    static final SocketInput<ConditioningValue> NEGATIVE = SamplerNodes.NEGATIVE;

    private static SocketInput<ConditioningValue> conditioning(String name) {
        return SocketInput.of(name, PortType.CONDITIONING, ConditioningValue.class);
    }

    private static FloatInput cfg(String name) {
        return new FloatInput(name, 8.0, 0.0, 100.0, 0.1, 0.01, false, "");
    }

    /**
     * Refuses a conditioning encoded by another family's text encoder than the model's: its token states must be as
     * wide as the UNet's cross-attention context, or the guider would fail only later, inside the sampler.
     */
    static void fitsModel(String node, String input, ConditioningValue c, ModelValue model) {
        int context = model.unet().config().contextDim();
        for (ConditioningValue.Entry e : c.entries()) {
            long width = e.context().dim(e.context().rank() - 1);
            if (width != context) {
                throw new IllegalArgumentException(node + ": " + input + " has token states of width " + width
                        + " but this " + ModelFileFacts.familyName(model.family()) + " MODEL takes " + context
                        + "; encode " + input + " with the CLIP of the same checkpoint as the model");
            }
        }
    }

    /** DualCFGGuider's two ways of nesting its guidance, spelled as ComfyUI's combo. */
    enum Style {
        REGULAR("regular"),
        NESTED("nested");

        private final String jsonName;

        Style(String jsonName) {
            this.jsonName = jsonName;
        }

        String jsonName() {
            return jsonName;
        }
    }

    /** DualCFGGuider: guidance from a negative through a middle conditioning (cond2) to cond1. */
    public static final class DualCFGGuider extends Node {
        static final SocketInput<ConditioningValue> COND1 = conditioning("cond1");
        static final SocketInput<ConditioningValue> COND2 = conditioning("cond2");
        static final FloatInput CFG_CONDS = cfg("cfg_conds");
        static final FloatInput CFG_COND2_NEGATIVE = cfg("cfg_cond2_negative");
        static final EnumInput<Style> STYLE =
                EnumInput.of("style", List.of(Style.REGULAR, Style.NESTED), Style::jsonName);

        public DualCFGGuider() {
            super(NodeSupport.schema("DualCFGGuider", "Dual CFG Guider", CustomSamplerNodes.GUIDERS,
                            "Guides by two prompts and a negative: CFG from the negative towards cond2 at"
                                    + " cfg_cond2_negative, plus cfg_conds times the step from cond2 to cond1 (e.g. a"
                                    + " style prompt in cond2 and the subject in cond1). nested applies the cond1 step"
                                    + " first, then guides that away from the negative.")
                    .input(MODEL)
                    .input(COND1)
                    .input(COND2)
                    .input(NEGATIVE)
                    .input(CFG_CONDS)
                    .input(CFG_COND2_NEGATIVE)
                    .input(STYLE)
                    .output(PortType.GUIDER, "GUIDER"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            for (SocketInput<ConditioningValue> c : List.of(COND1, COND2, NEGATIVE)) {
                fitsModel("DualCFGGuider", c.name(), in.get(c), in.get(MODEL));
            }
            GuiderValue.DualCfg mode = new GuiderValue.DualCfg(in.get(COND2), in.getFloat(CFG_COND2_NEGATIVE),
                    in.get(STYLE) == Style.NESTED);
            return NodeOutputs.of(new GuiderValue(in.get(MODEL), in.get(COND1), in.get(NEGATIVE),
                    in.getFloat(CFG_CONDS), mode));
        }
    }

    /** PerpNegGuider: CFG that subtracts only the part of the negative perpendicular to the positive. */
    public static final class PerpNegGuider extends Node {
        static final SocketInput<ConditioningValue> POSITIVE = SamplerNodes.POSITIVE;
        static final SocketInput<ConditioningValue> EMPTY = conditioning("empty_conditioning");
        static final FloatInput CFG = cfg("cfg");
        static final FloatInput NEG_SCALE = FloatInput.of("neg_scale", 1.0, 0.0, 100.0, 0.01);

        public PerpNegGuider() {
            super(NodeSupport.schema("PerpNegGuider", "PerpNegGuider", "_for_testing",
                            "Perp-Neg guidance: positive and negative are both measured from an empty prompt"
                                    + " (empty_conditioning), and only the part of the negative that does not point"
                                    + " along the positive is pushed away, scaled by neg_scale, so a negative that"
                                    + " overlaps the prompt does not erase it. neg_scale 0 is plain CFG against the"
                                    + " empty prompt.")
                    .input(MODEL)
                    .input(POSITIVE)
                    .input(NEGATIVE)
                    .input(EMPTY)
                    .input(CFG)
                    .input(NEG_SCALE)
                    .output(PortType.GUIDER, "GUIDER"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            for (SocketInput<ConditioningValue> c : List.of(POSITIVE, NEGATIVE, EMPTY)) {
                fitsModel("PerpNegGuider", c.name(), in.get(c), in.get(MODEL));
            }
            return NodeOutputs.of(new GuiderValue(in.get(MODEL), in.get(POSITIVE), in.get(NEGATIVE), in.getFloat(CFG),
                    new GuiderValue.PerpNeg(in.get(EMPTY), in.getFloat(NEG_SCALE))));
        }
    }
}
