package dev.noodle.nodes.sampling;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Plain-words help for each value of the {@code sampler_name} and {@code scheduler} combos, keyed by the ComfyUI
 * names, for the editor's Explain panel and any other place that teaches what a choice does and when to pick it.
 *
 * <p>The table covers ComfyUI's whole KSampler list (its {@code KSAMPLER_NAMES} plus ddim, uni_pc and uni_pc_bh2)
 * and its {@code SCHEDULER_NAMES}, whether or not this build implements a name yet. Pure data; thread-safe.
 */
public final class SamplingHelp {
    /** ComfyUI's tooltip for KSampler's {@code sampler_name} input. */
    public static final String SAMPLER_TOOLTIP =
            "The algorithm used when sampling, this can affect the quality, speed, and style of the generated output.";
    /** ComfyUI's tooltip for KSampler's {@code scheduler} input. */
    public static final String SCHEDULER_TOOLTIP =
            "The scheduler controls how noise is gradually removed to form the image.";

    private static final String SAME_ON_CPU = " The _gpu form draws its noise on the graphics card in ComfyUI; on a"
            + " CPU, and in Noodle, it gives the same numbers as the plain one.";
    private static final String CFG_PP = " CFG++ form (Chung et al. 2024): the guidance is applied to the denoised"
            + " estimate and the step re-noises along the unguided prediction, so it wants a low cfg, about 1–2; at"
            + " the usual 7 it burns.";
    private static final String ANCESTRAL = " Ancestral: each step overshoots to a lower noise level and adds fresh"
            + " random noise back, so the picture keeps changing with the step count and never settles; more variety,"
            + " softer detail.";

    private static final Map<String, String> SAMPLERS = new LinkedHashMap<>();
    private static final Map<String, String> SCHEDULERS = new LinkedHashMap<>();

    static {
        sampler("euler", "Euler: the simplest step, straight along the model's current direction (first order, one"
                + " model call per step). Deterministic: the same seed gives the same image, and more steps converge"
                + " on it. A safe default at 20–30 steps, and with turbo/Lightning models at 4–8.");
        sampler("euler_cfg_pp", "Euler (deterministic, one model call per step)," + CFG_PP);
        sampler("euler_ancestral", "Euler ancestral (A1111: Euler a): Euler with fresh noise every step, one model"
                + " call per step." + ANCESTRAL + " Popular for quick drafts at 20–30 steps.");
        sampler("euler_ancestral_cfg_pp", "Euler ancestral (one model call per step)," + CFG_PP + ANCESTRAL);
        sampler("heun", "Heun: an Euler step, then a correction with a second model call (second order, Karras et"
                + " al. 2022). Deterministic; more accurate per step but twice the time per step.");
        sampler("heunpp2", "Heun++: Heun with an extra third-order correction, up to three model calls per step."
                + " Deterministic and accurate, slow per step.");
        sampler("exp_heun_2_x0", "Exponential Heun on the denoised image: a second-order exponential-integrator step"
                + " with two model calls per step. Deterministic.");
        sampler("exp_heun_2_x0_sde", "Exponential Heun with noise (SDE form of exp_heun_2_x0): two model calls per"
                + " step and fresh noise each step, so results vary with the step count.");
        sampler("dpm_2", "DPM-Solver-2 (Lu et al. 2022): a second-order midpoint step, two model calls per step."
                + " Deterministic. ComfyUI drops the next-to-last noise level for it.");
        sampler("dpm_2_ancestral", "DPM-Solver-2 ancestral (A1111: DPM2 a): two model calls per step." + ANCESTRAL);
        sampler("lms", "Linear multistep (LMS): reuses the directions of up to four earlier steps, one model call per"
                + " step. Deterministic and fast; can be unstable at few steps, best with karras.");
        sampler("dpm_fast", "DPM-Solver fast: spends exactly `steps` model calls in third-, second- and first-order"
                + " steps over its own log-spaced noise levels (it ignores the scheduler). Deterministic.");
        sampler("dpm_adaptive", "DPM-Solver adaptive: chooses its own step sizes until the error is small, so the"
                + " number of model calls is not fixed by `steps` (often 30–100). Deterministic, slow, precise.");
        sampler("dpmpp_2s_ancestral", "DPM++ 2S ancestral (A1111: DPM++ 2S a): a second-order single step with two"
                + " model calls." + ANCESTRAL);
        sampler("dpmpp_2s_ancestral_cfg_pp", "DPM++ 2S ancestral (two model calls per step)," + CFG_PP + ANCESTRAL);
        sampler("dpmpp_sde", "DPM++ SDE: a second-order single step with two model calls and Brownian noise"
                + " (stochastic differential equation): detailed, varied, slow per step; 15–25 steps with karras.");
        sampler("dpmpp_sde_gpu", "DPM++ SDE (stochastic, two model calls per step; see dpmpp_sde)." + SAME_ON_CPU);
        sampler("dpmpp_2m", "DPM++ 2M (Lu et al. 2022): multistep, second order from the previous step's prediction"
                + " for one model call per step. Deterministic and sharp: the usual pick, 20–30 steps with karras.");
        sampler("dpmpp_2m_cfg_pp", "DPM++ 2M (deterministic, one model call per step)," + CFG_PP);
        sampler("dpmpp_2m_sde", "DPM++ 2M SDE: DPM++ 2M with Brownian noise added each step, one model call per step."
                + " More detail and variety than 2M, converges less; 20–30 steps with karras or exponential.");
        sampler("dpmpp_2m_sde_gpu", "DPM++ 2M SDE (stochastic, one model call per step; see dpmpp_2m_sde)."
                + SAME_ON_CPU);
        sampler("dpmpp_2m_sde_heun", "DPM++ 2M SDE with the Heun-type second-order update instead of the midpoint one;"
                + " one model call per step, with Brownian noise each step (stochastic).");
        sampler("dpmpp_2m_sde_heun_gpu", "DPM++ 2M SDE Heun (stochastic, one model call per step; see"
                + " dpmpp_2m_sde_heun)." + SAME_ON_CPU);
        sampler("dpmpp_3m_sde", "DPM++ 3M SDE: third-order multistep with Brownian noise, one model call per step."
                + " Wants more steps (30+) and pairs well with exponential.");
        sampler("dpmpp_3m_sde_gpu", "DPM++ 3M SDE (stochastic, one model call per step; see dpmpp_3m_sde)."
                + SAME_ON_CPU);
        sampler("ddpm", "DDPM (Ho et al. 2020): the original ancestral denoising step, one model call per step."
                + " Stochastic and slow to converge: needs many steps (50+).");
        sampler("lcm", "LCM (latent consistency): each step jumps to a finished image and re-noises it to the next"
                + " level, one model call per step. For LCM, Lightning, Hyper and turbo models or LoRAs:"
                + " 4–8 steps, cfg 1–2, sgm_uniform or"
                + " simple. On an ordinary model it gives poor results.");
        sampler("ipndm", "iPNDM (improved pseudo-numerical, Zhang & Chen 2023): fourth-order multistep from earlier"
                + " steps, one model call per step. Deterministic; good at 10–20 steps.");
        sampler("ipndm_v", "iPNDM with variable step sizes: the same idea weighted for uneven noise levels (karras,"
                + " exponential). Deterministic, one model call per step.");
        sampler("deis", "DEIS (Zhang & Chen 2022): an exponential-integrator multistep solver, one model call per"
                + " step. Deterministic and strong at few steps (10–20).");
        sampler("res_multistep", "RES multistep: a second-order exponential multistep solver, one model call per step."
                + " Deterministic; good quality at 20 steps.");
        sampler("res_multistep_cfg_pp", "RES multistep (deterministic, one model call per step)," + CFG_PP);
        sampler("res_multistep_ancestral", "RES multistep ancestral: one model call per step." + ANCESTRAL);
        sampler("res_multistep_ancestral_cfg_pp", "RES multistep ancestral (one model call per step)," + CFG_PP
                + ANCESTRAL);
        sampler("gradient_estimation", "Gradient estimation (Permenter & Yuan 2024): Euler with a correction from the"
                + " previous step's prediction, one model call per step. Deterministic; good at 10–20 steps.");
        sampler("gradient_estimation_cfg_pp", "Gradient estimation (deterministic, one model call per step),"
                + CFG_PP);
        sampler("er_sde", "ER-SDE (Cui et al. 2023): an extended reverse-time SDE solver up to third order, one"
                + " model call per step, with fresh noise each step: stochastic, good detail at 20–30 steps.");
        sampler("seeds_2", "SEEDS-2 (Gonzalez et al. 2023): a stochastic exponential solver of second order, two"
                + " model calls per step.");
        sampler("seeds_3", "SEEDS-3: the third-order stochastic exponential solver, three model calls per step.");
        sampler("sa_solver", "SA-Solver (Xue et al. 2023): a stochastic Adams multistep predictor-corrector, one"
                + " model call per step; noise is added in the middle part of the schedule.");
        sampler("sa_solver_pece", "SA-Solver PECE: predict, evaluate, correct, evaluate: two model calls per step for"
                + " a more accurate stochastic multistep step.");
        sampler("ddim", "DDIM (Song et al. 2021): in ComfyUI this runs the Euler step (the same deterministic update"
                + " in noise-level terms). One model call per step; pair it with ddim_uniform to match other DDIM tools.");
        sampler("uni_pc", "UniPC (Zhao et al. 2023): a multistep predictor with a corrector that reuses the next"
                + " model call, up to third order, one call per step. Deterministic; among the best at 10–20 steps."
                + " ComfyUI drops the next-to-last noise level for it.");
        sampler("uni_pc_bh2", "UniPC with the B(h) = eʰ − 1 variant the paper recommends for guided (cfg > 1)"
                + " sampling; otherwise as uni_pc, one model call per step.");

        scheduler("simple", "Simple: evenly spaced over the model's own table of 1000 noise levels. A good general"
                + " default; also fine for turbo and LCM models.");
        scheduler("sgm_uniform", "SGM uniform: like normal, but spaced as Stability's own sampler code does (one"
                + " point more, the smallest dropped). The usual choice for LCM, Lightning and turbo models.");
        scheduler("karras", "Karras (Karras et al. 2022, ρ = 7): big steps at high noise and many small ones near the"
                + " end, where fine detail forms. Pairs well with dpmpp_2m and the SDE samplers at 20–30 steps.");
        scheduler("exponential", "Exponential: noise levels evenly spaced in log σ; fewer tiny steps at the end than"
                + " karras. Pairs well with dpmpp_3m_sde and dpmpp_2m_sde.");
        scheduler("ddim_uniform", "DDIM uniform: every (1000 / steps)-th timestep, as DDIM chose them. Pair with"
                + " ddim to match other DDIM tools.");
        scheduler("beta", "Beta (Lee et al. 2024): timesteps at the quantiles of a Beta(0.6, 0.6) distribution, so"
                + " steps crowd at both the start (composition) and the end (detail).");
        scheduler("normal", "Normal: timesteps evenly spaced between the highest and the lowest noise level the model"
                + " knows. ComfyUI's classic default.");
        scheduler("linear_quadratic", "Linear-quadratic: linear spacing for the first half of the steps, then"
                + " quadratic, spending more steps at high noise (composition).");
        scheduler("kl_optimal", "KL-optimal (Sabour et al. 2024, Align Your Steps): noise levels evenly spaced in"
                + " arctan σ, a schedule derived to minimise the sampling error; good at few steps.");
    }

    private SamplingHelp() {}

    private static void sampler(String name, String text) {
        SAMPLERS.put(name, text);
    }

    private static void scheduler(String name, String text) {
        SCHEDULERS.put(name, text);
    }

    /** The help for a {@code sampler_name} value (a ComfyUI sampler name), if it has one. */
    public static Optional<String> sampler(String name) {
        return Optional.ofNullable(SAMPLERS.get(name));
    }

    /** The help for a {@code scheduler} value (a ComfyUI scheduler name), if it has one. */
    public static Optional<String> scheduler(String name) {
        return Optional.ofNullable(SCHEDULERS.get(name));
    }

    /**
     * The help for a value of a combo input named {@code sampler_name} or {@code scheduler} (as on KSampler,
     * KSamplerAdvanced, KSamplerSelect and BasicScheduler); empty for other inputs and unknown values.
     */
    public static Optional<String> forOption(String inputName, String value) {
        if (value == null) {
            return Optional.empty();
        }
        return switch (inputName) {
            case "sampler_name" -> sampler(value);
            case "scheduler" -> scheduler(value);
            default -> Optional.empty();
        };
    }

    /** Every sampler name with help, in ComfyUI's KSampler order. */
    public static Set<String> samplerNames() {
        return java.util.Collections.unmodifiableSet(SAMPLERS.keySet());
    }

    /** Every scheduler name with help, in ComfyUI's order. */
    public static Set<String> schedulerNames() {
        return java.util.Collections.unmodifiableSet(SCHEDULERS.keySet());
    }
}
