package dev.noodle.nodes.sampling;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The sampler settings each few-step LoRA or distilled checkpoint was made for: LCM-LoRA, SD-Turbo/SDXL-Turbo,
 * SDXL-Lightning, Hyper-SD and TCD. One table; every value is a fact from the family's model card or ComfyUI's own
 * example workflow, named in {@link Preset#source()}. Pure data; thread-safe.
 *
 * <p>The distilled models learned to reach a clean image in their own number of steps without classifier-free
 * guidance (the cards' {@code guidance_scale=0}, ComfyUI's cfg 1, which runs one UNet pass per step): more steps or a
 * higher cfg push them off what they learned and over-saturate ("burn") the image. The CFG-preserved Hyper-SD LoRAs are
 * the exception, made for cfg 5–8 with a negative prompt.
 */
public final class FewStepPresets {
    /**
     * One preset.
     *
     * @param id the name on the command line ({@code --preset lightning-4})
     * @param family "LCM", "Turbo", "SDXL-Lightning", "Hyper-SD", "TCD"
     * @param label a short name for people: "LCM 4 steps"
     * @param sampler the KSampler {@code sampler_name}
     * @param scheduler the KSampler {@code scheduler}
     * @param steps the number of steps
     * @param cfg the guidance scale (1 = no guidance: one UNet pass per step)
     * @param modelSampling the ModelSamplingDiscrete {@code sampling} the family wants, or "" to leave the model's own
     * @param size the latent width and height in pixels the family was distilled at, or 0 to leave the image size
     * @param note one line: what the family is and what goes wrong off these settings
     * @param source where the values come from
     */
    public record Preset(String id, String family, String label, String sampler, String scheduler, int steps,
            double cfg, String modelSampling, int size, String note, String source) {
        /** "lcm/sgm_uniform, 4 steps, cfg 1" (and the model sampling and size where the preset sets them). */
        public String settings() {
            StringBuilder b = new StringBuilder(sampler + "/" + scheduler + ", " + steps + (steps == 1 ? " step" : " steps")
                    + ", cfg " + cfgText(cfg));
            if (!modelSampling.isEmpty()) {
                b.append(", ModelSamplingDiscrete ").append(modelSampling);
            }
            if (size > 0) {
                b.append(", ").append(size).append('×').append(size);
            }
            return b.toString();
        }

        /** The one-line offer: "Few-step preset: LCM 4 steps — lcm/sgm_uniform, 4 steps, cfg 1 — why". */
        public String offer() {
            return "Few-step preset: " + label + " — " + settings() + " — " + note;
        }
    }

    private static String cfgText(double cfg) {
        return cfg == Math.rint(cfg) ? String.valueOf((long) cfg) : String.valueOf(cfg);
    }

    private static final String LCM_CARD = "latent-consistency/lcm-lora-sdv1-5 and lcm-lora-sdxl model cards"
            + " (LCMScheduler, 2–8 steps, guidance disabled or 1.0–2.0); ComfyUI_examples lcm/ (lcm sampler,"
            + " sgm_uniform or simple, low cfg, ModelSamplingDiscrete lcm recommended; its workflow: 5 steps, cfg 1.8)";
    private static final String TURBO_CARD = "stabilityai/sd-turbo and sdxl-turbo model cards (1 step,"
            + " guidance_scale 0.0, 512×512); ComfyUI_examples sdturbo/ (SDTurboScheduler 1 step, euler_ancestral,"
            + " cfg 1.0, 512×512)";
    private static final String LIGHTNING_CARD = "ByteDance/SDXL-Lightning model card (use the checkpoint of the step"
            + " count; ComfyUI: Euler sampler with sgm_uniform scheduler; guidance_scale 0; the 1-step UNet predicts x0)";
    private static final String HYPER_CARD = "ByteDance/Hyper-SD model card (N-step LoRAs: DDIMScheduler with"
            + " timestep_spacing trailing, guidance_scale 0; in ComfyUI ddim runs the Euler step and sgm_uniform"
            + " spaces the steps as trailing does)";
    private static final String HYPER_CFG_CARD = "ByteDance/Hyper-SD model card (8- and 12-step CFG-preserved"
            + " LoRAs: support 5~8 guidance scales with negative prompts; DDIMScheduler, trailing)";
    private static final String HYPER_1_CARD = "ByteDance/Hyper-SD model card (1-step unified LoRA: TCDScheduler,"
            + " eta 1.0, guidance_scale 0); TCD at eta (gamma) 1 re-noises from the predicted clean image as the"
            + " lcm sampler does";
    private static final String TCD_CARD = "h1t/TCD-SD15-LoRA and TCD-SDXL-LoRA model cards (TCDScheduler, 4 steps,"
            + " guidance_scale 0, eta 0.3). Noodle has no TCD sampler: the lcm sampler is TCD at eta 1 (its"
            + " stochastic end), softer in detail than the card's 0.3";

    private static final String DISTILLED = "distilled for %s; more steps or higher cfg burn the image";

    private static final List<Preset> ALL = List.of(
            new Preset("lcm", "LCM", "LCM 4 steps", "lcm", "sgm_uniform", 4, 1.5, "lcm", 0,
                    "this LoRA/model was distilled for 2–8 steps with the lcm sampler; more steps or cfg above 2 burn"
                            + " the image",
                    LCM_CARD),
            new Preset("lcm-8", "LCM", "LCM 8 steps", "lcm", "sgm_uniform", 8, 1.5, "lcm", 0,
                    "LCM's upper end (2–8 steps) for more detail; cfg above 2 burns the image", LCM_CARD),
            new Preset("turbo", "Turbo", "Turbo 1 step", "euler_ancestral", "sgm_uniform", 1, 1.0, "", 512,
                    "SD-Turbo/SDXL-Turbo were distilled for 1 step at 512×512 without guidance; cfg above 1 burns"
                            + " the image (at 1 step sgm_uniform gives SDTurboScheduler's σ)",
                    TURBO_CARD),
            new Preset("lightning-1", "SDXL-Lightning", "Lightning 1 step", "euler", "sgm_uniform", 1, 1.0, "x0", 0,
                    "the 1-step Lightning UNet predicts the clean image (x0); it needs ModelSamplingDiscrete x0 and"
                            + " cfg 1",
                    LIGHTNING_CARD),
            lightning(2), lightning(4), lightning(8),
            new Preset("hyper-1", "Hyper-SD", "Hyper-SD 1 step", "lcm", "sgm_uniform", 1, 1.0, "", 0,
                    "the 1-step unified Hyper-SD LoRA wants TCD at eta 1, which is what the lcm sampler does;"
                            + " cfg above 1 burns the image",
                    HYPER_1_CARD),
            hyper(2), hyper(4), hyper(8),
            new Preset("hyper-8-cfg", "Hyper-SD", "Hyper-SD 8 steps (CFG-preserved)", "ddim", "sgm_uniform", 8, 5.0, "",
                    0, "the CFG-preserved Hyper-SD LoRA keeps guidance and negative prompts at 8 steps (cfg 5–8)",
                    HYPER_CFG_CARD),
            new Preset("hyper-12-cfg", "Hyper-SD", "Hyper-SD 12 steps (CFG-preserved)", "ddim", "sgm_uniform", 12, 5.0,
                    "", 0, "the CFG-preserved Hyper-SD LoRA keeps guidance and negative prompts at 12 steps (cfg 5–8)",
                    HYPER_CFG_CARD),
            new Preset("tcd", "TCD", "TCD 4 steps", "lcm", "sgm_uniform", 4, 1.0, "", 0,
                    "this TCD LoRA was distilled for few steps without guidance; run here with the lcm sampler"
                            + " (TCD at eta 1); cfg above 1 burns the image",
                    TCD_CARD));

    private static Preset lightning(int n) {
        return new Preset("lightning-" + n, "SDXL-Lightning", "Lightning " + n + " steps", "euler", "sgm_uniform", n,
                1.0, "", 0, "this Lightning model was " + String.format(Locale.ROOT, DISTILLED, n + " steps"),
                LIGHTNING_CARD);
    }

    private static Preset hyper(int n) {
        return new Preset("hyper-" + n, "Hyper-SD", "Hyper-SD " + n + " steps", "ddim", "sgm_uniform", n, 1.0, "", 0,
                "this Hyper-SD LoRA was " + String.format(Locale.ROOT, DISTILLED, n + " steps"), HYPER_CARD);
    }

    private FewStepPresets() {}

    /** Every preset, in the table's order. */
    public static List<Preset> all() {
        return ALL;
    }

    /** The preset named {@code id} (case-insensitive), if any. */
    public static Optional<Preset> find(String id) {
        if (id == null) {
            return Optional.empty();
        }
        String want = id.strip().toLowerCase(Locale.ROOT);
        return ALL.stream().filter(p -> p.id().equals(want)).findFirst();
    }

    /** The preset named {@code id}, or an exception whose one line lists the known names. */
    public static Preset require(String id) {
        return find(id).orElseThrow(() -> new IllegalArgumentException("unknown preset '" + id + "'; known: "
                + ids()));
    }

    /** "lcm, lcm-8, turbo, …". */
    public static String ids() {
        return ALL.stream().map(Preset::id).collect(Collectors.joining(", "));
    }

    /** The table as text, one preset a line: id, label, settings. */
    public static String table() {
        int w = ALL.stream().mapToInt(p -> p.id().length()).max().orElse(0);
        return ALL.stream().map(p -> String.format(Locale.ROOT, "%-" + w + "s  %s: %s", p.id(), p.label(),
                p.settings())).collect(Collectors.joining("\n"));
    }

    /** Whether {@code values} (the sampler's steps, cfg, sampler and scheduler) are already the preset's. */
    public static boolean matches(Preset p, Object steps, Object cfg, Object sampler, Object scheduler) {
        return steps instanceof Number s && s.longValue() == p.steps()
                && cfg instanceof Number c && Math.abs(c.doubleValue() - p.cfg()) < 1e-9
                && p.sampler().equals(sampler) && p.scheduler().equals(scheduler);
    }

}
