package dev.noodle.app.server;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * What ComfyUI's {@code /upload/mask} stores: the original image's colours with the alpha channel of the uploaded
 * mask image. Images are decoded only after their size is checked against a pixel limit. Stateless and thread-safe.
 */
final class MaskImages {
    private MaskImages() {}

    /** PNG bytes of {@code original} with the alpha of the image in {@code maskBytes}; 400 when either is unusable. */
    static byte[] withAlphaOf(Path original, byte[] maskBytes, long maxPixels)
            throws FileRoots.PathRefused, IOException {
        BufferedImage image;
        try (ImageInputStream in = ImageIO.createImageInputStream(original.toFile())) {
            image = decode(in, maxPixels, "the original image");
        }
        BufferedImage mask;
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(maskBytes))) {
            mask = decode(in, maxPixels, "the uploaded mask");
        }
        int w = image.getWidth();
        int h = image.getHeight();
        if (mask.getWidth() != w || mask.getHeight() != h) {
            throw new FileRoots.PathRefused(400, "the mask is " + mask.getWidth() + "×" + mask.getHeight()
                    + " but the image is " + w + "×" + h);
        }
        boolean alpha = mask.getColorModel().hasAlpha();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
        int[] px = new int[w];
        int[] m = new int[w];
        for (int y = 0; y < h; y++) {
            image.getRGB(0, y, w, 1, px, 0, w);
            mask.getRGB(0, y, w, 1, m, 0, w);
            for (int x = 0; x < w; x++) {
                int a = alpha ? m[x] >>> 24 : 255; // an opaque mask image masks nothing, as PIL's RGBA conversion
                px[x] = a << 24 | (px[x] & 0xFFFFFF);
            }
            out.setRGB(0, y, w, 1, px, 0, w);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.write(out, "png", bytes);
        return bytes.toByteArray();
    }

    private static BufferedImage decode(ImageInputStream in, long maxPixels, String what)
            throws FileRoots.PathRefused, IOException {
        if (in == null) {
            throw new FileRoots.PathRefused(400, "cannot read " + what);
        }
        Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
        if (!readers.hasNext()) {
            throw new FileRoots.PathRefused(400, what + " is not an image (PNG, JPEG, BMP, GIF)");
        }
        ImageReader reader = readers.next();
        try {
            reader.setInput(in, true, true);
            if ((long) reader.getWidth(0) * reader.getHeight(0) > maxPixels) {
                throw new FileRoots.PathRefused(400, what + " is " + reader.getWidth(0) + "×" + reader.getHeight(0)
                        + " pixels, over the limit of " + maxPixels);
            }
            return reader.read(0);
        } catch (IOException | RuntimeException e) {
            throw new FileRoots.PathRefused(400, "cannot decode " + what + ": " + e.getMessage());
        } finally {
            reader.dispose();
        }
    }
}
