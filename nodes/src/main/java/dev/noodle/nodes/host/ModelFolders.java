package dev.noodle.nodes.host;

import java.io.IOException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.FileVisitor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;

/**
 * Lists and resolves model files under the models root and the extra folders of an {@code extra_model_paths.yaml}
 * ({@link ExtraModelPaths}). Names are paths relative to a kind's folder with '/' separators (as ComfyUI shows them);
 * when two folders hold the same name, the first folder searched wins (an {@code is_default} section's folders, then
 * the models root's, then the other sections' in file order). {@link #resolve} never opens a path outside those
 * folders: absolute names and '..' segments are refused (symlinks the user put inside a folder are followed, as
 * ComfyUI does). Thread-safe (immutable).
 */
public final class ModelFolders {
    private static final int MAX_DEPTH = 8;
    private static final int MAX_FILES = 100_000;
    private static final System.Logger LOG = System.getLogger(ModelFolders.class.getName());
    private final Path root;
    private final ExtraModelPaths extra;

    /** The models root alone. */
    public ModelFolders(Path root) {
        this(root, ExtraModelPaths.none());
    }

    /** The models root plus the folders of an {@code extra_model_paths.yaml}. */
    public ModelFolders(Path root, ExtraModelPaths extra) {
        this.root = root.toAbsolutePath().normalize();
        this.extra = extra;
    }

    /** The extra folders this was made with (and the warnings reading them gave). */
    public ExtraModelPaths extra() {
        return extra;
    }

    /** The models root. */
    public Path root() {
        return root;
    }

    /** The models root's folder of one kind (may not exist yet): where Noodle writes files of that kind. */
    public Path folder(ModelKind kind) {
        return root.resolve(kind.folder());
    }

    /** Every folder searched for one kind, in search order. */
    public List<Path> folders(ModelKind kind) {
        List<Path> all = new ArrayList<>(extra.before(kind));
        if (!all.contains(folder(kind))) {
            all.add(folder(kind));
        }
        for (Path p : extra.after(kind)) {
            if (!all.contains(p)) {
                all.add(p);
            }
        }
        return all;
    }

    /**
     * Sorted names of the files of one kind; an absent folder lists nothing. The scan follows folder symlinks the
     * user placed (as ComfyUI's {@code os.walk(followlinks=True)}), is bounded in depth and file count, and skips
     * what it cannot read — an unreadable sub-folder, a symlink loop, a folder removed mid-scan — with a warning,
     * listing everything else (bad-inputs M3).
     */
    public List<String> list(ModelKind kind) {
        java.util.LinkedHashSet<String> names = new java.util.LinkedHashSet<>();
        for (Path dir : folders(kind)) {
            if (Files.isDirectory(dir)) {
                listInto(dir, kind, names);
            }
        }
        List<String> sorted = new ArrayList<>(names);
        sorted.sort(String.CASE_INSENSITIVE_ORDER);
        return sorted;
    }

    private static void listInto(Path dir, ModelKind kind, java.util.Set<String> names) {
        FileVisitor<Path> visitor = new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (attrs.isRegularFile() && hasExtension(file, kind)) {
                    names.add(dir.relativize(file).toString().replace('\\', '/'));
                }
                return names.size() >= MAX_FILES ? FileVisitResult.TERMINATE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                LOG.log(System.Logger.Level.WARNING, "skipped " + file + " while listing " + kind.folder() + ": "
                        + (e instanceof FileSystemLoopException ? "symlink loop" : e));
                return FileVisitResult.SKIP_SUBTREE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) {
                if (e != null) {
                    LOG.log(System.Logger.Level.WARNING, "stopped reading " + d + " part-way: " + e);
                }
                return FileVisitResult.CONTINUE;
            }
        };
        try {
            Files.walkFileTree(dir, EnumSet.of(FileVisitOption.FOLLOW_LINKS), MAX_DEPTH, visitor);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot list " + dir + ": " + e); // the visitor throws none
        }
    }

    private static boolean hasExtension(Path p, ModelKind kind) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return kind.extensions().stream().anyMatch(n::endsWith);
    }

    /**
     * The message for a {@code kind} file called {@code name} that no searched folder holds: every folder searched,
     * as an absolute path, and where to put the file (the models root's folder for the kind).
     */
    public String notFound(ModelKind kind, String name) {
        List<String> searched = folders(kind).stream().map(d -> d.toAbsolutePath().normalize().toString()).toList();
        String home = folder(kind).toAbsolutePath().normalize().toString();
        if (searched.equals(List.of(home))) {
            return "'" + name + "' is not in " + home + ". Put the file in that folder (or pick a file that is there)";
        }
        return "'" + name + "' was not found in any of " + String.join(", ", searched) + ". Put the file in " + home
                + " (or in one of the others, or pick a file that is there)";
    }

    /**
     * Resolves a listed name to a file inside one of the kind's folders (the first that has it).
     *
     * @throws IllegalArgumentException naming the file and folder when it is missing or escapes the folder
     */
    public Path resolve(ModelKind kind, String name) {
        Path dir = folder(kind);
        if (name == null || name.isBlank() || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("no " + kind.folder() + " file name given");
        }
        String relative = name.replace('\\', '/');
        if (Path.of(name).isAbsolute() || !dir.resolve(relative).normalize().startsWith(dir)) {
            throw new IllegalArgumentException("'" + name + "' is outside the " + kind.folder()
                    + " folder; only files inside " + dir + " can be used");
        }
        // A symlink the user placed inside a folder (models shared with another tool) is theirs to make: the name
        // decides containment, checked again in each folder searched, so a workflow can never reach outside by '..'
        // or an absolute path.
        List<Path> searched = folders(kind);
        for (Path d : searched) {
            Path c = d.resolve(relative).normalize();
            if (c.startsWith(d) && Files.isRegularFile(c)) {
                return c;
            }
        }
        throw new IllegalArgumentException(notFound(kind, name));
    }
}
