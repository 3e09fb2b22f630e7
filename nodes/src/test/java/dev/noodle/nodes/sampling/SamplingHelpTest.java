package dev.noodle.nodes.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.engine.sampling.SamplerKind;
import dev.noodle.engine.sampling.Scheduler;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every sampler and scheduler has plain-words help, so a new one without a text fails here. */
class SamplingHelpTest {
    /** ComfyUI's KSampler list: comfy/samplers.py KSAMPLER_NAMES + ["ddim", "uni_pc", "uni_pc_bh2"]. */
    static final List<String> COMFY_SAMPLERS = List.of("euler", "euler_cfg_pp", "euler_ancestral",
            "euler_ancestral_cfg_pp", "heun", "heunpp2", "exp_heun_2_x0", "exp_heun_2_x0_sde", "dpm_2",
            "dpm_2_ancestral", "lms", "dpm_fast", "dpm_adaptive", "dpmpp_2s_ancestral", "dpmpp_2s_ancestral_cfg_pp",
            "dpmpp_sde", "dpmpp_sde_gpu", "dpmpp_2m", "dpmpp_2m_cfg_pp", "dpmpp_2m_sde", "dpmpp_2m_sde_gpu",
            "dpmpp_2m_sde_heun", "dpmpp_2m_sde_heun_gpu", "dpmpp_3m_sde", "dpmpp_3m_sde_gpu", "ddpm", "lcm", "ipndm",
            "ipndm_v", "deis", "res_multistep", "res_multistep_cfg_pp", "res_multistep_ancestral",
            "res_multistep_ancestral_cfg_pp", "gradient_estimation", "gradient_estimation_cfg_pp", "er_sde",
            "seeds_2", "seeds_3", "sa_solver", "sa_solver_pece", "ddim", "uni_pc", "uni_pc_bh2");

    @Test
    void everySamplerNoodleHasIsExplained() {
        for (SamplerKind k : SamplerKind.values()) {
            assertTrue(SamplingHelp.sampler(k.comfyName()).isPresent(), "no help text for sampler " + k.comfyName());
            assertEquals(SamplingHelp.sampler(k.comfyName()), SamplingHelp.forOption("sampler_name", k.comfyName()));
        }
    }

    @Test
    void everySchedulerNoodleHasIsExplained() {
        for (Scheduler s : Scheduler.values()) {
            assertTrue(SamplingHelp.scheduler(s.comfyName()).isPresent(), "no help text for scheduler "
                    + s.comfyName());
            assertEquals(SamplingHelp.scheduler(s.comfyName()), SamplingHelp.forOption("scheduler", s.comfyName()));
        }
    }

    @Test
    void theTableIsComfyUisWholeListInItsOrder() {
        assertEquals(COMFY_SAMPLERS, List.copyOf(SamplingHelp.samplerNames()));
        assertEquals(List.of("simple", "sgm_uniform", "karras", "exponential", "ddim_uniform", "beta", "normal",
                "linear_quadratic", "kl_optimal"), List.copyOf(SamplingHelp.schedulerNames()));
    }

    @Test
    void theTextsSayWhatKindOfSamplerEachIs() {
        Set<String> seen = new HashSet<>();
        for (String name : SamplingHelp.samplerNames()) {
            String text = SamplingHelp.sampler(name).orElseThrow();
            assertTrue(seen.add(text), "two samplers share one text: " + name);
            assertTrue(text.endsWith("."), name + ": a sentence");
            if (name.contains("ancestral")) {
                assertTrue(text.contains("fresh random noise"), name + " says it adds noise each step");
            }
            if (name.endsWith("_cfg_pp")) {
                assertTrue(text.contains("CFG++") && text.contains("low cfg"), name + " says to lower cfg");
            }
            if (name.endsWith("_gpu")) {
                assertTrue(text.contains("same numbers"), name + " says it matches its CPU twin");
            }
            if (name.contains("sde")) {
                assertTrue(text.contains("noise"), name + " says it is stochastic");
            }
            assertTrue(text.matches("(?s).*(model calls?|Deterministic|stochastic).*"), name
                    + " says its cost or whether it is deterministic");
        }
        assertTrue(SamplingHelp.sampler("lcm").orElseThrow().contains("4–8 steps"));
    }

    @Test
    void otherInputsAndUnknownValuesHaveNoHelp() {
        assertFalse(SamplingHelp.forOption("ckpt_name", "euler").isPresent());
        assertFalse(SamplingHelp.forOption("sampler_name", "no_such_sampler").isPresent());
        assertFalse(SamplingHelp.forOption("scheduler", null).isPresent());
        assertFalse(SamplingHelp.SAMPLER_TOOLTIP.isBlank());
    }
}
