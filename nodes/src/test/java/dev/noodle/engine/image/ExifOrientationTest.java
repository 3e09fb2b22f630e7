package dev.noodle.engine.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Images with an EXIF Orientation come out upright, as Pillow's ImageOps.exif_transpose (which ComfyUI's LoadImage
 * applies) turns them. The expected corner colours per orientation are the ones Pillow 9.4 gives for the same
 * 2-by-2 colour layout (R G / B W), written down here; a damaged EXIF block leaves the image as stored.
 */
public class ExifOrientationTest {
    @TempDir Path dir;

    /** Corner colours (top-left, top-right, bottom-left, bottom-right) and whether width and height swap. */
    private static final String[] EXPECTED = {
        null, "RGBW", "GRWB", "WBGR", "BWRG", "RBGW", "BRWG", "WGBR", "GWRB"
    };

    private static final int R = 0xE00000;
    private static final int G = 0x00E000;
    private static final int B = 0x0000E0;
    private static final int W = 0xF0F0F0;

    /** 64×32, quadrants red, green / blue, white: wider than tall so a swap of the axes shows. */
    private static BufferedImage quadrants() {
        BufferedImage img = new BufferedImage(64, 32, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 64; x++) {
                img.setRGB(x, y, y < 16 ? (x < 32 ? R : G) : (x < 32 ? B : W));
            }
        }
        return img;
    }

    /** The quadrant colour nearest to a pixel, as a letter. */
    private static char nearest(int rgb) {
        int[] cs = {R, G, B, W};
        char[] names = {'R', 'G', 'B', 'W'};
        int best = 0;
        long bestD = Long.MAX_VALUE;
        for (int i = 0; i < cs.length; i++) {
            long d = 0;
            for (int s = 0; s < 24; s += 8) {
                long diff = ((rgb >> s) & 0xff) - ((cs[i] >> s) & 0xff);
                d += diff * diff;
            }
            if (d < bestD) {
                bestD = d;
                best = i;
            }
        }
        return names[best];
    }

    private static String corners(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        // quadrant centres, well inside the JPEG blocks of each colour
        return "" + nearest(img.getRGB(w / 4, h / 4)) + nearest(img.getRGB(3 * w / 4, h / 4))
                + nearest(img.getRGB(w / 4, 3 * h / 4)) + nearest(img.getRGB(3 * w / 4, 3 * h / 4));
    }

    /** A TIFF block with one IFD0 entry: Orientation as SHORT, in the given byte order. */
    public static byte[] tiff(int orientation, ByteOrder order) {
        ByteBuffer b = ByteBuffer.allocate(26).order(order);
        b.put(order == ByteOrder.BIG_ENDIAN ? (byte) 'M' : (byte) 'I');
        b.put(order == ByteOrder.BIG_ENDIAN ? (byte) 'M' : (byte) 'I');
        b.putShort((short) 42).putInt(8);
        b.putShort((short) 1);
        b.putShort((short) 0x0112).putShort((short) 3).putInt(1).putShort((short) orientation).putShort((short) 0);
        b.putInt(0);
        return b.array();
    }

    /** A JPEG of {@code img} with an APP1 segment holding {@code payload}, placed after the JFIF APP0 segment. */
    public static byte[] jpegWithApp1(BufferedImage img, byte[] payload) throws Exception {
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        ImageIO.write(img, "jpg", plain);
        byte[] j = plain.toByteArray();
        int at = 2;
        if ((j[2] & 0xff) == 0xFF && (j[3] & 0xff) == 0xE0) {
            at = 4 + (((j[4] & 0xff) << 8) | (j[5] & 0xff));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(j, 0, at);
        int len = payload.length + 2;
        out.write(new byte[] {(byte) 0xFF, (byte) 0xE1, (byte) (len >> 8), (byte) len});
        out.write(payload);
        out.write(j, at, j.length - at);
        return out.toByteArray();
    }

    public static byte[] exifPayload(byte[] tiff) {
        byte[] p = new byte[6 + tiff.length];
        System.arraycopy("Exif\0\0".getBytes(StandardCharsets.ISO_8859_1), 0, p, 0, 6);
        System.arraycopy(tiff, 0, p, 6, tiff.length);
        return p;
    }

    /** A PNG of {@code img} with an eXIf chunk holding {@code tiff}, before the image data. */
    public static byte[] pngWithExif(BufferedImage img, byte[] tiff) throws Exception {
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        ImageIO.write(img, "png", plain);
        byte[] p = plain.toByteArray();
        int at = 8 + 25; // signature, IHDR
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(p, 0, at);
        ByteBuffer chunk = ByteBuffer.allocate(12 + tiff.length);
        chunk.putInt(tiff.length).put("eXIf".getBytes(StandardCharsets.ISO_8859_1)).put(tiff);
        CRC32 crc = new CRC32();
        crc.update(chunk.array(), 4, 4 + tiff.length);
        chunk.putInt((int) crc.getValue());
        out.write(chunk.array());
        out.write(p, at, p.length - at);
        return out.toByteArray();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
    void jpegsComeOutUpright(int orientation) throws Exception {
        for (ByteOrder order : new ByteOrder[] {ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN}) {
            Path f = dir.resolve("o" + orientation + order + ".jpg");
            Files.write(f, jpegWithApp1(quadrants(), exifPayload(tiff(orientation, order))));
            assertEquals(orientation, ExifOrientation.of(f));
            BufferedImage img = LoadedImage.decode(f);
            boolean swap = orientation >= 5;
            assertEquals(swap ? 32 : 64, img.getWidth(), "width, orientation " + orientation);
            assertEquals(swap ? 64 : 32, img.getHeight(), "height, orientation " + orientation);
            assertEquals(EXPECTED[orientation], corners(img), "orientation " + orientation + " " + order);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
    void pngsComeOutUprightPixelForPixelWithAlpha(int orientation) throws Exception {
        // 3×2 RGBA, every pixel distinct: source pixel (x, y) has red 40x, green 100y and alpha 50 + 60x + 20y
        BufferedImage src = new BufferedImage(3, 2, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < 2; y++) {
            for (int x = 0; x < 3; x++) {
                src.setRGB(x, y, (50 + 60 * x + 20 * y) << 24 | (40 * x) << 16 | (100 * y) << 8);
            }
        }
        Path f = dir.resolve("o" + orientation + ".png");
        Files.write(f, pngWithExif(src, tiff(orientation, ByteOrder.BIG_ENDIAN)));
        BufferedImage img = LoadedImage.decode(f);
        // where each output pixel comes from, written out per orientation (Pillow's transposes)
        int[][] from = switch (orientation) {
            case 1 -> new int[][] {{0, 0}, {1, 0}, {2, 0}, {0, 1}, {1, 1}, {2, 1}};
            case 2 -> new int[][] {{2, 0}, {1, 0}, {0, 0}, {2, 1}, {1, 1}, {0, 1}};
            case 3 -> new int[][] {{2, 1}, {1, 1}, {0, 1}, {2, 0}, {1, 0}, {0, 0}};
            case 4 -> new int[][] {{0, 1}, {1, 1}, {2, 1}, {0, 0}, {1, 0}, {2, 0}};
            case 5 -> new int[][] {{0, 0}, {0, 1}, {1, 0}, {1, 1}, {2, 0}, {2, 1}};
            case 6 -> new int[][] {{0, 1}, {0, 0}, {1, 1}, {1, 0}, {2, 1}, {2, 0}};
            case 7 -> new int[][] {{2, 1}, {2, 0}, {1, 1}, {1, 0}, {0, 1}, {0, 0}};
            default -> new int[][] {{2, 0}, {2, 1}, {1, 0}, {1, 1}, {0, 0}, {0, 1}};
        };
        int ow = orientation >= 5 ? 2 : 3;
        assertEquals(ow, img.getWidth());
        assertEquals(6 / ow, img.getHeight());
        int[] want = new int[6];
        int[] got = new int[6];
        for (int i = 0; i < 6; i++) {
            want[i] = src.getRGB(from[i][0], from[i][1]);
            got[i] = img.getRGB(i % ow, i / ow);
        }
        assertArrayEquals(want, got, "orientation " + orientation);

        // LoadImage's mask (1 − alpha) turns with the picture
        try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
            LoadedImage li = LoadedImage.load(f, m);
            float[] mask = li.mask().toFloatArray();
            for (int i = 0; i < 6; i++) {
                assertEquals(1f - (want[i] >>> 24) / 255f, mask[i], 1e-6f);
            }
        }
    }

    @Test
    void aDamagedExifBlockIsIgnoredAndTheImageLoads() throws Exception {
        byte[] good = tiff(6, ByteOrder.BIG_ENDIAN);
        byte[] badOrder = good.clone();
        badOrder[0] = 'X';
        byte[] badMagic = good.clone();
        badMagic[3] = 41;
        byte[] ifdPastEnd = good.clone();
        ByteBuffer.wrap(ifdPastEnd).putInt(4, 0x7FFFFF00);
        byte[] countPastEnd = good.clone();
        ByteBuffer.wrap(countPastEnd).putShort(8, (short) 500);
        byte[] outOfRange = tiff(9, ByteOrder.BIG_ENDIAN);
        byte[] truncated = java.util.Arrays.copyOf(good, 12);
        byte[] garbage = new byte[40];
        new java.util.Random(3).nextBytes(garbage);
        int i = 0;
        for (byte[] t : new byte[][] {badOrder, badMagic, ifdPastEnd, outOfRange, truncated, garbage,
                new byte[0]}) {
            Path f = dir.resolve("bad" + i++ + ".jpg");
            Files.write(f, jpegWithApp1(quadrants(), exifPayload(t)));
            assertEquals(1, ExifOrientation.of(f), "block " + i);
            BufferedImage img = LoadedImage.decode(f);
            assertEquals(64, img.getWidth());
            assertEquals("RGBW", corners(img));
            Path p = dir.resolve("bad" + i + ".png");
            Files.write(p, pngWithExif(quadrants(), t));
            assertEquals("RGBW", corners(LoadedImage.decode(p)), "png block " + i);
        }
        // entries before the damage still count, as in Pillow (which warns "Corrupt EXIF data" and keeps them)
        Path cut = dir.resolve("cut.jpg");
        Files.write(cut, jpegWithApp1(quadrants(), exifPayload(countPastEnd)));
        assertEquals(6, ExifOrientation.of(cut));
        assertEquals(32, LoadedImage.decode(cut).getWidth());
        // an APP1 that is not EXIF (XMP) is not read as one
        Path xmp = dir.resolve("xmp.jpg");
        Files.write(xmp, jpegWithApp1(quadrants(), "http://ns.adobe.com/xap/1.0/\0MM\0*".getBytes(
                StandardCharsets.ISO_8859_1)));
        assertEquals(1, ExifOrientation.of(xmp));
    }

    @Test
    void webpExifChunksAreRead() throws Exception {
        // RIFF container: a VP8X chunk, then EXIF (raw TIFF); the orientation is read from the chunk list
        byte[] t = tiff(8, ByteOrder.LITTLE_ENDIAN);
        ByteBuffer b = ByteBuffer.allocate(12 + 18 + 8 + t.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(StandardCharsets.ISO_8859_1)).putInt(b.capacity() - 8)
                .put("WEBP".getBytes(StandardCharsets.ISO_8859_1));
        b.put("VP8X".getBytes(StandardCharsets.ISO_8859_1)).putInt(10).put(new byte[10]);
        b.put("EXIF".getBytes(StandardCharsets.ISO_8859_1)).putInt(t.length).put(t);
        Path f = dir.resolve("o.webp");
        Files.write(f, b.array());
        assertEquals(8, ExifOrientation.of(f));
    }
}
