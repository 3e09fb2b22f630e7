package dev.noodle.nodes.host;

import dev.noodle.engine.image.LoadedImage;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** ComfyUI's output file naming, and reading image files for front ends. Stateless. */
public final class ImageFiles {
    private ImageFiles() {}

    /**
     * The pixels of an image file, whatever its metadata (damaged text chunks the decoder can skip do not stop it),
     * for previews outside a run.
     *
     * @throws dev.noodle.engine.image.ImageFormatException naming the file when it is not a readable image
     */
    public static BufferedImage decode(Path file) {
        return LoadedImage.decode(file);
    }

    /** Where SaveImage writes: a folder inside the output folder and a file name prefix. */
    public record SaveTarget(Path folder, String name) {}

    /**
     * The next free counter for {@code prefix} in {@code folder}, as ComfyUI's get_save_image_path: one more than
     * the highest existing {@code <prefix>_NNNNN_*} file, or 1.
     */
    public static int nextCounter(Path folder, String prefix) throws IOException {
        if (!Files.isDirectory(folder)) {
            return 1;
        }
        int max = 0;
        try (Stream<Path> s = Files.list(folder)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String n = p.getFileName().toString();
                if (n.length() > prefix.length() + 1 && n.regionMatches(true, 0, prefix, 0, prefix.length())
                        && n.charAt(prefix.length()) == '_') {
                    String rest = n.substring(prefix.length() + 1);
                    int us = rest.indexOf('_');
                    String digits = us < 0 ? rest : rest.substring(0, us);
                    if (!digits.isEmpty() && digits.chars().allMatch(Character::isDigit) && digits.length() < 10) {
                        max = Math.max(max, Integer.parseInt(digits));
                    }
                }
            }
        }
        return max + 1;
    }

    /**
     * Resolves a ComfyUI filename_prefix ("sub/name") under {@code root}; refuses prefixes that leave the folder.
     *
     * @return the folder and the file name prefix inside it
     */
    public static SaveTarget splitPrefix(Path root, String prefix) {
        String p = prefix.replace('\\', '/');
        int slash = p.lastIndexOf('/');
        String sub = slash < 0 ? "" : p.substring(0, slash);
        String name = slash < 0 ? p : p.substring(slash + 1);
        Path folder = root.resolve(sub).normalize();
        if (!folder.startsWith(root.normalize()) || Path.of(sub).isAbsolute() || name.isEmpty()) {
            throw new IllegalArgumentException("filename_prefix '" + prefix + "' would save outside the output folder "
                    + root + "; use a plain name or a sub-folder inside it");
        }
        return new SaveTarget(folder, name);
    }
}
