package dev.noodle.nodes.library;

import java.util.List;
import java.util.Map;

/**
 * What a model file is, told from the file itself: its kind, the base model it was made for and how that was told.
 * Immutable.
 *
 * @param type the kind of model
 * @param base the base model ({@link BaseModel#UNKNOWN} when nothing tells, or for kinds without one)
 * @param variant more detail, or "": "LoHa", "LoKr", "v-prediction", "inpainting", "diffusers layout", "ESRGAN" …
 * @param evidence how the base model was told ("ss_base_model_version sdxl_base_v1-0", "key layout"), or ""
 * @param title the title the file gives itself ({@code modelspec.title}, {@code ss_output_name}), or ""
 * @param triggerWords trigger words the file declares ({@code modelspec.trigger_phrase}), in order
 * @param warnings things worth telling (metadata that contradicts the tensors …)
 * @param metadata the safetensors {@code __metadata__} (empty for pickles)
 */
public record Identification(ModelType type, BaseModel base, String variant, String evidence, String title,
        List<String> triggerWords, List<String> warnings, Map<String, String> metadata) implements IdentifyResult {
    public Identification {
        variant = variant == null ? "" : variant;
        evidence = evidence == null ? "" : evidence;
        title = title == null ? "" : title;
        triggerWords = List.copyOf(triggerWords);
        warnings = List.copyOf(warnings);
        metadata = Map.copyOf(metadata);
    }

    /** Whether a base model means anything for this kind (not for upscalers or CLIP image towers). */
    public boolean hasBase() {
        return type != ModelType.UPSCALER && type != ModelType.CLIP_VISION;
    }

    /** "LoRA (LoHa) for SDXL", "checkpoint for SD 2.x (v-prediction)", "upscaler (ESRGAN)". */
    public String describe() {
        StringBuilder b = new StringBuilder(type.displayName());
        if (!variant.isEmpty()) {
            b.append(" (").append(variant).append(')');
        }
        if (hasBase()) {
            b.append(" for ").append(base.displayName());
        }
        return b.toString();
    }

    /** {@link #describe()} with "a" or "an" before it. */
    public String describeWithArticle() {
        String d = describe();
        return ("aeiouAEIOU".indexOf(d.charAt(0)) >= 0 ? "an " : "a ") + d;
    }

    /** A copy with another base model and the evidence for it. */
    public Identification withBase(BaseModel newBase, String newEvidence) {
        return new Identification(type, newBase, variant, newEvidence, title, triggerWords, warnings, metadata);
    }
}
