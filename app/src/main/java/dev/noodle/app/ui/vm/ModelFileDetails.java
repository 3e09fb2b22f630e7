package dev.noodle.app.ui.vm;

import dev.noodle.engine.adapters.Lora;
import dev.noodle.engine.io.ModelFiles;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.SafetensorsException;
import dev.noodle.engine.io.SafetensorsFile;
import dev.noodle.engine.model.ModelFamily;
import dev.noodle.nodes.host.ModelFolders;
import dev.noodle.nodes.host.ModelKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Model-file combo details: the file's size and, for LoRAs, the base model it was made for, from the safetensors
 * header only ({@code ss_base_model_version} metadata, else guessed from key names and widths as
 * {@link Lora#family()} does; tensor data is never read). Results are cached by path, size and modification time, so
 * reopening a combo costs one {@code stat} per file. A file that cannot be a usable model (empty, under 8 bytes, a
 * damaged safetensors header, not a model format at all) says "invalid: …" instead, so the list shows it before a
 * run fails on it (bad-inputs S1). Work runs on the given executor, never the caller's thread.
 * Thread-safe.
 */
public final class ModelFileDetails implements OptionDetails {
    private static final Map<String, ModelKind> KINDS = Map.of(
            "ckpt_name", ModelKind.CHECKPOINTS,
            "lora_name", ModelKind.LORAS,
            "vae_name", ModelKind.VAE,
            "embedding", ModelKind.EMBEDDINGS,
            "embedding_name", ModelKind.EMBEDDINGS,
            "hypernetwork_name", ModelKind.HYPERNETWORKS);
    /** Kinds whose format is checked from the first bytes (embeddings may be legacy .pt files other code reads). */
    private static final Set<ModelKind> CHECKED = Set.of(ModelKind.CHECKPOINTS, ModelKind.VAE, ModelKind.LORAS);

    /** What was read of one file version. */
    private record Entry(long size, long modified, String text) {}

    private final ModelFolders folders;
    private final Executor executor;
    private final Map<Path, Entry> cache = new ConcurrentHashMap<>();
    private final AtomicInteger headerReads = new AtomicInteger();

    /** Reads files under {@code folders} on {@code executor} (a background pool; never the FX thread). */
    public ModelFileDetails(ModelFolders folders, Executor executor) {
        this.folders = folders;
        this.executor = executor;
    }

    @Override
    public CompletableFuture<Map<String, String>> details(String input, List<String> options) {
        ModelKind kind = KINDS.get(input);
        if (kind == null) {
            return CompletableFuture.completedFuture(Map.of());
        }
        List<String> copy = List.copyOf(options);
        return CompletableFuture.supplyAsync(() -> {
            Map<String, String> out = new LinkedHashMap<>();
            for (String option : copy) {
                describe(kind, option).ifPresent(text -> out.put(option, text));
            }
            return out;
        }, executor).exceptionally(e -> Map.of());
    }

    /** The details line of one file, from the cache when its size and modification time are unchanged. */
    Optional<String> describe(ModelKind kind, String name) {
        Path file;
        BasicFileAttributes attrs;
        try {
            file = folders.resolve(kind, name);
            attrs = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IllegalArgumentException | IOException e) {
            return Optional.empty(); // built-in demo entries and files that went away have no details
        }
        long size = attrs.size();
        long modified = attrs.lastModifiedTime().toMillis();
        Entry hit = cache.get(file);
        if (hit != null && hit.size() == size && hit.modified() == modified) {
            return Optional.of(hit.text());
        }
        String text = size(size);
        Optional<String> problem = problem(kind, file, size);
        if (problem.isPresent()) {
            text += " · " + problem.get();
        } else if (kind == ModelKind.LORAS) {
            text += " · " + loraBase(file);
        }
        cache.put(file, new Entry(size, modified, text));
        return Optional.of(text);
    }

    /**
     * Why a file cannot be a usable model (bad-inputs S1), or empty: any file under 8 bytes is "invalid" (no model
     * format is that small); checkpoints, VAEs and LoRAs are told by their first bytes, and a safetensors one must have
     * a valid header (read and checked; tensor data is never read). Zip checkpoints are not opened here.
     */
    private Optional<String> problem(ModelKind kind, Path file, long size) {
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
                    headerReads.incrementAndGet();
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
    private String loraBase(Path file) {
        if (!file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".safetensors")) {
            return "base model unknown (not safetensors)";
        }
        headerReads.incrementAndGet();
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

    /** How many LoRA headers were parsed (tests check the cache). */
    int headerReads() {
        return headerReads.get();
    }

    static String familyName(ModelFamily f) {
        String base = switch (f) {
            case SD1, SD1_INPAINT -> "SD 1.x";
            case SD2, SD2_INPAINT -> "SD 2.x";
            case SDXL, SDXL_INPAINT -> "SDXL";
        };
        return f.inpainting() ? base + " inpainting" : base;
    }

    /** "1.5 GB", "151.1 MB", "12.0 KB", "300 B" (decimal units, as file managers show). */
    static String size(long bytes) {
        if (bytes < 1000) {
            return bytes + " B";
        }
        String[] units = {"KB", "MB", "GB", "TB"};
        double v = bytes;
        int u = -1;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
