package dev.noodle.nodes.model;

import dev.noodle.nodes.host.NodeSupport;

import dev.noodle.engine.sampling.ModelSampling;
import dev.noodle.engine.sampling.PredictionType;
import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.BoolInput;
import dev.noodle.graph.spec.EnumInput;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.nodes.values.ModelValue;
import java.util.List;
import java.util.Locale;

/**
 * ModelSamplingDiscrete, as ComfyUI's ({@code comfy_extras/nodes_model_advanced.py}): overrides the MODEL's
 * prediction type (and zero-terminal-SNR schedule). Stateless and thread-safe.
 */
public final class ModelSamplingDiscrete extends Node {
    static final SocketInput<ModelValue> MODEL = SocketInput.of("model", PortType.MODEL, ModelValue.class);
    /** ComfyUI's sampling choices, spelled as the prediction types in lower case, in ComfyUI's order. */
    static final EnumInput<PredictionType> SAMPLING = EnumInput.of("sampling",
            List.of(PredictionType.EPS, PredictionType.V_PREDICTION, PredictionType.LCM, PredictionType.X0,
                    PredictionType.IMG_TO_IMG),
            p -> p.name().toLowerCase(Locale.ROOT));
    static final BoolInput ZSNR = BoolInput.of("zsnr", false);

    public ModelSamplingDiscrete() {
        super(NodeSupport.schema("ModelSamplingDiscrete", "ModelSamplingDiscrete",
                        "advanced/model", "Sets what the model predicts when the file does not say: eps, v_prediction"
                                + " (SD 2.x 768 models), lcm (LCM checkpoints and LCM-LoRA; use the lcm sampler with"
                                + " 4-8 steps and cfg 1-2), x0, or img_to_img (x0 models that see the latent"
                                + " unscaled); zsnr for zero-terminal-SNR models.")
                .input(MODEL)
                .input(SAMPLING)
                .input(ZSNR)
                .output(PortType.MODEL, "MODEL"));
    }

    @Override
    public NodeOutputs execute(NodeContext ctx) {
        NodeInputs in = ctx.inputs();
        ModelValue model = in.get(MODEL);
        PredictionType p = in.get(SAMPLING);
        boolean zsnr = in.get(ZSNR);
        ModelSampling s = ModelSampling.discrete(0.00085, 0.012, 1000, p, zsnr);
        if (p == PredictionType.LCM) {
            s = s.distilled(50); // LCM models were distilled on 50 of the 1000 training timesteps
        }
        return NodeOutputs.of(model.withSampling(s, "sampling " + SAMPLING.nameOf(p) + (zsnr ? " zsnr" : "")));
    }
}
