package dev.noodle.nodes.conditioning;

import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.nodes.host.NodeSupport;
import dev.noodle.nodes.values.ConditioningValue;
import dev.noodle.nodes.values.ControlApplication;
import dev.noodle.nodes.values.ControlNetValue;
import dev.noodle.nodes.values.HeapTensor;
import dev.noodle.nodes.values.ImageValue;
import dev.noodle.nodes.values.VaeValue;
import java.util.ArrayList;
import java.util.List;

/**
 * ComfyUI's ControlNet application nodes (nodes.py {@code ControlNetApply}, {@code ControlNetApplyAdvanced}): they
 * record a {@link ControlApplication} on every conditioning entry, after any the entry has (a chain whose
 * residuals add up); the sampler runs the control model on each UNet call. Stateless.
 */
public final class ControlNetNodes {
    private ControlNetNodes() {}

    static final String CATEGORY = "conditioning/controlnet";
    static final SocketInput<ControlNetValue> CONTROL_NET =
            SocketInput.of("control_net", PortType.CONTROL_NET, ControlNetValue.class);
    static final SocketInput<ImageValue> IMAGE = SocketInput.of("image", PortType.IMAGE, ImageValue.class);
    static final FloatInput STRENGTH = FloatInput.of("strength", 1.0, 0.0, 10.0, 0.01);

    /** ComfyUI's {@code image.movedim(-1, 1)}: [B, H, W, 3] → [B, 3, H, W]. */
    static HeapTensor channelsFirst(String node, ImageValue image) {
        HeapTensor p = image.pixels();
        if (p.rank() != 4 || p.dim(3) != 3) {
            throw new IllegalArgumentException(node + ": the control image must be an RGB image batch [B, H, W, 3],"
                    + " got " + java.util.Arrays.toString(p.shape()) + "; convert it to RGB first");
        }
        int b = image.batch();
        int h = image.height();
        int w = image.width();
        float[] d = p.data();
        float[] out = new float[d.length];
        for (int i = 0; i < b; i++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    for (int c = 0; c < 3; c++) {
                        out[((i * 3 + c) * h + y) * w + x] = d[((i * h + y) * w + x) * 3 + c];
                    }
                }
            }
        }
        return new HeapTensor(new long[] {b, 3, h, w}, out);
    }

    private static ConditioningValue withControl(ConditioningValue c, ControlApplication a) {
        List<ConditioningValue.Entry> out = new ArrayList<>();
        for (ConditioningValue.Entry e : c.entries()) {
            out.add(e.withPatch(a));
        }
        return new ConditioningValue(out);
    }

    /**
     * ControlNetApply ("Apply ControlNet (OLD)"): the control on one conditioning over the whole schedule; when the
     * negative has none, sampling gives it to the negative too (ComfyUI's {@code control_apply_to_uncond}).
     */
    public static final class ControlNetApply extends Node {
        static final SocketInput<ConditioningValue> CONDITIONING =
                SocketInput.of("conditioning", PortType.CONDITIONING, ConditioningValue.class);

        public ControlNetApply() {
            super(NodeSupport.schema("ControlNetApply", "Apply ControlNet (OLD)", CATEGORY,
                            "Steers the picture with a control image (edges, depth, pose…) through a ControlNet or"
                                    + " T2I adapter, at every step. Prefer Apply ControlNet, which also sets the"
                                    + " negative and the part of the schedule.")
                    .input(CONDITIONING)
                    .input(CONTROL_NET)
                    .input(IMAGE)
                    .input(STRENGTH)
                    .output(PortType.CONDITIONING, "CONDITIONING"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            ConditioningValue c = in.get(CONDITIONING);
            float strength = in.getFloat(STRENGTH);
            if (strength == 0f) {
                return NodeOutputs.of(c);
            }
            ControlApplication a = new ControlApplication(in.get(CONTROL_NET),
                    channelsFirst("ControlNetApply", in.get(IMAGE)), strength, 0.0, 1.0, true);
            return NodeOutputs.of(withControl(c, a));
        }
    }

    /**
     * ControlNetApplyAdvanced ("Apply ControlNet"): the control on both conditionings, from {@code start_percent}
     * to {@code end_percent} of the schedule. Positive and negative share one application, so CFG still runs them
     * in one UNet call. The optional VAE is for control models that read a latent hint (ComfyUI's SD3/Flux
     * ControlNets); the SD 1.x/2.x/SDXL ControlNets and adapters read pixels and do not use it.
     */
    public static final class ControlNetApplyAdvanced extends Node {
        static final SocketInput<ConditioningValue> POSITIVE =
                SocketInput.of("positive", PortType.CONDITIONING, ConditioningValue.class);
        static final SocketInput<ConditioningValue> NEGATIVE =
                SocketInput.of("negative", PortType.CONDITIONING, ConditioningValue.class);
        static final FloatInput START = FloatInput.of("start_percent", 0.0, 0.0, 1.0, 0.001);
        static final FloatInput END = FloatInput.of("end_percent", 1.0, 0.0, 1.0, 0.001);
        static final SocketInput<VaeValue> VAE = SocketInput.of("vae", PortType.VAE, VaeValue.class).asOptional();

        public ControlNetApplyAdvanced() {
            super(NodeSupport.schema("ControlNetApplyAdvanced", "Apply ControlNet", CATEGORY,
                            "Steers the picture with a control image (edges, depth, pose…) through a ControlNet or"
                                    + " T2I adapter: strength scales what it adds; start/end percent limit it to"
                                    + " part of the schedule (ending early fixes the layout and leaves the details"
                                    + " free).")
                    .input(POSITIVE)
                    .input(NEGATIVE)
                    .input(CONTROL_NET)
                    .input(IMAGE)
                    .input(STRENGTH)
                    .input(START)
                    .input(END)
                    .input(VAE)
                    .output(PortType.CONDITIONING, "positive")
                    .output(PortType.CONDITIONING, "negative"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            ConditioningValue positive = in.get(POSITIVE);
            ConditioningValue negative = in.get(NEGATIVE);
            float strength = in.getFloat(STRENGTH);
            if (strength == 0f) {
                return NodeOutputs.of(positive, negative);
            }
            ControlApplication a = new ControlApplication(in.get(CONTROL_NET),
                    channelsFirst("ControlNetApplyAdvanced", in.get(IMAGE)), strength, in.getFloat(START),
                    in.getFloat(END), false);
            return NodeOutputs.of(withControl(positive, a), withControl(negative, a));
        }
    }
}
