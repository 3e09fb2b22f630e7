package dev.noodle.nodes.interop;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Translates AUTOMATIC1111 sampler and schedule names to ComfyUI's {@code sampler_name}/{@code scheduler} and back.
 *
 * <p>Older A1111 versions (before 1.9) folded the schedule into the sampler name ("DPM++ 2M Karras"); newer ones write
 * "Schedule type: Karras". Both are read. Thread-safe (immutable tables).
 */
public final class A1111Samplers {
    private static final Map<String, String> SAMPLERS = new LinkedHashMap<>();
    private static final Map<String, String> SCHEDULES = new LinkedHashMap<>();

    static {
        String[][] samplers = {
            {"Euler a", "euler_ancestral"}, {"Euler", "euler"}, {"LMS", "lms"}, {"Heun", "heun"},
            {"DPM2", "dpm_2"}, {"DPM2 a", "dpm_2_ancestral"}, {"DPM++ 2S a", "dpmpp_2s_ancestral"},
            {"DPM++ 2M", "dpmpp_2m"}, {"DPM++ SDE", "dpmpp_sde"}, {"DPM++ 2M SDE", "dpmpp_2m_sde"},
            {"DPM++ 3M SDE", "dpmpp_3m_sde"}, {"DPM fast", "dpm_fast"}, {"DPM adaptive", "dpm_adaptive"},
            {"LCM", "lcm"}, {"DDIM", "ddim"}, {"UniPC", "uni_pc"}, {"DDPM", "ddpm"},
        };
        for (String[] s : samplers) {
            SAMPLERS.put(s[0], s[1]);
        }
        String[][] schedules = {
            {"Automatic", "normal"}, {"Karras", "karras"}, {"Exponential", "exponential"},
            {"SGM Uniform", "sgm_uniform"}, {"Simple", "simple"}, {"Normal", "normal"}, {"DDIM", "ddim_uniform"},
            {"Beta", "beta"}, {"KL Optimal", "kl_optimal"}, {"Uniform", "normal"}, {"Polyexponential", "exponential"},
        };
        for (String[] s : schedules) {
            SCHEDULES.put(s[0], s[1]);
        }
    }

    private A1111Samplers() {}

    /** ComfyUI sampler and scheduler for an A1111 sampler name and schedule type (either may be null). */
    public record Choice(String sampler, String scheduler) {}

    /** Maps "Euler a" → euler_ancestral/normal, "DPM++ 2M Karras" → dpmpp_2m/karras, ...; unknown names are errors. */
    public static Choice toComfy(String a1111Sampler, String scheduleType) {
        String name = a1111Sampler == null ? "Euler a" : a1111Sampler.strip();
        String scheduler = null;
        for (String suffix : new String[] {" Karras", " Exponential"}) {
            if (name.endsWith(suffix) && !SAMPLERS.containsKey(name)) {
                name = name.substring(0, name.length() - suffix.length());
                scheduler = suffix.strip().toLowerCase(Locale.ROOT);
            }
        }
        String sampler = SAMPLERS.get(name);
        if (sampler == null) {
            throw new IllegalArgumentException("unknown AUTOMATIC1111 sampler '" + a1111Sampler + "' (known: "
                    + String.join(", ", SAMPLERS.keySet()) + ")");
        }
        if (scheduler == null) {
            scheduler = scheduleType == null ? "normal" : SCHEDULES.getOrDefault(scheduleType.strip(), "normal");
        }
        return new Choice(sampler, scheduler);
    }

    /** The A1111 sampler name for a ComfyUI sampler name, or the name itself when A1111 has none. */
    public static String samplerToA1111(String comfy) {
        for (Map.Entry<String, String> e : SAMPLERS.entrySet()) {
            if (e.getValue().equals(comfy)) {
                return e.getKey();
            }
        }
        return comfy;
    }

    /** The A1111 schedule type for a ComfyUI scheduler ("Normal" for normal), or the name itself. */
    public static String scheduleToA1111(String comfy) {
        for (Map.Entry<String, String> e : SCHEDULES.entrySet()) {
            if (e.getValue().equals(comfy) && !e.getKey().equals("Automatic") && !e.getKey().equals("Uniform")
                    && !e.getKey().equals("Polyexponential")) {
                return e.getKey();
            }
        }
        return comfy;
    }
}
