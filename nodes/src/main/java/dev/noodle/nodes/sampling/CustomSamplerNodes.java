package dev.noodle.nodes.sampling;

import dev.noodle.engine.diffusion.SamplingRequest;
import dev.noodle.engine.sampling.SamplerKind;
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
import dev.noodle.nodes.host.NodeSupport;
import dev.noodle.nodes.values.ConditioningValue;
import dev.noodle.nodes.values.GuiderValue;
import dev.noodle.nodes.values.LatentValue;
import dev.noodle.nodes.values.ModelValue;
import dev.noodle.nodes.values.NoiseValue;
import dev.noodle.nodes.values.SamplerValue;
import dev.noodle.nodes.values.SigmasValue;

/**
 * ComfyUI's custom-sampling nodes (comfy_extras/nodes_custom_sampler.py): a sampler, noise and guider chosen by
 * separate nodes and run along an explicit SIGMAS schedule. With a BasicScheduler schedule they sample exactly as
 * KSampler does: the same initial noise, guidance and sampler steps, only the schedule is passed in.
 */
public final class CustomSamplerNodes {
    private CustomSamplerNodes() {}

    static final String CUSTOM = "sampling/custom_sampling";
    static final String SAMPLERS = "sampling/samplers";
    static final String NOISE_CATEGORY = "sampling/noise";
    static final String GUIDERS = "sampling/guiders";

    static final SocketInput<ModelValue> MODEL = SamplerNodes.MODEL;
    static final SocketInput<ConditioningValue> POSITIVE = SamplerNodes.POSITIVE;
    static final SocketInput<ConditioningValue> NEGATIVE = SamplerNodes.NEGATIVE;
    static final SocketInput<LatentValue> LATENT_IMAGE = SamplerNodes.LATENT_IMAGE;
    static final SocketInput<SamplerValue> SAMPLER = SocketInput.of("sampler", PortType.SAMPLER, SamplerValue.class);
    static final SocketInput<SigmasValue> SIGMAS = SocketInput.of("sigmas", PortType.SIGMAS, SigmasValue.class);
    static final IntInput NOISE_SEED = IntInput.seed("noise_seed");
    static final FloatInput CFG = new FloatInput("cfg", 8.0, 0.0, 100.0, 0.1, 0.01, false, "");

    /** Samples along {@code sigmas} and outputs (output, denoised_output). */
    private static NodeOutputs sample(NodeContext ctx, GuiderValue guider, NoiseValue noise, SamplerValue sampler,
            SigmasValue sigmas, LatentValue latent) {
        SamplingRequest r = SamplingRequest.custom(noise.seed(), noise.enabled(), guider.cfg(), sampler.kind(),
                sampler.options(), Math.max(sigmas.length() - 1, 0));
        SamplerNodes.Result res = SamplerNodes.run(ctx, guider.model(), guider.positive(), guider.negative(),
                guider.mode(), latent, r, sigmas.sigmas());
        return NodeOutputs.of(res.output(), res.denoised());
    }

    /** KSamplerSelect: a sampler by name. */
    public static final class KSamplerSelect extends Node {
        static final EnumInput<SamplerKind> SAMPLER_NAME =
                EnumInput.of("sampler_name", SamplerKind.class, SamplerKind::comfyName);

        public KSamplerSelect() {
            super(NodeSupport.schema("KSamplerSelect", "KSamplerSelect", SAMPLERS,
                            "Picks a sampler by name for SamplerCustom / SamplerCustomAdvanced.")
                    .input(SAMPLER_NAME)
                    .output(PortType.SAMPLER, "SAMPLER"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            return NodeOutputs.of(new SamplerValue(ctx.inputs().get(SAMPLER_NAME)));
        }
    }

    /** RandomNoise: seeded initial noise, drawn as KSampler draws it. */
    public static final class RandomNoise extends Node {
        public RandomNoise() {
            super(NodeSupport.schema("RandomNoise", "RandomNoise", NOISE_CATEGORY,
                            "Seeded starting noise for SamplerCustomAdvanced; the same seed gives the same noise as"
                                    + " KSampler's.")
                    .input(NOISE_SEED)
                    .output(PortType.NOISE, "NOISE"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            return NodeOutputs.of(NoiseValue.random(ctx.inputs().get(NOISE_SEED)));
        }
    }

    /** DisableNoise: no starting noise (e.g. to continue a partly denoised latent). */
    public static final class DisableNoise extends Node {
        public DisableNoise() {
            super(NodeSupport.schema("DisableNoise", "DisableNoise", NOISE_CATEGORY,
                            "No starting noise: the latent is sampled as it is, e.g. one with leftover noise.")
                    .output(PortType.NOISE, "NOISE"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            return NodeOutputs.of(NoiseValue.disabled());
        }
    }

    /** BasicGuider: the model steered by one conditioning, without classifier-free guidance. */
    public static final class BasicGuider extends Node {
        static final SocketInput<ConditioningValue> CONDITIONING =
                SocketInput.of("conditioning", PortType.CONDITIONING, ConditioningValue.class);

        public BasicGuider() {
            super(NodeSupport.schema("BasicGuider", "Basic Guider", GUIDERS,
                            "Guides sampling by one conditioning alone (no negative, as CFG 1); the usual guider for"
                                    + " guidance-distilled models.")
                    .input(MODEL)
                    .input(CONDITIONING)
                    .output(PortType.GUIDER, "GUIDER"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            return NodeOutputs.of(GuiderValue.basic(in.get(MODEL), in.get(CONDITIONING)));
        }
    }

    /** CFGGuider: classifier-free guidance between a positive and a negative conditioning. */
    public static final class CFGGuider extends Node {
        public CFGGuider() {
            super(NodeSupport.schema("CFGGuider", "CFG Guider", GUIDERS,
                            "Guides sampling toward the positive and away from the negative conditioning with"
                                    + " classifier-free guidance, as KSampler does.")
                    .input(MODEL)
                    .input(POSITIVE)
                    .input(NEGATIVE)
                    .input(CFG)
                    .output(PortType.GUIDER, "GUIDER"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            return NodeOutputs.of(new GuiderValue(in.get(MODEL), in.get(POSITIVE), in.get(NEGATIVE),
                    in.getFloat(CFG)));
        }
    }

    /** SamplerCustomAdvanced: noise, guider, sampler and σ schedule each from its own node. */
    public static final class SamplerCustomAdvanced extends Node {
        static final SocketInput<NoiseValue> NOISE = SocketInput.of("noise", PortType.NOISE, NoiseValue.class);
        static final SocketInput<GuiderValue> GUIDER = SocketInput.of("guider", PortType.GUIDER, GuiderValue.class);

        public SamplerCustomAdvanced() {
            super(NodeSupport.schema("SamplerCustomAdvanced", "SamplerCustomAdvanced", CUSTOM,
                            "Samples the latent along the given σ schedule with the given noise, guider and sampler;"
                                    + " also outputs the last step's denoised estimate.")
                    .input(NOISE)
                    .input(GUIDER)
                    .input(SAMPLER)
                    .input(SIGMAS)
                    .input(LATENT_IMAGE)
                    .output(PortType.LATENT, "output")
                    .output(PortType.LATENT, "denoised_output"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            return sample(ctx, in.get(GUIDER), in.get(NOISE), in.get(SAMPLER), in.get(SIGMAS), in.get(LATENT_IMAGE));
        }
    }

    /** SamplerCustom: KSampler with the sampler and σ schedule from their own nodes. */
    public static final class SamplerCustom extends Node {
        static final BoolInput ADD_NOISE = BoolInput.of("add_noise", true);

        public SamplerCustom() {
            super(NodeSupport.schema("SamplerCustom", "SamplerCustom", CUSTOM,
                            "KSampler with the sampler and σ schedule from their own nodes; also outputs the last"
                                    + " step's denoised estimate.")
                    .input(MODEL)
                    .input(ADD_NOISE)
                    .input(NOISE_SEED)
                    .input(CFG)
                    .input(POSITIVE)
                    .input(NEGATIVE)
                    .input(SAMPLER)
                    .input(SIGMAS)
                    .input(LATENT_IMAGE)
                    .output(PortType.LATENT, "output")
                    .output(PortType.LATENT, "denoised_output"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            long seed = in.get(NOISE_SEED);
            NoiseValue noise = in.get(ADD_NOISE) ? NoiseValue.random(seed) : new NoiseValue(seed, false);
            GuiderValue guider = new GuiderValue(in.get(MODEL), in.get(POSITIVE), in.get(NEGATIVE), in.getFloat(CFG));
            return sample(ctx, guider, noise, in.get(SAMPLER), in.get(SIGMAS), in.get(LATENT_IMAGE));
        }
    }
}
