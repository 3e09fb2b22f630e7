package dev.noodle.engine.image;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * An image loaded as ComfyUI's LoadImage does: RGB [1, H, W, 3] in [0, 1] and a MASK = 1 − alpha [1, H, W], or a
 * zero mask [1, 64, 64] when the image has no alpha channel.
 *
 * @param image [1, H, W, 3] in [0, 1]
 * @param mask [1, H, W] (or [1, 64, 64] without alpha)
 */
public record LoadedImage(NDArray image, NDArray mask) {
    /** Refuse images with more pixels than this before decoding (Pillow's decompression-bomb error threshold). */
    public static final long MAX_PIXELS = 2L * 89_478_485L;

    /**
     * Decodes {@code path} (PNG, JPEG, BMP, GIF: the first frame), upright as its EXIF Orientation says.
     *
     * @throws ImageFormatException naming the file when it is not a readable image or is too large
     */
    public static LoadedImage load(Path path, NDManager manager) {
        BufferedImage img = decode(path);
        int w = img.getWidth();
        int h = img.getHeight();
        float[] rgb = new float[w * h * 3];
        float[] alpha = img.getColorModel().hasAlpha() ? new float[w * h] : null;
        ColorSpace cs = img.getColorModel().getColorSpace();
        Raster r = img.getRaster();
        boolean gray = cs.getType() == ColorSpace.TYPE_GRAY && r.getNumBands() <= 2;
        if (gray) {
            // read samples directly: getRGB would apply Java2D's linear-gray → sRGB conversion
            float max = (1 << img.getColorModel().getComponentSize(0)) - 1;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    float v = r.getSample(x, y, 0) / max;
                    int i = (y * w + x) * 3;
                    rgb[i] = v;
                    rgb[i + 1] = v;
                    rgb[i + 2] = v;
                    if (alpha != null) {
                        alpha[y * w + x] = r.getSample(x, y, 1) / max;
                    }
                }
            }
        } else {
            System.arraycopy(ImageTensors.rgbFloats(img), 0, rgb, 0, rgb.length);
            if (alpha != null) {
                int[] row = new int[w];
                for (int y = 0; y < h; y++) {
                    img.getRGB(0, y, w, 1, row, 0, w);
                    for (int x = 0; x < w; x++) {
                        alpha[y * w + x] = (row[x] >>> 24) / 255f;
                    }
                }
            }
        }
        NDArray image = manager.create(rgb, new Shape(1, h, w, 3));
        NDArray mask;
        if (alpha == null) {
            mask = manager.zeros(new Shape(1, 64, 64));
        } else {
            for (int i = 0; i < alpha.length; i++) {
                alpha[i] = 1f - alpha[i];
            }
            mask = manager.create(alpha, new Shape(1, h, w));
        }
        return new LoadedImage(image, mask);
    }

    /**
     * Decodes the first frame of {@code path}, turned upright as its EXIF Orientation says (as ComfyUI's LoadImage
     * applies Pillow's exif_transpose; see {@link ExifOrientation}), refusing images over {@link #MAX_PIXELS} before
     * decoding. Only the image data is read: damaged metadata chunks the decoder can skip (a bad CRC, a missing IEND,
     * an unreadable EXIF block) do not stop it.
     *
     * @throws ImageFormatException naming the file when it is not a readable image or is too large
     */
    public static BufferedImage decode(Path path) {
        try (ImageInputStream in = ImageIO.createImageInputStream(path.toFile())) {
            if (in == null) {
                throw new ImageFormatException(path + ": cannot open the file");
            }
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new ImageFormatException(path + ": not a supported image (PNG, JPEG, BMP, GIF)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                if (pixels > MAX_PIXELS) {
                    throw new ImageFormatException(path + ": " + reader.getWidth(0) + "x" + reader.getHeight(0)
                            + " pixels is over the limit of " + MAX_PIXELS + " (possible decompression bomb)");
                }
                return ExifOrientation.apply(reader.read(0), ExifOrientation.of(path));
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof ImageFormatException ife) {
                throw ife;
            }
            throw new ImageFormatException(path + ": cannot decode the image: " + e.getMessage(), e);
        }
    }
}
