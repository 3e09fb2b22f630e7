package dev.noodle.app.ui.vm;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import javax.imageio.ImageIO;

/**
 * Saves a painted mask as ComfyUI's mask editor does: a copy of the image with the mask in its alpha channel
 * ({@code alpha = 1 − mask}, so the painted area is transparent and the RGB of every pixel is kept), written as
 * {@code input/clipspace/clipspace-mask-<number>.png}; the LoadImage widget then holds
 * {@code clipspace/clipspace-mask-<number>.png [input]} and LoadImage's MASK output is the painted mask. Stateless and
 * thread-safe.
 */
public final class MaskClipspace {
    /** The subfolder of the input folder the masks go to (ComfyUI's upload subfolder). */
    public static final String FOLDER = "clipspace";

    private MaskClipspace() {}

    /** A saved mask: the file and the value the LoadImage widget takes. */
    public record Saved(Path file, String widgetValue) {}

    /**
     * The image with {@code mask} (row-major, {@code width · height} values in [0, 1]) in its alpha channel: RGB as
     * in {@code image}, alpha {@code round(255 · (1 − m))}.
     */
    public static BufferedImage withMask(BufferedImage image, float[] mask) {
        int w = image.getWidth();
        int h = image.getHeight();
        if (mask.length != w * h) {
            throw new IllegalArgumentException("the mask has " + mask.length + " values for a " + w + "×" + h
                    + " image");
        }
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            image.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                float m = Math.max(0f, Math.min(1f, mask[y * w + x]));
                int alpha = Math.round(255f * (1f - m));
                row[x] = alpha << 24 | (row[x] & 0xFFFFFF);
            }
            out.setRGB(0, y, w, 1, row, 0, w);
        }
        return out;
    }

    /**
     * Writes {@code image} with {@code mask} in its alpha as a new {@code clipspace-mask-<number>.png} in
     * {@code inputDir/clipspace} (numbered from {@code stamp}, the next free number when taken); the file appears
     * whole or not at all.
     */
    public static Saved save(Path inputDir, BufferedImage image, float[] mask, long stamp) throws IOException {
        BufferedImage out = withMask(image, mask);
        Path dir = inputDir.resolve(FOLDER);
        Files.createDirectories(dir);
        long n = Math.max(0, stamp);
        Path file;
        while (Files.exists(file = dir.resolve(fileName(n)))) {
            n++;
        }
        Path tmp = Files.createTempFile(dir, ".clipspace-", ".tmp");
        try {
            if (!ImageIO.write(out, "png", tmp.toFile())) {
                throw new IOException("no PNG writer");
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return new Saved(file, widgetValue(file.getFileName().toString()));
    }

    /** {@code clipspace-mask-<n>.png}, the name ComfyUI's mask editor gives its masks. */
    public static String fileName(long n) {
        return "clipspace-mask-" + n + ".png";
    }

    /** The LoadImage value for a file in the clipspace folder: {@code clipspace/<name> [input]}. */
    public static String widgetValue(String name) {
        return FOLDER + "/" + name + " [input]";
    }
}
