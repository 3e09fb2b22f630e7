package dev.noodle.nodes.host;

import dev.noodle.engine.adapters.Lora;
import dev.noodle.engine.io.ModelFiles;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.SafetensorsException;
import dev.noodle.engine.io.SafetensorsFile;
import dev.noodle.engine.model.ModelFamily;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a model file's first bytes and header say about it, for lists that show files before they are loaded: whether
 * it can be a usable model at all (bad-inputs S1) and, for a LoRA, the base model it was made for ({@code
 * ss_base_model_version} metadata, else guessed from key names and widths as {@link Lora#family()} does). Tensor data
 * is never read. Stateless and thread-safe; every call reads the file.
 */
public final class ModelFileFacts {
    /** Kinds whose format is checked from the first bytes (embeddings may be legacy .pt files other code reads). */
    static final Set<ModelKind> CHECKED = Set.of(ModelKind.CHECKPOINTS, ModelKind.VAE, ModelKind.LORAS);

    private ModelFileFacts() {}

    /** Whether {@link #problem} reads the file's header for this kind (the others are judged by size alone). */
    public static boolean readsHeader(ModelKind kind) {
        return CHECKED.contains(kind);
    }

    /**
     * Why a file cannot be a usable model (bad-inputs S1), or empty: any file under 8 bytes is "invalid" (no model
     * format is that small); checkpoints, VAEs and LoRAs are told by their first bytes, and a safetensors one must have
     * a valid header (read and checked; tensor data is never read). Zip checkpoints are not opened here.
     */
    public static Optional<String> problem(ModelKind kind, Path file, long size) {
        if (size == 0) {
            return Optional.of("invalid: empty file");
        }
        if (size < 8) {
            return Optional.of("invalid: too small to be a model");
        }
        if (!CHECKED.contains(kind)) {
            return Optional.empty();
        }
        try {
            return switch (ModelFiles.detect(file)) {
                case SAFETENSORS -> {
                    if (kind == ModelKind.LORAS) {
                        yield Optional.empty(); // loraBase reads the header once, and reports it if damaged
                    }
                    try (SafetensorsFile f = SafetensorsFile.open(file)) {
                        yield Optional.empty();
                    }
                }
                case PYTORCH_ZIP -> Optional.empty();
                case PYTORCH_LEGACY -> Optional.of("invalid: legacy PyTorch format, not readable");
                case GGUF -> Optional.of("invalid: GGUF, not readable");
                case UNKNOWN -> Optional.of("invalid: not a model file");
            };
        } catch (SafetensorsException e) {
            return Optional.of("invalid: " + reason(e.kind()));
        } catch (RuntimeException e) {
            return Optional.of("unreadable");
        }
    }

    private static String reason(SafetensorsException.Kind kind) {
        return switch (kind) {
            case HEADER_TOO_SMALL, INVALID_HEADER_LENGTH, METADATA_INCOMPLETE_BUFFER, FILE_CHANGED ->
                    "truncated file";
            default -> "damaged header";
        };
    }

    /** "SDXL", "SD 1.x (guessed)", "not a LoRA" or "base model unknown", from the header only. */
    public static String loraBase(Path file) {
        if (!file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".safetensors")) {
            return "base model unknown (not safetensors)";
        }
        try (SafetensorsFile f = SafetensorsFile.open(file); Lora lora = Lora.of(file.getFileName().toString(), f,
                f.metadata())) {
            Map<String, String> meta = f.metadata();
            boolean declared = meta.containsKey("ss_base_model_version") || meta.containsKey("ss_v2");
            return lora.family().map(fam -> familyName(fam) + (declared ? "" : " (guessed)"))
                    .orElse("base model unknown");
        } catch (SafetensorsException e) {
            return "invalid: " + reason(e.kind());
        } catch (ModelFormatException e) {
            return e.getMessage() != null && e.getMessage().contains("is not a LoRA") ? "not a LoRA" : "unreadable";
        } catch (RuntimeException e) {
            return "unreadable";
        }
    }

    /** "SD 1.x", "SD 2.x inpainting", "SDXL", "SDXL refiner": a family as the model lists show it. */
    public static String familyName(ModelFamily f) {
        return f.displayName();
    }
}
