package dev.noodle.nodes.host;

import dev.noodle.io.AtomicFiles;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Generates the example input images the example workflows load, so they run on a fresh clone: today the inpaint
 * example, a 512² landscape (sky gradient, sun, hills, stripes) whose centre ellipse is fully transparent — the
 * part LoadImage turns into the MASK (1 − alpha) for inpainting. Deterministic: the same pixels every time;
 * existing files are kept.
 */
public final class DemoInputs {
    /** The inpaint example in the input folder ({@code workflows/inpaint.json}). */
    public static final String INPAINT_EXAMPLE = "noodle-inpaint-example.png";
    public static final int SIZE = 512;

    private DemoInputs() {}

    /** Writes the example image {@code name} into {@code inputDir} if it is a demo name and missing; returns whether it is one. */
    public static boolean ensureIfDemo(Path inputDir, String name) throws IOException {
        if (!name.equals(INPAINT_EXAMPLE)) {
            return false;
        }
        Path file = inputDir.resolve(name);
        if (!Files.isRegularFile(file)) {
            writeInpaintExample(file);
        }
        return true;
    }

    /** The inpaint example's pixels: ARGB, alpha 0 inside the centre ellipse and 255 elsewhere. */
    static BufferedImage inpaintExample() {
        BufferedImage img = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_ARGB);
        double cx = SIZE / 2.0;
        double cy = SIZE * 0.55;
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                double u = x / (double) SIZE;
                double v = y / (double) SIZE;
                double hill = 0.62 + 0.06 * Math.sin(u * 2 * Math.PI * 1.5) + 0.03 * Math.cos(u * 2 * Math.PI * 4);
                int r;
                int g;
                int b;
                double sun = Math.hypot(u - 0.78, v - 0.2);
                if (v > hill) { // grass with stripes
                    double stripe = 0.5 + 0.5 * Math.sin((u + v * 0.5) * 60);
                    r = (int) (40 + 30 * stripe);
                    g = (int) (120 + 60 * stripe - 60 * (v - hill));
                    b = 40;
                } else if (sun < 0.08) {
                    r = 255;
                    g = 220;
                    b = 90;
                } else { // sky: light at the horizon, deeper blue above
                    r = (int) (90 + 120 * v);
                    g = (int) (140 + 90 * v);
                    b = 235;
                }
                double ex = (x - cx) / (SIZE * 0.22);
                double ey = (y - cy) / (SIZE * 0.16);
                int alpha = ex * ex + ey * ey <= 1 ? 0 : 255;
                img.setRGB(x, y, alpha << 24 | clamp(r) << 16 | clamp(g) << 8 | clamp(b));
            }
        }
        return img;
    }

    private static int clamp(int c) {
        return Math.max(0, Math.min(255, c));
    }

    private static void writeInpaintExample(Path file) throws IOException {
        BufferedImage img = inpaintExample();
        AtomicFiles.write(file, ch -> {
            OutputStream out = Channels.newOutputStream(ch);
            if (!ImageIO.write(img, "png", out)) {
                throw new IOException("no PNG writer available to create " + file);
            }
            out.flush();
        });
    }
}
