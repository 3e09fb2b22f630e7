package dev.noodle.engine.sampling;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The samplers Noodle implements, named exactly as in ComfyUI's KSampler "sampler_name" list and
 * kept in that list's order.
 */
public enum SamplerKind {
    EULER("euler", NoiseUse.NONE),
    /** CFG++ Euler (Chung et al. 2024): steps along the unconditional estimate, lands on the guided one. */
    EULER_CFG_PP("euler_cfg_pp", NoiseUse.NONE),
    EULER_ANCESTRAL("euler_ancestral", NoiseUse.STEP),
    EULER_ANCESTRAL_CFG_PP("euler_ancestral_cfg_pp", NoiseUse.STEP),
    HEUN("heun", NoiseUse.NONE),
    HEUNPP2("heunpp2", NoiseUse.NONE),
    EXP_HEUN_2_X0("exp_heun_2_x0", NoiseUse.NONE),
    /** Two draws per step (ComfyUI seeds_2 with r = 1: the second is scaled to zero but still drawn). */
    EXP_HEUN_2_X0_SDE("exp_heun_2_x0_sde", NoiseUse.STEP),
    DPM_2("dpm_2", NoiseUse.NONE),
    DPM_2_ANCESTRAL("dpm_2_ancestral", NoiseUse.STEP),
    LMS("lms", NoiseUse.NONE),
    /** DPM-Solver-fast with η = 0: ComfyUI still draws (and scales to zero) one noise per step. */
    DPM_FAST("dpm_fast", NoiseUse.NONE),
    /**
     * DPM-Solver-12/23 with adaptive step size; η = 0 by default (with η &gt; 0 one fresh draw per
     * accepted step).
     */
    DPM_ADAPTIVE("dpm_adaptive", NoiseUse.NONE),
    DPMPP_2S_ANCESTRAL("dpmpp_2s_ancestral", NoiseUse.STEP),
    DPMPP_2S_ANCESTRAL_CFG_PP("dpmpp_2s_ancestral_cfg_pp", NoiseUse.STEP),
    DPMPP_SDE("dpmpp_sde", NoiseUse.BROWNIAN),
    /** ComfyUI draws this Brownian path on the model's device; on the CPU it is {@link #DPMPP_SDE}'s. */
    DPMPP_SDE_GPU("dpmpp_sde_gpu", NoiseUse.BROWNIAN),
    DPMPP_2M("dpmpp_2m", NoiseUse.NONE),
    DPMPP_2M_CFG_PP("dpmpp_2m_cfg_pp", NoiseUse.NONE),
    DPMPP_2M_SDE("dpmpp_2m_sde", NoiseUse.BROWNIAN),
    DPMPP_2M_SDE_GPU("dpmpp_2m_sde_gpu", NoiseUse.BROWNIAN),
    DPMPP_2M_SDE_HEUN("dpmpp_2m_sde_heun", NoiseUse.BROWNIAN),
    DPMPP_2M_SDE_HEUN_GPU("dpmpp_2m_sde_heun_gpu", NoiseUse.BROWNIAN),
    DPMPP_3M_SDE("dpmpp_3m_sde", NoiseUse.BROWNIAN),
    DPMPP_3M_SDE_GPU("dpmpp_3m_sde_gpu", NoiseUse.BROWNIAN),
    DDPM("ddpm", NoiseUse.STEP),
    LCM("lcm", NoiseUse.STEP),
    IPNDM("ipndm", NoiseUse.NONE),
    IPNDM_V("ipndm_v", NoiseUse.NONE),
    DEIS("deis", NoiseUse.NONE),
    /** RES multistep with η = 0: ComfyUI still draws (and scales to zero) one noise per step. */
    RES_MULTISTEP("res_multistep", NoiseUse.NONE),
    RES_MULTISTEP_CFG_PP("res_multistep_cfg_pp", NoiseUse.NONE),
    RES_MULTISTEP_ANCESTRAL("res_multistep_ancestral", NoiseUse.STEP),
    RES_MULTISTEP_ANCESTRAL_CFG_PP("res_multistep_ancestral_cfg_pp", NoiseUse.STEP),
    GRADIENT_ESTIMATION("gradient_estimation", NoiseUse.NONE),
    GRADIENT_ESTIMATION_CFG_PP("gradient_estimation_cfg_pp", NoiseUse.NONE),
    ER_SDE("er_sde", NoiseUse.STEP),
    /** Two draws per step. */
    SEEDS_2("seeds_2", NoiseUse.STEP),
    /** Three draws per step. */
    SEEDS_3("seeds_3", NoiseUse.STEP),
    /** SA-Solver (stochastic Adams predictor-corrector); noise inside its stochastic σ interval. */
    SA_SOLVER("sa_solver", NoiseUse.STEP),
    /** SA-Solver in PECE mode: the model is evaluated again on each corrected state. */
    SA_SOLVER_PECE("sa_solver_pece", NoiseUse.STEP),
    /** ComfyUI's "ddim" runs the Euler sampler (only its inpaint noise differs). */
    DDIM("ddim", NoiseUse.NONE),
    UNI_PC("uni_pc", NoiseUse.NONE),
    UNI_PC_BH2("uni_pc_bh2", NoiseUse.NONE);

    /** How a sampler consumes randomness after the initial noise. */
    public enum NoiseUse {
        /** Deterministic given the initial latent. */
        NONE,
        /** One fresh Gaussian draw per step (ComfyUI default_noise_sampler). */
        STEP,
        /** Brownian-motion increments between σ values (ComfyUI BrownianTreeNoiseSampler). */
        BROWNIAN
    }

    private final String comfyName;
    private final NoiseUse noiseUse;

    SamplerKind(String comfyName, NoiseUse noiseUse) {
        this.comfyName = comfyName;
        this.noiseUse = noiseUse;
    }

    /** The ComfyUI name, e.g. "dpmpp_2m_sde". */
    public String comfyName() {
        return comfyName;
    }

    /** How this sampler consumes randomness after the initial noise. */
    public NoiseUse noiseUse() {
        return noiseUse;
    }

    /**
     * Whether this is a CFG++ form (ComfyUI's {@code _cfg_pp} samplers): it needs the unconditional
     * estimate ({@link Denoiser#denoiseGuided}) and, like ComfyUI's {@code disable_cfg1_optimization},
     * runs the negative pass even at cfg 1.
     */
    public boolean cfgPp() {
        return comfyName.endsWith("_cfg_pp");
    }

    /**
     * ComfyUI's KSampler asks the scheduler for steps+1 σ and drops the penultimate one for these
     * samplers ({@code DISCARD_PENULTIMATE_SIGMA_SAMPLERS}).
     */
    public boolean discardsPenultimateSigma() {
        return this == DPM_2 || this == DPM_2_ANCESTRAL || this == UNI_PC || this == UNI_PC_BH2;
    }

    /** Looks a sampler up by its ComfyUI name, with a clear message listing the known names for any other. */
    public static SamplerKind fromComfyName(String name) {
        for (SamplerKind k : values()) {
            if (k.comfyName.equals(name)) {
                return k;
            }
        }
        String known =
                Arrays.stream(values()).map(SamplerKind::comfyName).collect(Collectors.joining(", "));
        throw new IllegalArgumentException("unknown sampler '" + name + "'; known: " + known);
    }
}
