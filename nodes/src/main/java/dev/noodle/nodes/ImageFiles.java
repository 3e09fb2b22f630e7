package dev.noodle.nodes;

import dev.noodle.nodes.values.HeapTensor;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Image ↔ tensor conversion and ComfyUI's output file naming. Stateless. */
public final class ImageFiles {
    private ImageFiles() {}

    /** Where SaveImage writes: a folder inside the output folder and a file name prefix. */
    public record SaveTarget(Path folder, String name) {}

    /** Image {@code index} of a [B, H, W, 3] batch as 8-bit RGB, truncating clip(255·x) as ComfyUI does. */
    public static BufferedImage toImage(HeapTensor pixels, int index) {
        int h = (int) pixels.dim(1);
        int w = (int) pixels.dim(2);
        int c = (int) pixels.dim(3);
        float[] d = pixels.data();
        int base = index * h * w * c;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int o = base + (y * w + x) * c;
                int r = to8(d[o]);
                int g = to8(d[o + Math.min(1, c - 1)]);
                int b = to8(d[o + Math.min(2, c - 1)]);
                img.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        return img;
    }

    static int to8(float v) {
        float s = 255f * v;
        if (!(s > 0)) {
            return 0; // also NaN
        }
        return s >= 255f ? 255 : (int) s;
    }

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
