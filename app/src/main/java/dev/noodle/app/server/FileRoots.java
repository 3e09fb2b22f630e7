package dev.noodle.app.server;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * The three folders the API may read and write ({@code output}, {@code input}, {@code temp}) and the only way to
 * turn a client's {@code type}/{@code subfolder}/{@code filename} into a path inside one of them. Thread-safe.
 *
 * <p>Names are checked twice: lexically (no NUL, backslash, absolute path, drive letter, {@code ..} segment or
 * percent-encoded dot/slash left after URL decoding), then by real path, so a symlink inside a folder that points
 * outside it is refused too.
 */
final class FileRoots {
    private final Path output;
    private final Path input;
    private final Path temp;

    FileRoots(Path output, Path input, Path temp) {
        this.output = output.toAbsolutePath().normalize();
        this.input = input.toAbsolutePath().normalize();
        this.temp = temp.toAbsolutePath().normalize();
    }

    /** A client's request named a path it may not use; {@code status} is the HTTP status to answer with. */
    static final class PathRefused extends Exception {
        private final int status;

        PathRefused(int status, String message) {
            super(message);
            this.status = status;
        }

        int status() {
            return status;
        }
    }

    /** The folder for a type name (null means {@code defaultType}). */
    Path root(String type, String defaultType) throws PathRefused {
        String t = type == null || type.isEmpty() ? defaultType : type.toLowerCase(Locale.ROOT);
        return switch (t) {
            case "output" -> output;
            case "input" -> input;
            case "temp" -> temp;
            default -> throw new PathRefused(400, "unknown folder type '" + type + "'; use output, input or temp");
        };
    }

    /** The type name of the folder holding {@code file}, with the sub-folder relative to it ('/' separators). */
    Optional<String[]> describe(Path file) {
        Path f = file.toAbsolutePath().normalize();
        for (String type : new String[] {"output", "temp", "input"}) {
            Path root = type.equals("output") ? output : type.equals("temp") ? temp : input;
            if (f.startsWith(root) && !f.equals(root)) {
                Path rel = root.relativize(f.getParent());
                String sub = rel.toString().replace('\\', '/');
                return Optional.of(new String[] {type, sub, f.getFileName().toString()});
            }
        }
        return Optional.empty();
    }

    /** Checks one client-given name part (a sub-folder may contain '/', a file name may not). */
    static void checkName(String part, boolean folder) throws PathRefused {
        if (part.indexOf('\0') >= 0 || part.indexOf('\\') >= 0) {
            throw new PathRefused(400, "names may not contain NUL or backslash characters");
        }
        String lower = part.toLowerCase(Locale.ROOT);
        if (lower.contains("%2e") || lower.contains("%2f") || lower.contains("%5c") || lower.contains("%00")) {
            throw new PathRefused(400, "names may not contain encoded dots or slashes");
        }
        if (part.startsWith("/") || part.matches("(?s)^[A-Za-z]:.*") || part.startsWith("~")) {
            throw new PathRefused(400, "absolute paths are not allowed");
        }
        if (!folder && part.indexOf('/') >= 0) {
            throw new PathRefused(400, "a file name may not contain '/'; use subfolder");
        }
        for (String seg : part.split("/", -1)) {
            if (seg.equals("..") || (!folder && seg.equals("."))) {
                throw new PathRefused(400, "'..' is not allowed in names");
            }
        }
        for (int i = 0; i < part.length(); i++) {
            if (Character.isISOControl(part.charAt(i))) {
                throw new PathRefused(400, "names may not contain control characters");
            }
        }
    }

    /**
     * Resolves a file to read. 400 for a bad name, 403 when it leads outside the folder (including via symlinks),
     * 404 when it does not exist or is not a regular file.
     */
    Path resolveExisting(String type, String subfolder, String filename) throws PathRefused {
        Path root = root(type, "output");
        Path file = lexical(root, subfolder, filename);
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new PathRefused(404, "no such file");
        }
        Path real = realInside(root, file);
        if (!Files.isRegularFile(real)) {
            throw new PathRefused(404, "not a file");
        }
        return real;
    }

    /** Resolves a folder to write into (creating it), refusing anything that leads outside the type's folder. */
    Path writableFolder(String type, String subfolder) throws PathRefused, IOException {
        Path root = root(type, "input");
        String sub = subfolder == null ? "" : subfolder;
        checkName(sub, true);
        Path dir = resolve(root, sub);
        if (!dir.startsWith(root)) {
            throw new PathRefused(403, "subfolder leads outside the " + root.getFileName() + " folder");
        }
        Files.createDirectories(root);
        Path realRoot = root.toRealPath();
        // Before creating anything, the deepest existing part of the path must really lie inside the root: a
        // symlink inside the folder that leads out must not get new folders made behind it (a fuzz finding).
        Path existing = dir;
        while (!Files.exists(existing)) {
            existing = existing.getParent();
        }
        String refusal = "subfolder links outside the " + root.getFileName() + " folder";
        if (!existing.toRealPath().startsWith(realRoot)) {
            throw new PathRefused(403, refusal);
        }
        try {
            Files.createDirectories(dir);
        } catch (FileSystemException e) {
            // a file in the way, a name too long for the file system, a dangling link
            throw new PathRefused(400, "cannot use subfolder '" + sub + "': " + e.getReason());
        }
        if (!dir.toRealPath().startsWith(realRoot)) {
            throw new PathRefused(403, refusal);
        }
        return dir;
    }

    private static Path lexical(Path root, String subfolder, String filename) throws PathRefused {
        if (filename == null || filename.isEmpty()) {
            throw new PathRefused(400, "filename is required");
        }
        String sub = subfolder == null ? "" : subfolder;
        checkName(sub, true);
        checkName(filename, false);
        Path file = resolve(resolve(root, sub), filename);
        if (!file.startsWith(root) || file.equals(root)) {
            throw new PathRefused(403, "path leads outside the folder");
        }
        return file;
    }

    /** {@code dir.resolve(name).normalize()}; a name the platform cannot hold in a path is a 400, not a 500. */
    private static Path resolve(Path dir, String name) throws PathRefused {
        try {
            return dir.resolve(name).normalize();
        } catch (InvalidPathException e) {
            throw new PathRefused(400, "not a valid file name on this system: " + e.getReason());
        }
    }

    private static Path realInside(Path root, Path file) throws PathRefused {
        try {
            Path real = file.toRealPath();
            if (!real.startsWith(root.toRealPath())) {
                throw new PathRefused(403, "path links outside the folder");
            }
            return real;
        } catch (IOException e) {
            throw new PathRefused(404, "cannot read the file");
        }
    }
}
