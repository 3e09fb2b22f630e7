package dev.noodle.engine.adapters;

import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.text.EmbeddingLookup;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The textual-inversion embeddings of a models {@code embeddings/} folder, resolving {@code embedding:name} for
 * one text encoder width. Names match the file stem case-insensitively, with or without the extension
 * ({@code .safetensors}, {@code .pt}, {@code .bin}), and may name a subfolder ({@code style/foo}). Files are read on
 * first use and cached. Thread-safe.
 */
public final class EmbeddingLibrary implements EmbeddingLookup {
    private static final String[] EXTENSIONS = {".safetensors", ".pt", ".bin"};
    private static final int MAX_DEPTH = 8;

    private final int width;
    private final Map<String, Path> index;
    private final Map<Path, Embedding> cache = new ConcurrentHashMap<>();

    private EmbeddingLibrary(int width, Map<String, Path> index) {
        this.width = width;
        this.index = index;
    }

    /**
     * Indexes the embedding files under {@code folder} (a missing folder gives an empty library).
     *
     * @param encoderWidth the text encoder's width (768 SD1/CLIP-L, 1024 SD2, 1280 SDXL bigG)
     */
    public static EmbeddingLibrary scan(Path folder, int encoderWidth) {
        return scan(java.util.List.of(folder), encoderWidth);
    }

    /**
     * Indexes the embedding files of several folders (the models root's and extra ones); a name found in an earlier
     * folder wins. Missing folders are skipped.
     */
    public static EmbeddingLibrary scan(java.util.List<Path> folders, int encoderWidth) {
        Map<String, Path> index = new TreeMap<>();
        for (Path folder : folders) {
            index(folder, index);
        }
        return new EmbeddingLibrary(encoderWidth, index);
    }

    private static void index(Path folder, Map<String, Path> index) {
        if (Files.isDirectory(folder)) {
            try (Stream<Path> files = Files.walk(folder, MAX_DEPTH)) {
                files.filter(Files::isRegularFile).sorted().forEach(p -> {
                    String rel = folder.relativize(p).toString().replace('\\', '/');
                    String lower = rel.toLowerCase(Locale.ROOT);
                    for (String ext : EXTENSIONS) {
                        if (lower.endsWith(ext)) {
                            String noExt = lower.substring(0, lower.length() - ext.length());
                            index.putIfAbsent(lower, p);
                            index.putIfAbsent(noExt, p);
                            String stem = noExt.substring(noExt.lastIndexOf('/') + 1);
                            index.putIfAbsent(stem, p);
                            index.putIfAbsent(stem + ext, p);
                        }
                    }
                });
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot list embeddings folder " + folder + ": " + e.getMessage(), e);
            }
        }
    }

    /** The same files for a text encoder of another width (SDXL's second encoder). */
    public EmbeddingLibrary forWidth(int encoderWidth) {
        return new EmbeddingLibrary(encoderWidth, index);
    }

    /** The file an embedding name resolves to, or null. */
    public Path resolve(String name) {
        String key = name.trim().replace('\\', '/').toLowerCase(Locale.ROOT);
        return index.get(key);
    }

    /** Loads (once) the embedding a name resolves to, or returns null when no file matches. */
    public Embedding embedding(String name) {
        Path p = resolve(name);
        return p == null ? null : cache.computeIfAbsent(p, Embedding::load);
    }

    /**
     * {@inheritDoc}
     *
     * @throws ModelFormatException when the file is damaged or its width does not fit this encoder
     */
    @Override
    public float[][] find(String name) {
        Embedding e = embedding(name);
        return e == null ? null : e.vectors(width);
    }

    /** The indexed names (lower case). */
    @Override
    public java.util.Set<String> names() {
        return java.util.Collections.unmodifiableSet(index.keySet());
    }
}
