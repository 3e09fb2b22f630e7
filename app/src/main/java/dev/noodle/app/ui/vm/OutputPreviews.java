package dev.noodle.app.ui.vm;

import dev.noodle.nodes.values.HeapTensor;
import dev.noodle.nodes.values.ImageValue;
import dev.noodle.nodes.values.MaskValue;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/**
 * Copies what a node's IMAGE and MASK outputs hold into small previews: each image of a batch as RGB, each mask as
 * grey (white = masked), at most {@value #MAX_SIDE} pixels on the long side and {@value #MAX_PER_NODE} per node. The
 * copies own their pixels, so nothing of the run (its tensors, its cache) stays alive for the editor. Stateless and
 * thread-safe; called on the run thread while the values are valid.
 */
public final class OutputPreviews {
    /** Longest side of a preview; larger outputs are sampled down (nearest pixel). */
    public static final int MAX_SIDE = 1536;

    /** Most previews kept per node (a batch's first ones; the count still says how many there were). */
    public static final int MAX_PER_NODE = 8;

    private OutputPreviews() {}

    /** What an output showed: its index, kind, the image's place in its batch, and the full size it had. */
    public record Preview(int output, Kind kind, int index, int count, int width, int height, BufferedImage image) {}

    /** The kind of value a preview shows. */
    public enum Kind {
        IMAGE,
        MASK
    }

    /** The previews of every IMAGE and MASK among {@code values} (a node's outputs, in order); images first. */
    public static List<Preview> of(List<Object> values) {
        List<Preview> out = new ArrayList<>();
        for (Kind kind : Kind.values()) {
            for (int o = 0; o < values.size() && out.size() < MAX_PER_NODE; o++) {
                Object v = values.get(o);
                if (kind == Kind.IMAGE && v instanceof ImageValue img) {
                    addImages(out, o, img);
                } else if (kind == Kind.MASK && v instanceof MaskValue m) {
                    addMasks(out, o, m.mask());
                }
            }
        }
        return List.copyOf(out);
    }

    private static void addImages(List<Preview> out, int output, ImageValue img) {
        HeapTensor t = img.pixels();
        if (t.rank() != 4 || t.dim(3) < 3) {
            return;
        }
        int b = img.batch();
        int h = img.height();
        int w = img.width();
        int c = (int) t.dim(3);
        float[] data = t.data();
        for (int i = 0; i < b && out.size() < MAX_PER_NODE; i++) {
            long base = (long) i * h * w * c;
            out.add(new Preview(output, Kind.IMAGE, i, b, w, h, sample(w, h, (x, y) -> {
                long p = base + ((long) y * w + x) * c;
                return byteOf(data[(int) p]) << 16 | byteOf(data[(int) p + 1]) << 8 | byteOf(data[(int) p + 2]);
            })));
        }
    }

    private static void addMasks(List<Preview> out, int output, HeapTensor t) {
        if (t.rank() < 2 || t.rank() > 3) {
            return;
        }
        int b = t.rank() == 3 ? (int) t.dim(0) : 1;
        int h = (int) t.dim(t.rank() - 2);
        int w = (int) t.dim(t.rank() - 1);
        float[] data = t.data();
        for (int i = 0; i < b && out.size() < MAX_PER_NODE; i++) {
            long base = (long) i * h * w;
            out.add(new Preview(output, Kind.MASK, i, b, w, h, sample(w, h, (x, y) -> {
                int g = byteOf(data[(int) (base + (long) y * w + x)]);
                return g << 16 | g << 8 | g;
            })));
        }
    }

    /** To 8 bits: {@code clip(255 · v, 0, 255)}, rounded (an image loaded from 8 bits shows its own bytes). */
    static int byteOf(float v) {
        float s = v * 255f;
        return s >= 255f ? 255 : s > 0f ? Math.round(s) : 0; // NaN → 0
    }

    private interface Pixel {
        int rgb(int x, int y);
    }

    private static BufferedImage sample(int w, int h, Pixel px) {
        double scale = Math.min(1.0, (double) MAX_SIDE / Math.max(w, h));
        int tw = Math.max(1, (int) Math.round(w * scale));
        int th = Math.max(1, (int) Math.round(h * scale));
        BufferedImage img = new BufferedImage(tw, th, BufferedImage.TYPE_INT_RGB);
        int[] row = new int[tw];
        for (int y = 0; y < th; y++) {
            int sy = th == h ? y : Math.min(h - 1, (int) ((y + 0.5) * h / th));
            for (int x = 0; x < tw; x++) {
                int sx = tw == w ? x : Math.min(w - 1, (int) ((x + 0.5) * w / tw));
                row[x] = px.rgb(sx, sy);
            }
            img.setRGB(0, y, tw, 1, row, 0, tw);
        }
        return img;
    }
}
