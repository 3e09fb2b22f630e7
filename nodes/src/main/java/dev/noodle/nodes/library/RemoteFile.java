package dev.noodle.nodes.library;

import dev.noodle.nodes.host.ModelKind;
import java.net.URI;
import java.util.List;
import java.util.Locale;

/**
 * A model file as its site describes it, before download: where to fetch it and what its page says. Immutable.
 *
 * @param download the file's download address
 * @param site the site
 * @param pageUrl the page a person opens for it
 * @param sha256 the published SHA-256 (lower-case hex), or null when the site publishes none
 * @param size the published size in bytes, or -1
 * @param fileName the published file name
 * @param modelName the model's name on its page, or null
 * @param versionName the version's name, or null
 * @param modelType the site's word for the kind (Civitai: Checkpoint, LORA, LoCon, TextualInversion, Hypernetwork,
 *     VAE, Controlnet, Upscaler …), or null
 * @param baseModel the site's base model (Civitai: "SD 1.5", "SDXL 1.0", "Pony" …), or null
 * @param triggerWords the words that trigger it (Civitai's trainedWords), possibly empty
 * @param notes the page's description, or null
 */
public record RemoteFile(URI download, RemoteSite site, String pageUrl, String sha256, long size, String fileName,
        String modelName, String versionName, String modelType, String baseModel, List<String> triggerWords,
        String notes) {
    public RemoteFile {
        triggerWords = List.copyOf(triggerWords);
        sha256 = sha256 == null ? null : sha256.toLowerCase(Locale.ROOT);
    }

    /** The models folder the site's kind suggests, or null when the site gives none Noodle knows. */
    public ModelKind kindHint() {
        return kindOf(modelType);
    }

    /** Civitai's model types to model folders. */
    static ModelKind kindOf(String type) {
        if (type == null) {
            return null;
        }
        return switch (type.toLowerCase(Locale.ROOT).replace(" ", "")) {
            case "checkpoint" -> ModelKind.CHECKPOINTS;
            case "lora", "locon", "dora", "lycoris" -> ModelKind.LORAS;
            case "textualinversion", "embedding" -> ModelKind.EMBEDDINGS;
            case "hypernetwork" -> ModelKind.HYPERNETWORKS;
            case "vae" -> ModelKind.VAE;
            case "controlnet" -> ModelKind.CONTROLNET;
            case "upscaler" -> ModelKind.UPSCALE_MODELS;
            default -> null;
        };
    }
}
