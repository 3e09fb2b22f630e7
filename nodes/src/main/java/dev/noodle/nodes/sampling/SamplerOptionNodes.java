package dev.noodle.nodes.sampling;

import dev.noodle.engine.sampling.SamplerKind;
import dev.noodle.engine.sampling.SamplerOptions;
import dev.noodle.engine.sampling.SamplerOptions.AdaptiveStep;
import dev.noodle.engine.sampling.SamplerOptions.ErSde;
import dev.noodle.engine.sampling.SamplerOptions.ErSolverType;
import dev.noodle.engine.sampling.SamplerOptions.NoiseDevice;
import dev.noodle.engine.sampling.SamplerOptions.SaSolver;
import dev.noodle.engine.sampling.SamplerOptions.SeedsSolver;
import dev.noodle.engine.sampling.SamplerOptions.SolverType;
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
import dev.noodle.nodes.values.ModelValue;
import dev.noodle.nodes.values.SamplerValue;

/**
 * ComfyUI's sampler option nodes (comfy_extras/nodes_custom_sampler.py): each outputs a SAMPLER for SamplerCustom /
 * SamplerCustomAdvanced that runs one sampler with the settings on the node instead of its defaults.
 */
public final class SamplerOptionNodes {
    private SamplerOptionNodes() {}

    static final String SAMPLERS = CustomSamplerNodes.SAMPLERS;

    static final FloatInput ETA = unrounded("eta", 1.0, 0.0, 100.0, 0.01);
    static final FloatInput S_NOISE = unrounded("s_noise", 1.0, 0.0, 100.0, 0.01);
    static final EnumInput<NoiseDevice> NOISE_DEVICE =
            EnumInput.of("noise_device", NoiseDevice.class, NoiseDevice::comfyName);

    /** A float widget with ComfyUI's {@code round=False}. */
    static FloatInput unrounded(String name, double def, double min, double max, double step) {
        return new FloatInput(name, def, min, max, step, 0, false, "");
    }

    private static NodeOutputs sampler(SamplerKind kind, SamplerOptions options) {
        return NodeOutputs.of(new SamplerValue(kind, options));
    }

    /**
     * The sampler ComfyUI's node picks for a noise_device: the {@code _gpu} twin for gpu (on the CPU it draws the
     * same Brownian noise), the sampler itself for cpu.
     */
    static SamplerKind onDevice(SamplerKind cpu, NoiseDevice device) {
        if (device == NoiseDevice.CPU) {
            return cpu;
        }
        return switch (cpu) {
            case DPMPP_SDE -> SamplerKind.DPMPP_SDE_GPU;
            case DPMPP_2M_SDE -> SamplerKind.DPMPP_2M_SDE_GPU;
            case DPMPP_3M_SDE -> SamplerKind.DPMPP_3M_SDE_GPU;
            default -> throw new IllegalArgumentException(cpu.comfyName() + " has no _gpu form");
        };
    }

    /** The kind's defaults with the node's η and s_noise. */
    private static SamplerOptions etaNoise(SamplerKind kind, NodeInputs in) {
        return SamplerOptions.defaults(kind).withEta(in.get(ETA)).withSNoise(in.get(S_NOISE));
    }

    /** SamplerEulerAncestral: euler_ancestral with its η and s_noise. */
    public static final class SamplerEulerAncestral extends Node {
        public SamplerEulerAncestral() {
            super(NodeSupport.schema("SamplerEulerAncestral", "SamplerEulerAncestral", SAMPLERS,
                            "Euler ancestral with adjustable noise: eta scales how much fresh noise each step adds"
                                    + " (0 = plain Euler), s_noise multiplies it.")
                    .input(ETA)
                    .input(S_NOISE)
                    .output(PortType.SAMPLER, "SAMPLER"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            return sampler(SamplerKind.EULER_ANCESTRAL, etaNoise(SamplerKind.EULER_ANCESTRAL, ctx.inputs()));
        }
    }

    /** SamplerEulerAncestralCFGPP: euler_ancestral_cfg_pp with its η and s_noise. */
    public static final class SamplerEulerAncestralCFGPP extends Node {
        static final FloatInput CFGPP_ETA = unrounded("eta", 1.0, 0.0, 1.0, 0.01);
        static final FloatInput CFGPP_S_NOISE = unrounded("s_noise", 1.0, 0.0, 10.0, 0.01);

        public SamplerEulerAncestralCFGPP() {
            super(NodeSupport.schema("SamplerEulerAncestralCFGPP", "SamplerEulerAncestralCFG++", SAMPLERS,
                            "Euler ancestral CFG++ with adjustable noise: eta scales the fresh noise per step (0 ="
                                    + " euler_cfg_pp), s_noise multiplies it.")
                    .input(CFGPP_ETA)
                    .input(CFGPP_S_NOISE)
                    .output(PortType.SAMPLER, "SAMPLER"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            SamplerKind kind = SamplerKind.EULER_ANCESTRAL_CFG_PP;
            return sampler(kind,
                    SamplerOptions.defaults(kind).withEta(in.get(CFGPP_ETA)).withSNoise(in.get(CFGPP_S_NOISE)));
        }
    }

    /** SamplerLMS: lms with its multistep order. */
    public static final class SamplerLMS extends Node {
        static final IntInput ORDER = IntInput.of("order", 4, 1, 100);

        public SamplerLMS() {
            super(NodeSupport.schema("SamplerLMS", "SamplerLMS", SAMPLERS,
                            "Linear multistep with a chosen order: how many earlier slopes each step combines.")
                    .input(ORDER)
                    .output(PortType.SAMPLER, "SAMPLER"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            return sampler(SamplerKind.LMS,
                    SamplerOptions.defaults(SamplerKind.LMS).withOrder(ctx.inputs().getInt(ORDER)));
        }
    }

    /** SamplerDPMPP_3M_SDE: dpmpp_3m_sde with its η, s_noise and noise device. */
    public static final class SamplerDPMPP_3M_SDE extends Node {
        public SamplerDPMPP_3M_SDE() {
            super(NodeSupport.schema("SamplerDPMPP_3M_SDE", "SamplerDPMPP_3M_SDE", SAMPLERS,
                            "DPM-Solver++(3M) SDE with adjustable noise strength (eta 0 = deterministic).")
                    .input(ETA)
                    .input(S_NOISE)
                    .input(NOISE_DEVICE)
                    .output(PortType.SAMPLER, "SAMPLER"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            SamplerKind kind = onDevice(SamplerKind.DPMPP_3M_SDE, in.get(NOISE_DEVICE));
            return sampler(kind, etaNoise(kind, in));
        }
    }

    /** SamplerDPMPP_2M_SDE: dpmpp_2m_sde with its solver type, η, s_noise and noise device. */
    public static final class SamplerDPMPP_2M_SDE extends Node {
        static final EnumInput<SolverType> SOLVER_TYPE =
                EnumInput.of("solver_type", SolverType.class, SolverType::comfyName);

        public SamplerDPMPP_2M_SDE() {
            super(NodeSupport.schema("SamplerDPMPP_2M_SDE", "SamplerDPMPP_2M_SDE", SAMPLERS,
                            "DPM-Solver++(2M) SDE with a midpoint or Heun correction and adjustable noise strength"
                                    + " (eta 0 = deterministic).")
                    .input(SOLVER_TYPE)
                    .input(ETA)
                    .input(S_NOISE)
                    .input(NOISE_DEVICE)
                    .output(PortType.SAMPLER, "SAMPLER"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            SamplerKind kind = onDevice(SamplerKind.DPMPP_2M_SDE, in.get(NOISE_DEVICE));
            return sampler(kind, etaNoise(kind, in).withSolverType(in.get(SOLVER_TYPE)));
        }
    }

    /** SamplerDPMPP_SDE: dpmpp_sde with its η, s_noise, r and noise device. */
    public static final class SamplerDPMPP_SDE extends Node {
        static final FloatInput R = unrounded("r", 0.5, 0.0, 100.0, 0.01);

        public SamplerDPMPP_SDE() {
            super(NodeSupport.schema("SamplerDPMPP_SDE", "SamplerDPMPP_SDE", SAMPLERS,
                            "DPM-Solver++ SDE with adjustable noise strength and intermediate step r (the fraction"
                                    + " of each step, in log sigma, where the second model call is made).")
                    .input(ETA)
                    .input(S_NOISE)
                    .input(R)
                    .input(NOISE_DEVICE)
                    .output(PortType.SAMPLER, "SAMPLER"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            double r = in.get(R);
            if (!(r > 0)) {
                throw new IllegalArgumentException("SamplerDPMPP_SDE: r must be above 0 (the intermediate step is"
                        + " at r of each step; ComfyUI divides by 2r), got " + r);
            }
            SamplerKind kind = onDevice(SamplerKind.DPMPP_SDE, in.get(NOISE_DEVICE));
            return sampler(kind, etaNoise(kind, in).withR(r));
        }
    }

    /** SamplerDPMPP_2S_Ancestral: dpmpp_2s_ancestral with its η and s_noise. */
    public static final class SamplerDPMPP_2S_Ancestral extends Node {
        public SamplerDPMPP_2S_Ancestral() {
            super(NodeSupport.schema("SamplerDPMPP_2S_Ancestral", "SamplerDPMPP_2S_Ancestral", SAMPLERS,
                            "DPM-Solver++(2S) ancestral with adjustable noise: eta scales the fresh noise per step,"
                                    + " s_noise multiplies it.")
                    .input(ETA)
                    .input(S_NOISE)
                    .output(PortType.SAMPLER, "SAMPLER"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            return sampler(SamplerKind.DPMPP_2S_ANCESTRAL,
                    etaNoise(SamplerKind.DPMPP_2S_ANCESTRAL, ctx.inputs()));
        }
    }

    /** SamplerDPMAdaptative: dpm_adaptive with its order, tolerances and step-size controller. */
    public static final class SamplerDPMAdaptative extends Node {
        static final IntInput ORDER = IntInput.of("order", 3, 2, 3);
        static final FloatInput RTOL = unrounded("rtol", 0.05, 0.0, 100.0, 0.01);
        static final FloatInput ATOL = unrounded("atol", 0.0078, 0.0, 100.0, 0.01);
        static final FloatInput H_INIT = unrounded("h_init", 0.05, 0.0, 100.0, 0.01);
        static final FloatInput PCOEFF = unrounded("pcoeff", 0.0, 0.0, 100.0, 0.01);
        static final FloatInput ICOEFF = unrounded("icoeff", 1.0, 0.0, 100.0, 0.01);
        static final FloatInput DCOEFF = unrounded("dcoeff", 0.0, 0.0, 100.0, 0.01);
        static final FloatInput ACCEPT_SAFETY = unrounded("accept_safety", 0.81, 0.0, 100.0, 0.01);
        static final FloatInput ADAPTIVE_ETA = unrounded("eta", 0.0, 0.0, 100.0, 0.01);

        public SamplerDPMAdaptative() {
            super(NodeSupport.schema("SamplerDPMAdaptative", "SamplerDPMAdaptative", SAMPLERS,
                            "DPM-Solver with adaptive step size: it picks its own steps (ignoring the schedule's"
                                    + " count) until the error estimate meets rtol/atol; smaller tolerances cost more"
                                    + " model calls.")
                    .input(ORDER)
                    .input(RTOL)
                    .input(ATOL)
                    .input(H_INIT)
                    .input(PCOEFF)
                    .input(ICOEFF)
                    .input(DCOEFF)
                    .input(ACCEPT_SAFETY)
                    .input(ADAPTIVE_ETA)
                    .input(S_NOISE)
                    .output(PortType.SAMPLER, "SAMPLER"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            double rtol = in.get(RTOL);
            double atol = in.get(ATOL);
            double hInit = in.get(H_INIT);
            if (!(hInit > 0)) {
                throw new IllegalArgumentException(
                        "SamplerDPMAdaptative: h_init must be above 0 (the first step size), got " + hInit);
            }
            if (rtol == 0 && atol == 0) {
                throw new IllegalArgumentException(
                        "SamplerDPMAdaptative: rtol and atol are both 0, so no step can meet them; raise one");
            }
            AdaptiveStep a = new AdaptiveStep(rtol, atol, hInit, in.get(PCOEFF), in.get(ICOEFF),
                    in.get(DCOEFF), in.get(ACCEPT_SAFETY));
            SamplerOptions o = SamplerOptions.defaults(SamplerKind.DPM_ADAPTIVE)
                    .withOrder(in.getInt(ORDER))
                    .withAdaptive(a)
                    .withEta(in.get(ADAPTIVE_ETA))
                    .withSNoise(in.get(S_NOISE));
            return sampler(SamplerKind.DPM_ADAPTIVE, o);
        }
    }

    /** SamplerER_SDE: er_sde with its noise-scale function, stage count, η and s_noise. */
    public static final class SamplerER_SDE extends Node {
        static final EnumInput<ErSolverType> SOLVER_TYPE =
                EnumInput.of("solver_type", ErSolverType.class, ErSolverType::comfyName);
        static final IntInput MAX_STAGE = IntInput.of("max_stage", 3, 1, 3);
        static final FloatInput ER_ETA = ETA.withTooltip("Stochastic strength of reverse-time SDE.\nWhen eta=0, it"
                + " reduces to deterministic ODE. This setting doesn't apply to ER-SDE solver type.");

        public SamplerER_SDE() {
            super(NodeSupport.schema("SamplerER_SDE", "SamplerER_SDE", SAMPLERS,
                            "ER-SDE-Solver: ER-SDE uses the paper's noise scale, Reverse-time SDE one of strength"
                                    + " eta (eta 0 = ODE), ODE none; max_stage is the solver's order (1 to 3).")
                    .input(SOLVER_TYPE)
                    .input(MAX_STAGE)
                    .input(ER_ETA)
                    .input(S_NOISE)
                    .output(PortType.SAMPLER, "SAMPLER"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            ErSolverType type = in.get(SOLVER_TYPE);
            double eta = in.get(ER_ETA);
            double sNoise = in.get(S_NOISE);
            if (type == ErSolverType.ODE || (type == ErSolverType.REVERSE_TIME_SDE && eta == 0)) {
                eta = 0; // as ComfyUI's node: the ODE neither scales nor draws noise
                sNoise = 0;
            }
            return sampler(SamplerKind.ER_SDE, SamplerOptions.defaults(SamplerKind.ER_SDE).withEta(eta)
                    .withSNoise(sNoise).withErSde(new ErSde(type, in.getInt(MAX_STAGE))));
        }
    }

    /** SamplerSEEDS2: seeds_2 with its second-stage form, η, s_noise and stage position r. */
    public static final class SamplerSEEDS2 extends Node {
        static final EnumInput<SeedsSolver> SOLVER_TYPE =
                EnumInput.of("solver_type", SeedsSolver.class, SeedsSolver::comfyName);
        static final FloatInput R = unrounded("r", 0.5, 0.01, 1.0, 0.01);

        public SamplerSEEDS2() {
            super(NodeSupport.schema("SamplerSEEDS2", "SamplerSEEDS2", SAMPLERS,
                            "SEEDS-2, a two-stage exponential SDE solver: eta is the noise strength, s_noise"
                                    + " multiplies it, r places the intermediate stage. solver_type phi_2 with r 1 and"
                                    + " eta 0 is exp_heun_2_x0; with eta 1 it is exp_heun_2_x0_sde.")
                    .input(SOLVER_TYPE)
                    .input(ETA)
                    .input(S_NOISE)
                    .input(R)
                    .output(PortType.SAMPLER, "SAMPLER"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            return sampler(SamplerKind.SEEDS_2, etaNoise(SamplerKind.SEEDS_2, in).withR(in.get(R))
                    .withSeedsSolver(in.get(SOLVER_TYPE)));
        }
    }

    /** SamplerSASolver: SA-Solver with its stochastic interval, orders and PECE switch. */
    public static final class SamplerSASolver extends Node {
        static final SocketInput<ModelValue> MODEL = SamplerNodes.MODEL;
        static final FloatInput SA_ETA = unrounded("eta", 1.0, 0.0, 10.0, 0.01);
        static final FloatInput SDE_START = FloatInput.of("sde_start_percent", 0.2, 0.0, 1.0, 0.001);
        static final FloatInput SDE_END = FloatInput.of("sde_end_percent", 0.8, 0.0, 1.0, 0.001);
        static final IntInput PREDICTOR_ORDER = IntInput.of("predictor_order", 3, 1, 6);
        static final IntInput CORRECTOR_ORDER = IntInput.of("corrector_order", 4, 0, 6);
        static final BoolInput USE_PECE = BoolInput.of("use_pece", false);
        static final BoolInput SIMPLE_ORDER_2 = BoolInput.of("simple_order_2", false);

        public SamplerSASolver() {
            super(NodeSupport.schema("SamplerSASolver", "SamplerSASolver", SAMPLERS,
                            "SA-Solver, a stochastic Adams predictor-corrector: noise of strength eta is added"
                                    + " between sde_start_percent and sde_end_percent of the model's schedule (eta 0 ="
                                    + " deterministic); use_pece spends one more model call per step on the corrected"
                                    + " state.")
                    .input(MODEL)
                    .input(SA_ETA)
                    .input(SDE_START)
                    .input(SDE_END)
                    .input(S_NOISE)
                    .input(PREDICTOR_ORDER)
                    .input(CORRECTOR_ORDER)
                    .input(USE_PECE)
                    .input(SIMPLE_ORDER_2)
                    .output(PortType.SAMPLER, "SAMPLER"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            var ms = in.get(MODEL).sampling();
            SaSolver sa = new SaSolver(in.getInt(PREDICTOR_ORDER), in.getInt(CORRECTOR_ORDER),
                    in.get(USE_PECE), in.get(SIMPLE_ORDER_2),
                    ms.percentToSigma(in.get(SDE_START)), ms.percentToSigma(in.get(SDE_END)));
            SamplerOptions o = SamplerOptions.defaults(SamplerKind.SA_SOLVER, ms)
                    .withEta(in.get(SA_ETA))
                    .withSNoise(in.get(S_NOISE))
                    .withSaSolver(sa);
            return sampler(SamplerKind.SA_SOLVER, o);
        }
    }
}
