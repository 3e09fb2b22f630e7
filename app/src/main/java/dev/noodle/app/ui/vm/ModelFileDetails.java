package dev.noodle.app.ui.vm;

import dev.noodle.nodes.host.ModelFileFacts;
import dev.noodle.nodes.host.ModelFolders;
import dev.noodle.nodes.host.ModelKind;
import dev.noodle.nodes.values.ModelRecipe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Model-file combo details: the file's size; for LoRAs, the base model it was made for; for a checkpoint saved
 * from a merge, its recipe ({@link ModelRecipe}: the merge method, ratios and source files), from the safetensors
 * header only ({@code ss_base_model_version} metadata, else guessed from key names and widths as
 * {@link ModelFileFacts} does; tensor data is never read). Results are cached by path, size and modification time, so
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
        if (ModelFileFacts.readsHeader(kind)) {
            headerReads.incrementAndGet();
        }
        Optional<String> problem = ModelFileFacts.problem(kind, file, size);
        if (problem.isPresent()) {
            text += " · " + problem.get();
        } else if (kind == ModelKind.LORAS) {
            text += " · " + ModelFileFacts.loraBase(file);
        } else if (kind == ModelKind.CHECKPOINTS) {
            Optional<ModelRecipe> recipe = ModelRecipe.ofFile(file); // a saved merge names its sources
            if (recipe.isPresent()) {
                text += " · merge: " + recipe.get().describe();
            }
        }
        cache.put(file, new Entry(size, modified, text));
        return Optional.of(text);
    }

    /** How many files were inspected beyond their size (tests check the cache). */
    int headerReads() {
        return headerReads.get();
    }

    /** "1.5 GB", "151.1 MB", "12.0 KB", "300 B" (decimal units, as file managers show). */
    public static String size(long bytes) {
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
