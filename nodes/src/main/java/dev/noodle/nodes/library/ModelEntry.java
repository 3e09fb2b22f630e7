package dev.noodle.nodes.library;

import java.util.List;

/**
 * One model file as the library records it. Immutable.
 *
 * @param path the file's path under the models root, with '/' separators ({@code loras/x.safetensors})
 * @param type the kind of model
 * @param base the base model
 * @param variant detail such as "LoHa" or "v-prediction", or ""
 * @param size bytes
 * @param mtimeMillis last modification time when recorded
 * @param sha256 full SHA-256, lower-case hex
 * @param autoV2 A1111's AutoV2 / "Model hash": the first 10 hex digits of the SHA-256
 * @param addnetHash the addnet SHA-256 A1111 uses for LoRA hashes (safetensors LoRAs), or ""
 * @param metadataJson the safetensors {@code __metadata__} as a JSON object ("{}" when none)
 * @param triggerWords trigger words (file, sidecars, source)
 * @param sourceUrl where the file was downloaded from, or ""
 * @param pageUrl the model's page, or ""
 * @param title the title the file or page gives, or ""
 * @param notes notes and the page's description, or ""
 * @param previewPath the preview image's path under the models root, or ""
 */
public record ModelEntry(String path, ModelType type, BaseModel base, String variant, long size, long mtimeMillis,
        String sha256, String autoV2, String addnetHash, String metadataJson, List<String> triggerWords,
        String sourceUrl, String pageUrl, String title, String notes, String previewPath) {
    public ModelEntry {
        triggerWords = List.copyOf(triggerWords);
    }

    /** "LoRA (LoHa) for SDXL", as {@link Identification#describe()}. */
    public String describe() {
        return new Identification(type, base, variant, "", "", List.of(), List.of(), java.util.Map.of()).describe();
    }

    /** The file name. */
    public String fileName() {
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
