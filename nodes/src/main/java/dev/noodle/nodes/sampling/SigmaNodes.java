package dev.noodle.nodes.sampling;

import dev.noodle.engine.sampling.AlignYourSteps;
import dev.noodle.engine.sampling.ModelSampling;
import dev.noodle.engine.sampling.Scheduler;
import dev.noodle.engine.sampling.Schedules;
import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.EnumInput;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.IntInput;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.nodes.host.NodeSupport;
import dev.noodle.nodes.values.ModelValue;
import dev.noodle.nodes.values.SigmasValue;
import java.util.Arrays;

/**
 * ComfyUI's scheduler and sigma nodes for custom sampling ({@code comfy_extras/nodes_custom_sampler.py} and {@code
 * nodes_align_your_steps.py}): each makes or reshapes a SIGMAS schedule, with ComfyUI's inputs, order, defaults and
 * outputs. The arithmetic lives in {@link Schedules} and {@link AlignYourSteps}; the list rules here are ComfyUI's.
 */
public final class SigmaNodes {
    private SigmaNodes() {}

    static final String SCHEDULERS = "sampling/schedulers";
    static final String SIGMAS_CATEGORY = "sampling/sigmas";
    static final SocketInput<ModelValue> MODEL = SocketInput.of("model", PortType.MODEL, ModelValue.class);
    static final SocketInput<SigmasValue> SIGMAS = SocketInput.of("sigmas", PortType.SIGMAS, SigmasValue.class);
    static final IntInput STEPS = IntInput.of("steps", 20, 1, 10000);
    static final FloatInput DENOISE = FloatInput.of("denoise", 1.0, 0.0, 1.0, 0.01);
    static final FloatInput SIGMA_MAX = unrounded("sigma_max", 14.614642, 0.0, 5000.0, 0.01);
    static final FloatInput SIGMA_MIN = unrounded("sigma_min", 0.0291675, 0.0, 5000.0, 0.01);

    /** A float widget with ComfyUI's {@code round=False}. */
    private static FloatInput unrounded(String name, double def, double min, double max, double step) {
        return new FloatInput(name, def, min, max, step, 0, false, "");
    }

    private static NodeOutputs out(float[] sigmas) {
        return NodeOutputs.of(new SigmasValue(sigmas));
    }

    /** σ_min must be positive and at most σ_max for the Karras, exponential and polyexponential formulas. */
    private static void requireRange(String node, double sigmaMin, double sigmaMax) {
        if (!(sigmaMin > 0 && sigmaMax >= sigmaMin)) {
            throw new IllegalArgumentException(node + ": sigma_min (" + sigmaMin + ") must be above 0 and at most"
                    + " sigma_max (" + sigmaMax + "); raise sigma_min or sigma_max");
        }
    }

    /**
     * ComfyUI BasicScheduler: denoise ≤ 0 gives no σ; denoise &lt; 1 computes int(steps/denoise) steps and keeps the
     * last steps+1 σ.
     */
    static float[] basic(ModelSampling ms, Scheduler scheduler, int steps, double denoise) {
        int total = steps;
        if (denoise < 1.0) {
            if (denoise <= 0.0) {
                return new float[0];
            }
            total = (int) (steps / denoise);
        }
        float[] all = scheduler.sigmas(ms, total);
        return Arrays.copyOfRange(all, Math.max(0, all.length - (steps + 1)), all.length);
    }

    /** ComfyUI SplitSigmas: σ[..step] and σ[step..], both holding σ[step] (Python slices: out of range is empty). */
    static float[][] split(float[] s, int step) {
        int n = s.length;
        return new float[][] {
            Arrays.copyOfRange(s, 0, Math.min(step + 1, n)), Arrays.copyOfRange(s, Math.min(step, n), n)
        };
    }

    /**
     * ComfyUI SplitSigmasDenoise: the last round(steps·denoise) steps (round half to even) go low, the rest high, both
     * holding the σ at the split. As in ComfyUI, a split of 0 steps leaves high empty ({@code sigmas[:-0]}).
     */
    static float[][] splitDenoise(float[] s, double denoise) {
        int n = s.length;
        int steps = Math.max(n - 1, 0);
        int total = (int) Math.rint(steps * denoise);
        float[] high = total == 0 ? new float[0] : Arrays.copyOfRange(s, 0, Math.max(n - total, 0));
        float[] low = Arrays.copyOfRange(s, Math.max(n - (total + 1), 0), n);
        return new float[][] {high, low};
    }

    /** ComfyUI FlipSigmas: reversed; a leading 0 becomes 0.0001 so the schedule can start. */
    static float[] flip(float[] s) {
        float[] out = new float[s.length];
        for (int i = 0; i < s.length; i++) {
            out[i] = s[s.length - 1 - i];
        }
        if (out.length > 0 && out[0] == 0f) {
            out[0] = 0.0001f;
        }
        return out;
    }

    /** BasicScheduler: a model's schedule by scheduler name, steps and denoise. */
    public static final class BasicScheduler extends Node {
        static final EnumInput<Scheduler> SCHEDULER =
                EnumInput.of("scheduler", Scheduler.class, Scheduler::comfyName);

        public BasicScheduler() {
            super(NodeSupport.schema("BasicScheduler", "BasicScheduler", SCHEDULERS,
                            "The model's σ schedule for a scheduler and step count; with denoise < 1 only its last"
                                    + " steps, as KSampler's denoise.")
                    .input(MODEL)
                    .input(SCHEDULER)
                    .input(STEPS)
                    .input(DENOISE)
                    .output(PortType.SIGMAS, "SIGMAS"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            return out(basic(in.get(MODEL).sampling(), in.get(SCHEDULER), in.getInt(STEPS), in.get(DENOISE)));
        }
    }

    /** KarrasScheduler: Karras et al. (2022) σ between sigma_max and sigma_min with exponent rho. */
    public static final class KarrasScheduler extends Node {
        static final FloatInput RHO = unrounded("rho", 7.0, 0.0, 100.0, 0.01);

        public KarrasScheduler() {
            super(NodeSupport.schema("KarrasScheduler", "KarrasScheduler", SCHEDULERS,
                            "Karras et al. (2022) σ schedule: denser near sigma_min as rho grows.")
                    .input(STEPS)
                    .input(SIGMA_MAX)
                    .input(SIGMA_MIN)
                    .input(RHO)
                    .output(PortType.SIGMAS, "SIGMAS"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            requireRange("KarrasScheduler", in.get(SIGMA_MIN), in.get(SIGMA_MAX));
            if (!(in.get(RHO) > 0)) {
                throw new IllegalArgumentException("KarrasScheduler: rho must be above 0, got " + in.get(RHO));
            }
            return out(Schedules.karras(in.getInt(STEPS), in.getFloat(SIGMA_MIN), in.getFloat(SIGMA_MAX),
                    in.get(RHO)));
        }
    }

    /** ExponentialScheduler: σ evenly spaced in log σ. */
    public static final class ExponentialScheduler extends Node {
        public ExponentialScheduler() {
            super(NodeSupport.schema("ExponentialScheduler", "ExponentialScheduler", SCHEDULERS,
                            "σ evenly spaced in log σ from sigma_max to sigma_min, then 0.")
                    .input(STEPS)
                    .input(SIGMA_MAX)
                    .input(SIGMA_MIN)
                    .output(PortType.SIGMAS, "SIGMAS"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            requireRange("ExponentialScheduler", in.get(SIGMA_MIN), in.get(SIGMA_MAX));
            return out(Schedules.exponential(in.getInt(STEPS), in.getFloat(SIGMA_MIN), in.getFloat(SIGMA_MAX)));
        }
    }

    /** PolyexponentialScheduler: log σ a polynomial of degree rho in the step. */
    public static final class PolyexponentialScheduler extends Node {
        static final FloatInput RHO = unrounded("rho", 1.0, 0.0, 100.0, 0.01);

        public PolyexponentialScheduler() {
            super(NodeSupport.schema("PolyexponentialScheduler", "PolyexponentialScheduler", SCHEDULERS,
                            "log σ falls as a power rho of the remaining fraction; rho 1 is the exponential schedule.")
                    .input(STEPS)
                    .input(SIGMA_MAX)
                    .input(SIGMA_MIN)
                    .input(RHO)
                    .output(PortType.SIGMAS, "SIGMAS"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            requireRange("PolyexponentialScheduler", in.get(SIGMA_MIN), in.get(SIGMA_MAX));
            return out(Schedules.polyexponential(in.getInt(STEPS), in.getFloat(SIGMA_MIN), in.getFloat(SIGMA_MAX),
                    in.get(RHO)));
        }
    }

    /** LaplaceScheduler: σ concentrated around e^mu with spread beta; no final 0, as ComfyUI's. */
    public static final class LaplaceScheduler extends Node {
        static final FloatInput MU = unrounded("mu", 0.0, -10.0, 10.0, 0.1);
        static final FloatInput BETA = unrounded("beta", 0.5, 0.0, 10.0, 0.1);

        public LaplaceScheduler() {
            super(NodeSupport.schema("LaplaceScheduler", "LaplaceScheduler", SCHEDULERS,
                            "σ placed by a Laplace density over log σ centred on mu (Hang et al. 2024), clamped to"
                                    + " [sigma_min, sigma_max].")
                    .input(STEPS)
                    .input(SIGMA_MAX)
                    .input(SIGMA_MIN)
                    .input(MU)
                    .input(BETA)
                    .output(PortType.SIGMAS, "SIGMAS"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            return out(Schedules.laplace(in.getInt(STEPS), in.getFloat(SIGMA_MIN), in.getFloat(SIGMA_MAX),
                    in.get(MU), in.get(BETA)));
        }
    }

    /** SDTurboScheduler: SD-Turbo's fixed timesteps. */
    public static final class SDTurboScheduler extends Node {
        static final IntInput TURBO_STEPS = IntInput.of("steps", 1, 1, 10);
        static final FloatInput TURBO_DENOISE = FloatInput.of("denoise", 1.0, 0.0, 1.0, 0.01);

        public SDTurboScheduler() {
            super(NodeSupport.schema("SDTurboScheduler", "SDTurboScheduler", SCHEDULERS,
                            "σ at SD-Turbo's timesteps 999, 899, …; denoise skips the first ones.")
                    .input(MODEL)
                    .input(TURBO_STEPS)
                    .input(TURBO_DENOISE)
                    .output(PortType.SIGMAS, "SIGMAS"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            return out(Schedules.sdTurbo(in.get(MODEL).sampling(), in.getInt(TURBO_STEPS), in.get(TURBO_DENOISE)));
        }
    }

    /** BetaSamplingScheduler: the beta scheduler with its alpha and beta exposed. */
    public static final class BetaSamplingScheduler extends Node {
        static final FloatInput ALPHA = unrounded("alpha", 0.6, 0.0, 50.0, 0.01);
        static final FloatInput BETA = unrounded("beta", 0.6, 0.0, 50.0, 0.01);

        public BetaSamplingScheduler() {
            super(NodeSupport.schema("BetaSamplingScheduler", "BetaSamplingScheduler", SCHEDULERS,
                            "The model's σ at Beta(alpha, beta) quantiles of its timesteps (Lee et al. 2024).")
                    .input(MODEL)
                    .input(STEPS)
                    .input(ALPHA)
                    .input(BETA)
                    .output(PortType.SIGMAS, "SIGMAS"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            double a = in.get(ALPHA);
            double b = in.get(BETA);
            if (!(a > 0 && b > 0)) {
                throw new IllegalArgumentException("BetaSamplingScheduler: alpha and beta must be above 0, got alpha="
                        + a + ", beta=" + b);
            }
            return out(Schedules.beta(in.get(MODEL).sampling(), in.getInt(STEPS), a, b));
        }
    }

    /** VPScheduler: the continuous variance-preserving schedule. */
    public static final class VPScheduler extends Node {
        static final FloatInput BETA_D = unrounded("beta_d", 19.9, 0.0, 5000.0, 0.01);
        static final FloatInput BETA_MIN = unrounded("beta_min", 0.1, 0.0, 5000.0, 0.01);
        static final FloatInput EPS_S = unrounded("eps_s", 0.001, 0.0, 1.0, 0.0001);

        public VPScheduler() {
            super(NodeSupport.schema("VPScheduler", "VPScheduler", SCHEDULERS,
                            "The continuous variance-preserving σ schedule (Song et al. 2021).")
                    .input(STEPS)
                    .input(BETA_D)
                    .input(BETA_MIN)
                    .input(EPS_S)
                    .output(PortType.SIGMAS, "SIGMAS"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            return out(Schedules.vp(in.getInt(STEPS), in.get(BETA_D), in.get(BETA_MIN), in.get(EPS_S)));
        }
    }

    /** AlignYourStepsScheduler: NVIDIA's optimised tables. */
    public static final class AlignYourStepsScheduler extends Node {
        static final EnumInput<AlignYourSteps.ModelType> MODEL_TYPE =
                EnumInput.of("model_type", AlignYourSteps.ModelType.class, AlignYourSteps.ModelType::comfyName);
        static final IntInput AYS_STEPS = IntInput.of("steps", 10, 1, 10000);

        public AlignYourStepsScheduler() {
            super(NodeSupport.schema("AlignYourStepsScheduler", "AlignYourStepsScheduler", SCHEDULERS,
                            "Align Your Steps σ (Sabour et al. 2024) for SD1, SDXL or SVD, interpolated to the steps.")
                    .input(MODEL_TYPE)
                    .input(AYS_STEPS)
                    .input(DENOISE)
                    .output(PortType.SIGMAS, "SIGMAS"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            return out(AlignYourSteps.sigmas(in.get(MODEL_TYPE), in.getInt(AYS_STEPS), in.get(DENOISE)));
        }
    }

    /** SplitSigmas: high and low parts at a step. */
    public static final class SplitSigmas extends Node {
        static final IntInput STEP = IntInput.of("step", 0, 0, 10000);

        public SplitSigmas() {
            super(NodeSupport.schema("SplitSigmas", "SplitSigmas", SIGMAS_CATEGORY,
                            "Splits a schedule at a step: high_sigmas up to it, low_sigmas from it (both hold it).")
                    .input(SIGMAS)
                    .input(STEP)
                    .output(PortType.SIGMAS, "high_sigmas")
                    .output(PortType.SIGMAS, "low_sigmas"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            float[][] parts = split(in.get(SIGMAS).sigmas(), in.getInt(STEP));
            return NodeOutputs.of(new SigmasValue(parts[0]), new SigmasValue(parts[1]));
        }
    }

    /** SplitSigmasDenoise: the last denoise fraction of steps as low_sigmas. */
    public static final class SplitSigmasDenoise extends Node {
        public SplitSigmasDenoise() {
            super(NodeSupport.schema("SplitSigmasDenoise", "SplitSigmasDenoise", SIGMAS_CATEGORY,
                            "Splits a schedule so low_sigmas holds the last denoise fraction of its steps.")
                    .input(SIGMAS)
                    .input(DENOISE)
                    .output(PortType.SIGMAS, "high_sigmas")
                    .output(PortType.SIGMAS, "low_sigmas"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            float[][] parts = splitDenoise(in.get(SIGMAS).sigmas(), in.get(DENOISE));
            return NodeOutputs.of(new SigmasValue(parts[0]), new SigmasValue(parts[1]));
        }
    }

    /** FlipSigmas: the schedule reversed (for unsampling). */
    public static final class FlipSigmas extends Node {
        public FlipSigmas() {
            super(NodeSupport.schema("FlipSigmas", "FlipSigmas", SIGMAS_CATEGORY,
                            "Reverses a schedule (noise rising, to unsample); a leading 0 becomes 0.0001.")
                    .input(SIGMAS)
                    .output(PortType.SIGMAS, "SIGMAS"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            return out(flip(ctx.inputs().get(SIGMAS).sigmas()));
        }
    }

    /** SetFirstSigma: replaces the first σ. */
    public static final class SetFirstSigma extends Node {
        static final FloatInput SIGMA = unrounded("sigma", 136.0, 0.0, 20000.0, 0.001);

        public SetFirstSigma() {
            super(NodeSupport.schema("SetFirstSigma", "SetFirstSigma", SIGMAS_CATEGORY,
                            "The schedule with its first σ replaced by sigma.")
                    .input(SIGMAS)
                    .input(SIGMA)
                    .output(PortType.SIGMAS, "SIGMAS"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            float[] s = in.get(SIGMAS).sigmas();
            if (s.length == 0) {
                throw new IllegalArgumentException(
                        "SetFirstSigma: sigmas is empty, so there is no first σ to set; feed it a schedule with steps");
            }
            s[0] = in.getFloat(SIGMA);
            return out(s);
        }
    }
}
