package dev.noodle.nodes.model;

import dev.noodle.engine.sampling.GuidancePatch;
import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.nodes.host.NodeSupport;
import dev.noodle.nodes.values.ModelValue;

/**
 * MODEL patches that change how guidance mixes the conditional and unconditional estimates, as ComfyUI's RescaleCFG
 * ({@code comfy_extras/nodes_model_advanced.py}) and CFGNorm ({@code comfy_extras/nodes_cfg.py}): each returns the
 * model with one more {@link GuidancePatch}, which KSampler and every guider apply. Stateless.
 */
public final class GuidancePatchNodes {
    private GuidancePatchNodes() {}

    static final SocketInput<ModelValue> MODEL = SocketInput.of("model", PortType.MODEL, ModelValue.class);

    /** RescaleCFG: keeps high CFG from over-saturating (Lin et al. 2024), for v-prediction and zsnr models. */
    public static final class RescaleCFG extends Node {
        static final FloatInput MULTIPLIER = FloatInput.of("multiplier", 0.7, 0.0, 1.0, 0.01);

        public RescaleCFG() {
            super(NodeSupport.schema("RescaleCFG", "RescaleCFG", "advanced/model",
                            "Rescales the guided prediction to the spread of the positive one, which keeps high"
                                    + " CFG from burning colours; made for v-prediction and zero-terminal-SNR models."
                                    + " multiplier 0 = plain CFG, 1 = fully rescaled; 0.7 is the paper's choice.")
                    .input(MODEL)
                    .input(MULTIPLIER)
                    .output(PortType.MODEL, "MODEL"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            float m = in.getFloat(MULTIPLIER);
            return NodeOutputs.of(in.get(MODEL).withGuidance(new GuidancePatch.RescaleCfg(m), "RescaleCFG " + m));
        }
    }

    /** CFGNorm: caps each pixel's guided estimate at the positive estimate's norm. */
    public static final class CFGNorm extends Node {
        static final FloatInput STRENGTH = FloatInput.of("strength", 1.0, 0.0, 100.0, 0.01);

        public CFGNorm() {
            super(NodeSupport.schema("CFGNorm", "CFGNorm", "advanced/guidance",
                            "After guidance, shrinks each pixel's latent vector so it is no longer than the"
                                    + " positive prediction's, then multiplies by strength; tames over-strong CFG.")
                    .input(MODEL)
                    .input(STRENGTH)
                    .output(PortType.MODEL, "patched_model"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            float s = in.getFloat(STRENGTH);
            return NodeOutputs.of(in.get(MODEL).withGuidance(new GuidancePatch.CfgNorm(s), "CFGNorm " + s));
        }
    }
}
