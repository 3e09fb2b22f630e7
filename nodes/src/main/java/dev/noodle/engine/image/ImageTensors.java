package dev.noodle.engine.image;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * Conversions between float images in [0, 1] ([B, 3, H, W] for the VAE, [B, H, W, C] on ComfyUI-style IMAGE
 * wires) and {@link BufferedImage}, with ComfyUI's uint8 rounding. Stateless and thread-safe.
 */
public final class ImageTensors {
    private ImageTensors() {}

    /** [B, C, H, W] → [B, H, W, C] (a new contiguous array in the input's manager). */
    public static NDArray channelsLast(NDArray chw) {
        return chw.transpose(0, 2, 3, 1).duplicate();
    }

    /** [B, H, W, C] → [B, C, H, W] (a new contiguous array in the input's manager). */
    public static NDArray channelsFirst(NDArray hwc) {
        return hwc.transpose(0, 3, 1, 2).duplicate();
    }

    /**
     * ComfyUI's SaveImage byte: {@code np.clip(255 * v, 0, 255).astype(np.uint8)}, i.e. truncation, not rounding.
     * NaN maps to 0.
     */
    public static int toUint8(float v) {
        float s = 255f * v;
        if (!(s > 0f)) {
            return 0;
        }
        return s >= 255f ? 255 : (int) s;
    }

    /**
     * One image of a batch [B, H, W, C] (C = 3, or 4 with alpha) as an 8-bit sRGB {@link BufferedImage}.
     *
     * @throws IllegalArgumentException when the shape is not [B, H, W, 3|4] or {@code index} is out of range
     */
    public static BufferedImage toBufferedImage(NDArray images, int index) {
        long[] s = images.getShape().getShape();
        if (s.length != 4 || (s[3] != 3 && s[3] != 4) || index < 0 || index >= s[0]) {
            throw new IllegalArgumentException(
                    "expected images [B, H, W, 3|4] and an index below B, got " + images.getShape() + " #" + index);
        }
        try (NDArray one = images.get(index)) {
            return toBufferedImage(one.toFloatArray(), (int) s[1], (int) s[2], (int) s[3]);
        }
    }

    /** Row-major HWC floats in [0, 1] (C = 3 or 4) as an 8-bit {@link BufferedImage} (RGB or ARGB). */
    public static BufferedImage toBufferedImage(float[] hwc, int height, int width, int channels) {
        if ((channels != 3 && channels != 4) || hwc.length != (long) height * width * channels) {
            throw new IllegalArgumentException("expected " + height + "x" + width + "x3|4 floats, got " + hwc.length);
        }
        BufferedImage img = new BufferedImage(
                width, height, channels == 4 ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
        int[] row = new int[width];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int i = (y * width + x) * channels;
                int a = channels == 4 ? toUint8(hwc[i + 3]) : 255;
                row[x] = a << 24 | toUint8(hwc[i]) << 16 | toUint8(hwc[i + 1]) << 8 | toUint8(hwc[i + 2]);
            }
            img.setRGB(0, y, width, 1, row, 0, width);
        }
        return img;
    }

    /** RGB of an image as row-major HWC floats v/255 (alpha dropped; colour conversion by Java2D for non-sRGB). */
    public static float[] rgbFloats(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        float[] out = new float[w * h * 3];
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            img.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                int p = row[x];
                int i = (y * w + x) * 3;
                out[i] = ((p >> 16) & 0xFF) / 255f;
                out[i + 1] = ((p >> 8) & 0xFF) / 255f;
                out[i + 2] = (p & 0xFF) / 255f;
            }
        }
        return out;
    }

    /**
     * Same-sized images as one batch [B, H, W, 3] in [0, 1].
     *
     * @throws IllegalArgumentException when the list is empty or sizes differ
     */
    public static NDArray fromBufferedImages(List<BufferedImage> images, NDManager manager) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("no images");
        }
        int w = images.get(0).getWidth();
        int h = images.get(0).getHeight();
        float[] all = new float[images.size() * w * h * 3];
        for (int b = 0; b < images.size(); b++) {
            BufferedImage img = images.get(b);
            if (img.getWidth() != w || img.getHeight() != h) {
                throw new IllegalArgumentException("image " + b + " is " + img.getWidth() + "x" + img.getHeight()
                        + ", expected " + w + "x" + h + " like the first");
            }
            System.arraycopy(rgbFloats(img), 0, all, b * w * h * 3, w * h * 3);
        }
        return manager.create(all, new Shape(images.size(), h, w, 3));
    }
}
