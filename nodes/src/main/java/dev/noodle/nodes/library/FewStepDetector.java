package dev.noodle.nodes.library;

import dev.noodle.nodes.sampling.FewStepPresets;
import dev.noodle.nodes.sampling.FewStepPresets.Preset;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tells which few-step preset a LoRA or checkpoint was made for, from what the file says about itself: the titles and
 * comments in its safetensors {@code __metadata__} (kohya's {@code ss_output_name}, {@code ss_training_comment},
 * {@code modelspec.title}, {@code modelspec.description} …), and, as a weaker signal that the result says it used,
 * the file's name ("sdxl_lightning_4step_lora", "Hyper-SD15-8steps-CFG-lora", "lcm-lora-sdv1-5"). The published
 * few-step LoRAs train the same modules as any LoCon (see {@code TinyLoras}), so their keys tell nothing apart.
 * A detection is an offer for people to accept, never applied by itself. Stateless and thread-safe.
 */
public final class FewStepDetector {
    /**
     * A preset told from a file.
     *
     * @param preset the preset
     * @param evidence what told it: "ss_output_name Hyper-SD15-8steps-lora", "file name sdxl_lightning_4step_lora"
     * @param fromName whether only the file name told it (a weaker signal: files are renamed)
     */
    public record Detection(Preset preset, String evidence, boolean fromName) {
        /** "Hyper-SD 8 steps (told by ss_output_name …)" or "(guessed from the file name …)". */
        public String describe() {
            return preset.label() + (fromName ? " (guessed from the " : " (told by ") + evidence + ")";
        }
    }

    /** The metadata fields that name or describe a model, most specific first. */
    static final List<String> FIELDS = List.of("modelspec.title", "ss_output_name", "name", "modelspec.description",
            "ss_training_comment", "modelspec.tags", "description");

    private static final Set<ModelType> KINDS = Set.of(ModelType.LORA, ModelType.LYCORIS, ModelType.CHECKPOINT);
    private static final Pattern HYPER = Pattern.compile(
            "\\bhyper ?sd(?:xl|15|1 ?5)?\\b.*?\\b(\\d+) ?steps?\\b(.*\\bcfg\\b)?");
    private static final Pattern LIGHTNING = Pattern.compile("\\blightning\\b.*?\\b(\\d+) ?steps?\\b");
    private static final Pattern LCM = Pattern.compile("\\blcm\\b|\\blatent consistency\\b");
    private static final Pattern TCD = Pattern.compile("\\btcd\\b|\\btrajectory consistency\\b");
    private static final Pattern TURBO = Pattern.compile("\\b(?:sd ?xl |sd |sdxl)?turbo\\b");

    private FewStepDetector() {}

    /** Detects from a file on disk (identified first); empty for a file that is not a few-step one or is unreadable. */
    public static Optional<Detection> detect(Path file) {
        IdentifyResult r = ModelIdentifier.identify(file);
        if (!(r instanceof Identification id)) {
            return Optional.empty();
        }
        return detect(id, file.getFileName().toString());
    }

    /**
     * Detects from an identified file.
     *
     * @param fileName the file's name (a weaker signal than the metadata)
     */
    public static Optional<Detection> detect(Identification id, String fileName) {
        if (!KINDS.contains(id.type())) {
            return Optional.empty();
        }
        Map<String, String> meta = id.metadata();
        for (String field : FIELDS) {
            String v = meta.get(field);
            if (v != null && !v.isBlank()) {
                Optional<Preset> p = fromText(v);
                if (p.isPresent()) {
                    return Optional.of(new Detection(p.get(), field + " " + shorten(v.strip()), false));
                }
            }
        }
        String stem = fileName.replaceFirst("(?i)\\.(safetensors|ckpt|pt|pth|bin)$", "");
        return fromText(stem).map(p -> new Detection(p, "file name " + stem, true));
    }

    /** The preset a title, comment or file name names, if any. */
    static Optional<Preset> fromText(String text) {
        String t = " " + text.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", " ") + " ";
        Matcher m = HYPER.matcher(t);
        if (m.find()) {
            String id = "hyper-" + Integer.parseInt(m.group(1)) + (m.group(2) != null ? "-cfg" : "");
            return FewStepPresets.find(id);
        }
        m = LIGHTNING.matcher(t);
        if (m.find()) {
            return FewStepPresets.find("lightning-" + Integer.parseInt(m.group(1)));
        }
        if (LCM.matcher(t).find()) {
            return FewStepPresets.find("lcm");
        }
        if (TCD.matcher(t).find()) {
            return FewStepPresets.find("tcd");
        }
        if (TURBO.matcher(t).find()) {
            return FewStepPresets.find("turbo");
        }
        return Optional.empty();
    }

    private static String shorten(String v) {
        String one = v.lines().findFirst().orElse(v);
        return one.length() > 60 ? one.substring(0, 60) + "…" : one;
    }
}
