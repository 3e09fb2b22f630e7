package dev.noodle.nodes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Lists and resolves model files under the models root. Names are paths relative to a kind's folder with '/'
 * separators (as ComfyUI shows them). {@link #resolve} never opens a path outside the folder: absolute names,
 * '..' segments and symlinks that escape are refused. Thread-safe (stateless apart from the root).
 */
public final class ModelFolders {
    private static final int MAX_DEPTH = 8;
    private static final int MAX_FILES = 100_000;
    private final Path root;

    public ModelFolders(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** The models root. */
    public Path root() {
        return root;
    }

    /** The folder of one kind (may not exist yet). */
    public Path folder(ModelKind kind) {
        return root.resolve(kind.folder());
    }

    /** Sorted names of the files of one kind; an absent folder lists nothing. */
    public List<String> list(ModelKind kind) {
        Path dir = folder(kind);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        try (Stream<Path> s = Files.walk(dir, MAX_DEPTH, EnumSet.noneOf(FileVisitOption.class).toArray(new FileVisitOption[0]))) {
            s.filter(Files::isRegularFile)
                    .filter(p -> hasExtension(p, kind))
                    .limit(MAX_FILES)
                    .forEach(p -> names.add(dir.relativize(p).toString().replace('\\', '/')));
        } catch (IOException | UncheckedIOException e) {
            // an unreadable sub-folder: list what could be read
        }
        names.sort(String.CASE_INSENSITIVE_ORDER);
        return names;
    }

    private static boolean hasExtension(Path p, ModelKind kind) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return kind.extensions().stream().anyMatch(n::endsWith);
    }

    /**
     * Resolves a listed name to a file inside the kind's folder.
     *
     * @throws IllegalArgumentException naming the file and folder when it is missing or escapes the folder
     */
    public Path resolve(ModelKind kind, String name) {
        Path dir = folder(kind);
        if (name == null || name.isBlank() || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("no " + kind.folder() + " file name given");
        }
        Path candidate = dir.resolve(name.replace('\\', '/')).normalize();
        if (Path.of(name).isAbsolute() || !candidate.startsWith(dir)) {
            throw new IllegalArgumentException("'" + name + "' is outside the " + kind.folder()
                    + " folder; only files inside " + dir + " can be used");
        }
        if (!Files.isRegularFile(candidate)) {
            throw new IllegalArgumentException("'" + name + "' was not found in " + dir
                    + "; put the file there or pick one from the list");
        }
        try {
            Path real = candidate.toRealPath();
            Path realDir = dir.toRealPath();
            if (!real.startsWith(realDir) && !real.startsWith(root.toRealPath())) {
                throw new IllegalArgumentException("'" + name + "' links outside the models folder " + root
                        + "; refusing to open it");
            }
            return real;
        } catch (IOException e) {
            throw new IllegalArgumentException("'" + name + "' cannot be read: " + e.getMessage(), e);
        }
    }
}
