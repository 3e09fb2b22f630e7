package dev.noodle.engine.sampling;

import java.util.Objects;

/**
 * A sampler's settings beyond its name, as ComfyUI's {@code Sampler*} option nodes pass them to
 * {@code comfy.samplers.ksampler(name, extra_options)}; {@link #defaults} gives the values a sampler
 * runs with when picked by name (KSampler, KSamplerSelect). Each sampler reads only the fields it
 * has: η and s_noise (the ancestral and SDE samplers, dpm_adaptive, SA-Solver), r (dpmpp_sde),
 * solver type (dpmpp_2m_sde), order (lms, dpm_adaptive), the step-size controller (dpm_adaptive) and
 * the SA-Solver settings. Immutable and thread-safe.
 *
 * @param eta ancestral / SDE noise strength η ≥ 0 (0 = deterministic)
 * @param sNoise multiplier of the injected noise, ≥ 0
 * @param r dpmpp_sde's intermediate step as a fraction of the step in log σ, &gt; 0
 * @param solverType dpmpp_2m_sde's second-order correction
 * @param order lms's multistep order (≥ 1) or dpm_adaptive's (2 or 3)
 * @param noiseDevice where ComfyUI draws the Brownian noise; Noodle samples on the CPU, where both
 *     give the same numbers (ComfyUI's {@code _gpu} samplers on a CPU machine)
 * @param adaptive dpm_adaptive's step-size controller
 * @param saSolver SA-Solver's orders and stochastic interval
 * @param seedsSolver seeds_2's second-stage combination (φ₁ or φ₂; φ₂ with r = 1 is exponential Heun)
 * @param erSde er_sde's noise scaler and stage count
 */
public record SamplerOptions(
        double eta,
        double sNoise,
        double r,
        SolverType solverType,
        int order,
        NoiseDevice noiseDevice,
        AdaptiveStep adaptive,
        SaSolver saSolver,
        SeedsSolver seedsSolver,
        ErSde erSde) {

    /** er_sde's noise-scale function f(λ) (ComfyUI SamplerER_SDE's solver_type combo). */
    public enum ErSolverType {
        /** f(λ) = λ·(e^{λ^0.3} + 10), the ER-SDE paper's choice. */
        ER_SDE("ER-SDE"),
        /** f(λ) = λ^{η+1}: the reverse-time SDE of strength η. */
        REVERSE_TIME_SDE("Reverse-time SDE"),
        /** f(λ) = λ: the probability-flow ODE. */
        ODE("ODE");

        private final String comfyName;

        ErSolverType(String comfyName) {
            this.comfyName = comfyName;
        }

        /** The ComfyUI spelling. */
        public String comfyName() {
            return comfyName;
        }
    }

    /**
     * ER-SDE-Solver's settings (Cui et al. 2023, arXiv 2309.06169).
     *
     * @param type the noise-scale function
     * @param maxStage the highest solver stage, 1 to 3
     */
    public record ErSde(ErSolverType type, int maxStage) {
        /** ComfyUI's default: the ER-SDE scaler, three stages. */
        public static final ErSde DEFAULT = new ErSde(ErSolverType.ER_SDE, 3);

        /** Checks the stage range (ComfyUI's SamplerER_SDE limits). */
        public ErSde {
            Objects.requireNonNull(type, "type");
            if (maxStage < 1 || maxStage > 3) {
                throw new IllegalArgumentException("er_sde max_stage must lie in 1..3, got " + maxStage);
            }
        }

        /** f(λ) for strength η. */
        double scale(double lambda, double eta) {
            return switch (type) {
                case ER_SDE -> lambda * (Math.exp(Math.pow(lambda, 0.3)) + 10);
                case REVERSE_TIME_SDE -> Math.pow(lambda, eta + 1);
                case ODE -> lambda;
            };
        }
    }

    /** seeds_2's second stage (ComfyUI SamplerSEEDS2's solver_type combo). */
    public enum SeedsSolver {
        PHI_1("phi_1"),
        PHI_2("phi_2");

        private final String comfyName;

        SeedsSolver(String comfyName) {
            this.comfyName = comfyName;
        }

        /** The ComfyUI spelling. */
        public String comfyName() {
            return comfyName;
        }
    }

    /** dpmpp_2m_sde's correction of the denoised difference (ComfyUI's solver_type combo). */
    public enum SolverType {
        MIDPOINT("midpoint"),
        HEUN("heun");

        private final String comfyName;

        SolverType(String comfyName) {
            this.comfyName = comfyName;
        }

        /** The ComfyUI spelling. */
        public String comfyName() {
            return comfyName;
        }
    }

    /** ComfyUI's noise_device combo, in its order ("gpu" first, its default). */
    public enum NoiseDevice {
        GPU("gpu"),
        CPU("cpu");

        private final String comfyName;

        NoiseDevice(String comfyName) {
            this.comfyName = comfyName;
        }

        /** The ComfyUI spelling. */
        public String comfyName() {
            return comfyName;
        }
    }

    /**
     * dpm_adaptive's embedded error estimate and PID step-size controller (Lu et al. 2022, §4 and
     * Appendix; k-diffusion {@code PIDStepSizeController}).
     *
     * @param rtol relative tolerance
     * @param atol absolute tolerance
     * @param hInit first step size in −log σ
     * @param pcoeff proportional gain
     * @param icoeff integral gain
     * @param dcoeff derivative gain
     * @param acceptSafety a step is accepted when the limited step factor is at least this
     */
    public record AdaptiveStep(
            double rtol, double atol, double hInit, double pcoeff, double icoeff, double dcoeff,
            double acceptSafety) {
        /** ComfyUI's defaults: rtol 0.05, atol 0.0078, h_init 0.05, PID (0, 1, 0), accept 0.81. */
        public static final AdaptiveStep DEFAULT = new AdaptiveStep(0.05, 0.0078, 0.05, 0, 1, 0, 0.81);

        /** Checks every value is finite and not negative. */
        public AdaptiveStep {
            double[] all = {rtol, atol, hInit, pcoeff, icoeff, dcoeff, acceptSafety};
            for (double v : all) {
                if (!(v >= 0) || !Double.isFinite(v)) {
                    throw new IllegalArgumentException(
                            "dpm_adaptive settings must be finite and >= 0, got " + v);
                }
            }
            if (hInit == 0) {
                throw new IllegalArgumentException("dpm_adaptive h_init must be > 0");
            }
        }
    }

    /**
     * SA-Solver's settings (Xue et al. 2023, "SA-Solver: Stochastic Adams Solver for Fast Sampling of
     * Diffusion Models"): the predictor and corrector orders, PECE mode, the simplified order-2
     * coefficients, and the σ interval where the stochastic strength τ = η applies (τ = 0 outside).
     *
     * @param predictorOrder 1 to 6
     * @param correctorOrder 0 (no corrector) to 6
     * @param usePece evaluate the model again on the corrected state (sa_solver_pece)
     * @param simpleOrder2 use the paper's simplified order-2 coefficients (Appendix D)
     * @param sdeStartSigma the largest σ with τ = η
     * @param sdeEndSigma the smallest σ with τ = η
     */
    public record SaSolver(
            int predictorOrder, int correctorOrder, boolean usePece, boolean simpleOrder2,
            double sdeStartSigma, double sdeEndSigma) {
        /** Checks the orders' ranges (ComfyUI's SamplerSASolver limits). */
        public SaSolver {
            if (predictorOrder < 1 || predictorOrder > 6) {
                throw new IllegalArgumentException(
                        "SA-Solver predictor_order must lie in 1..6, got " + predictorOrder);
            }
            if (correctorOrder < 0 || correctorOrder > 6) {
                throw new IllegalArgumentException(
                        "SA-Solver corrector_order must lie in 0..6, got " + correctorOrder);
            }
            if (Double.isNaN(sdeStartSigma) || Double.isNaN(sdeEndSigma)) {
                throw new IllegalArgumentException("SA-Solver SDE interval must not be NaN");
            }
        }

        /**
         * ComfyUI's default: orders 3 and 4, the stochastic interval from 20% to 80% of the model's
         * schedule ({@code percent_to_sigma(0.2)} … {@code (0.8)}).
         */
        public static SaSolver defaults(ModelSampling ms, boolean usePece) {
            return new SaSolver(3, 4, usePece, false, ms.percentToSigma(0.2), ms.percentToSigma(0.8));
        }

        /** The stochastic strength τ at σ: η inside [sdeEndSigma, sdeStartSigma], 0 outside or for η ≤ 0. */
        double tau(double eta, double sigma) {
            if (eta <= 0) {
                return 0;
            }
            return sdeStartSigma >= sigma && sigma >= sdeEndSigma ? eta : 0;
        }
    }

    /** Checks ranges: η, s_noise ≥ 0, r &gt; 0, order ≥ 1, all finite, nothing missing. */
    public SamplerOptions {
        if (!(eta >= 0) || !Double.isFinite(eta)) {
            throw new IllegalArgumentException("eta must be finite and >= 0, got " + eta);
        }
        if (!(sNoise >= 0) || !Double.isFinite(sNoise)) {
            throw new IllegalArgumentException("s_noise must be finite and >= 0, got " + sNoise);
        }
        if (!(r > 0) || !Double.isFinite(r)) {
            throw new IllegalArgumentException("r must be finite and > 0, got " + r);
        }
        if (order < 1) {
            throw new IllegalArgumentException("order must be >= 1, got " + order);
        }
        Objects.requireNonNull(solverType, "solverType");
        Objects.requireNonNull(noiseDevice, "noiseDevice");
        Objects.requireNonNull(adaptive, "adaptive");
        Objects.requireNonNull(saSolver, "saSolver");
        Objects.requireNonNull(seedsSolver, "seedsSolver");
        Objects.requireNonNull(erSde, "erSde");
    }

    /**
     * What {@code kind} runs with when chosen by name, on a model with the SD 1.x/2.x/XL schedule
     * (only SA-Solver's stochastic interval depends on the model; see {@link #defaults(SamplerKind,
     * ModelSampling)}).
     */
    public static SamplerOptions defaults(SamplerKind kind) {
        return defaults(kind, Sd.SCHEDULE);
    }

    /** The SD 1.x/2.x/XL schedule, built once on first use. */
    private static final class Sd {
        static final ModelSampling SCHEDULE = ModelSampling.sd15();
    }

    /**
     * What {@code kind} runs with when chosen by name (the defaults of ComfyUI's {@code sample_*}
     * functions): η 1 (0 for dpm_fast, dpm_adaptive and exp_heun_2_x0), s_noise 1 (0 for
     * exp_heun_2_x0), r ½ (1 and φ₂ for the exponential Heun forms of seeds_2), midpoint (heun for
     * dpmpp_2m_sde_heun[_gpu]), order 4 for lms and 3 for dpm_adaptive, noise on the GPU for the
     * {@code _gpu} forms and on the CPU otherwise, {@link
     * AdaptiveStep#DEFAULT}, and SA-Solver's defaults on {@code ms} (PECE for sa_solver_pece).
     */
    public static SamplerOptions defaults(SamplerKind kind, ModelSampling ms) {
        boolean expHeun = kind == SamplerKind.EXP_HEUN_2_X0 || kind == SamplerKind.EXP_HEUN_2_X0_SDE;
        boolean deterministic = kind == SamplerKind.DPM_FAST || kind == SamplerKind.DPM_ADAPTIVE
                || kind == SamplerKind.EXP_HEUN_2_X0;
        double eta = deterministic ? 0 : 1;
        double sNoise = kind == SamplerKind.EXP_HEUN_2_X0 ? 0 : 1;
        SolverType solver = kind == SamplerKind.DPMPP_2M_SDE_HEUN || kind == SamplerKind.DPMPP_2M_SDE_HEUN_GPU
                ? SolverType.HEUN
                : SolverType.MIDPOINT;
        int order = kind == SamplerKind.LMS ? 4 : 3;
        NoiseDevice device = kind.comfyName().endsWith("_gpu") ? NoiseDevice.GPU : NoiseDevice.CPU;
        return new SamplerOptions(eta, sNoise, expHeun ? 1 : 0.5, solver, order, device, AdaptiveStep.DEFAULT,
                SaSolver.defaults(ms, kind == SamplerKind.SA_SOLVER_PECE),
                expHeun ? SeedsSolver.PHI_2 : SeedsSolver.PHI_1, ErSde.DEFAULT);
    }

    /** These options with η. */
    public SamplerOptions withEta(double v) {
        return new SamplerOptions(v, sNoise, r, solverType, order, noiseDevice, adaptive, saSolver, seedsSolver, erSde);
    }

    /** These options with s_noise. */
    public SamplerOptions withSNoise(double v) {
        return new SamplerOptions(eta, v, r, solverType, order, noiseDevice, adaptive, saSolver, seedsSolver, erSde);
    }

    /** These options with r. */
    public SamplerOptions withR(double v) {
        return new SamplerOptions(eta, sNoise, v, solverType, order, noiseDevice, adaptive, saSolver, seedsSolver, erSde);
    }

    /** These options with the solver type. */
    public SamplerOptions withSolverType(SolverType v) {
        return new SamplerOptions(eta, sNoise, r, v, order, noiseDevice, adaptive, saSolver, seedsSolver, erSde);
    }

    /** These options with the order. */
    public SamplerOptions withOrder(int v) {
        return new SamplerOptions(eta, sNoise, r, solverType, v, noiseDevice, adaptive, saSolver, seedsSolver, erSde);
    }

    /** These options with the noise device. */
    public SamplerOptions withNoiseDevice(NoiseDevice v) {
        return new SamplerOptions(eta, sNoise, r, solverType, order, v, adaptive, saSolver, seedsSolver, erSde);
    }

    /** These options with dpm_adaptive's controller settings. */
    public SamplerOptions withAdaptive(AdaptiveStep v) {
        return new SamplerOptions(eta, sNoise, r, solverType, order, noiseDevice, v, saSolver, seedsSolver, erSde);
    }

    /** These options with seeds_2's second-stage combination. */
    public SamplerOptions withSeedsSolver(SeedsSolver v) {
        return new SamplerOptions(eta, sNoise, r, solverType, order, noiseDevice, adaptive, saSolver, v, erSde);
    }

    /** These options with er_sde's settings. */
    public SamplerOptions withErSde(ErSde v) {
        return new SamplerOptions(eta, sNoise, r, solverType, order, noiseDevice, adaptive, saSolver, seedsSolver, v);
    }

    /** These options with SA-Solver's settings. */
    public SamplerOptions withSaSolver(SaSolver v) {
        return new SamplerOptions(eta, sNoise, r, solverType, order, noiseDevice, adaptive, v, seedsSolver, erSde);
    }
}
