package dev.noodle.nodes.library;

import dev.noodle.nodes.host.ModelKind;
import java.util.Locale;
import java.util.Optional;

/** What a model file is, and the folder under the models root it belongs in. */
public enum ModelType {
    CHECKPOINT("checkpoint", "checkpoint", ModelKind.CHECKPOINTS),
    LORA("lora", "LoRA", ModelKind.LORAS),
    /** LyCORIS networks other than plain LoRA/LoCon: LoHa, LoKr, full-difference. */
    LYCORIS("lycoris", "LyCORIS", ModelKind.LORAS),
    EMBEDDING("embedding", "embedding", ModelKind.EMBEDDINGS),
    HYPERNETWORK("hypernetwork", "hypernetwork", ModelKind.HYPERNETWORKS),
    VAE("vae", "VAE", ModelKind.VAE),
    /** TAESD encoder or decoder (previews, fast VAE). */
    TAESD("taesd", "TAESD", ModelKind.VAE_APPROX),
    CONTROLNET("controlnet", "ControlNet", ModelKind.CONTROLNET),
    T2I_ADAPTER("t2i-adapter", "T2I-Adapter", ModelKind.CONTROLNET),
    UPSCALER("upscaler", "upscaler", ModelKind.UPSCALE_MODELS),
    CLIP_VISION("clip-vision", "CLIP vision model", ModelKind.CLIP_VISION),
    IP_ADAPTER("ip-adapter", "IP-Adapter", ModelKind.IPADAPTER),
    STYLE_MODEL("style-model", "style model", ModelKind.STYLE_MODELS),
    GLIGEN("gligen", "GLIGEN model", ModelKind.GLIGEN);

    private final String id;
    private final String displayName;
    private final ModelKind folder;

    ModelType(String id, String displayName, ModelKind folder) {
        this.id = id;
        this.displayName = displayName;
        this.folder = folder;
    }

    /** Short name for the command line and the database (lora, checkpoint, t2i-adapter …). */
    public String id() {
        return id;
    }

    /** "LoRA", "checkpoint", "T2I-Adapter": the kind as users call it. */
    public String displayName() {
        return displayName;
    }

    /** The models folder the kind is filed in. */
    public ModelKind folder() {
        return folder;
    }

    /**
     * Whether a list filtered by {@code filter} shows this kind: the same kind, or a LyCORIS network under a LoRA
     * filter (both are loaded by the LoRA loaders).
     */
    public boolean shownUnder(ModelType filter) {
        return this == filter || (filter == LORA && this == LYCORIS);
    }

    /** Parses a command-line or database name (also the display name, case-insensitively). */
    public static Optional<ModelType> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String t = text.strip().toLowerCase(Locale.ROOT).replace('_', '-');
        for (ModelType m : values()) {
            if (m.id.equals(t) || m.displayName.toLowerCase(Locale.ROOT).equals(t) || m.name().toLowerCase(Locale.ROOT)
                    .replace('_', '-').equals(t)) {
                return Optional.of(m);
            }
        }
        return switch (t) {
            case "checkpoints", "model" -> Optional.of(CHECKPOINT);
            case "loras", "locon" -> Optional.of(LORA);
            case "loha", "lokr" -> Optional.of(LYCORIS);
            case "embeddings", "textual-inversion", "ti" -> Optional.of(EMBEDDING);
            case "vae-approx" -> Optional.of(TAESD);
            case "ipadapter" -> Optional.of(IP_ADAPTER);
            default -> Optional.empty();
        };
    }
}
