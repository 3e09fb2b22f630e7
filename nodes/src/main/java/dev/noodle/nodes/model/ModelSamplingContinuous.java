package dev.noodle.nodes.model;

import dev.noodle.engine.sampling.ModelSampling;
import dev.noodle.engine.sampling.PredictionType;
import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.EnumInput;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.nodes.host.NodeSupport;
import dev.noodle.nodes.values.ModelValue;
import java.util.List;

/**
 * ModelSamplingContinuousEDM and ModelSamplingContinuousV, as ComfyUI's ({@code comfy_extras/nodes_model_advanced.py}):
 * give the MODEL a continuous noise schedule between sigma_min and sigma_max. Stateless and thread-safe.
 */
public final class ModelSamplingContinuous {
    private ModelSamplingContinuous() {}

    static final SocketInput<ModelValue> MODEL = SocketInput.of("model", PortType.MODEL, ModelValue.class);

    private static FloatInput sigma(String name, double def) {
        return FloatInput.of(name, def, 0.0, 1000.0, 0.001);
    }

    /** ModelSamplingContinuousEDM's sampling choices, in ComfyUI's order and spelling. */
    enum EdmSampling {
        V_PREDICTION("v_prediction"),
        EDM("edm"),
        EDM_PLAYGROUND_V2_5("edm_playground_v2.5"),
        EPS("eps"),
        COSMOS_RFLOW("cosmos_rflow");

        private final String comfyName;

        EdmSampling(String comfyName) {
            this.comfyName = comfyName;
        }
    }

    static ModelSampling schedule(ModelSampling.Schedule schedule, PredictionType p, double sigmaMin,
            double sigmaMax, double sigmaData) {
        if (!(sigmaMin > 0 && sigmaMax > sigmaMin)) {
            throw new IllegalArgumentException("sigma_min must be above 0 and below sigma_max (got sigma_min "
                    + sigmaMin + ", sigma_max " + sigmaMax + "); cosxl uses 0.002 and 120");
        }
        return ModelSampling.continuous(schedule, p, sigmaMin, sigmaMax, sigmaData);
    }

    /**
     * ModelSamplingContinuousEDM: the EDM schedule (Karras et al. 2022), timestep ¼·ln σ, with the chosen prediction;
     * "edm" is EDM's own preconditioning with σ_data 0.5, cosmos_rflow the Cosmos rectified-flow variant.
     */
    public static final class ContinuousEdm extends Node {
        static final EnumInput<EdmSampling> SAMPLING =
                EnumInput.of("sampling", List.of(EdmSampling.values()), e -> e.comfyName);
        static final FloatInput SIGMA_MAX = sigma("sigma_max", 120.0);
        static final FloatInput SIGMA_MIN = sigma("sigma_min", 0.002);

        public ContinuousEdm() {
            super(NodeSupport.schema("ModelSamplingContinuousEDM", "ModelSamplingContinuousEDM", "advanced/model",
                            "Gives the model the continuous EDM noise schedule between sigma_min and sigma_max:"
                                    + " v_prediction for CosXL-style models, edm for EDM-trained ones. A cosxl file"
                                    + " already carries its schedule; this node is for files that do not.")
                    .input(MODEL)
                    .input(SAMPLING)
                    .input(SIGMA_MAX)
                    .input(SIGMA_MIN)
                    .output(PortType.MODEL, "MODEL"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            ModelValue model = in.get(MODEL);
            EdmSampling e = in.get(SAMPLING);
            double max = in.get(SIGMA_MAX);
            double min = in.get(SIGMA_MIN);
            ModelSampling s = switch (e) {
                case V_PREDICTION -> schedule(ModelSampling.Schedule.EDM, PredictionType.V_PREDICTION, min, max, 1.0);
                case EDM -> schedule(ModelSampling.Schedule.EDM, PredictionType.EDM, min, max, 0.5);
                case EPS -> schedule(ModelSampling.Schedule.EDM, PredictionType.EPS, min, max, 1.0);
                case COSMOS_RFLOW ->
                        schedule(ModelSampling.Schedule.COSMOS_RFLOW, PredictionType.COSMOS_RFLOW, min, max, 1.0);
                case EDM_PLAYGROUND_V2_5 -> throw new IllegalArgumentException("ModelSamplingContinuousEDM:"
                        + " edm_playground_v2.5 also switches the model to Playground v2.5's latent format (a"
                        + " per-channel mean and std), which Noodle's MODEL does not carry, so Playground v2.5"
                        + " models do not run in Noodle; pick edm for EDM-trained models with the SDXL latent");
            };
            return NodeOutputs.of(model.withSampling(s, "sampling continuous EDM " + e.comfyName + " sigma "
                    + min + ".." + max));
        }
    }

    /** ModelSamplingContinuousV: v-prediction on the continuous schedule with timestep atan(σ)·2/π. */
    public static final class ContinuousV extends Node {
        /** ComfyUI offers v_prediction only. */
        enum VSampling {
            V_PREDICTION
        }

        static final EnumInput<VSampling> SAMPLING =
                EnumInput.of("sampling", List.of(VSampling.values()), v -> "v_prediction");
        static final FloatInput SIGMA_MAX = sigma("sigma_max", 500.0);
        static final FloatInput SIGMA_MIN = sigma("sigma_min", 0.03);

        public ContinuousV() {
            super(NodeSupport.schema("ModelSamplingContinuousV", "ModelSamplingContinuousV", "advanced/model",
                            "Gives a v-prediction model a continuous noise schedule between sigma_min and sigma_max"
                                    + " whose timestep is atan(sigma)·2/π, for models trained that way.")
                    .input(MODEL)
                    .input(SAMPLING)
                    .input(SIGMA_MAX)
                    .input(SIGMA_MIN)
                    .output(PortType.MODEL, "MODEL"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            double max = in.get(SIGMA_MAX);
            double min = in.get(SIGMA_MIN);
            ModelSampling s = schedule(ModelSampling.Schedule.CONTINUOUS_V, PredictionType.V_PREDICTION, min, max, 1.0);
            return NodeOutputs.of(in.get(MODEL).withSampling(s, "sampling continuous V sigma " + min + ".." + max));
        }
    }
}
