package dev.noodle.engine.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Image ↔ tensor conversions, PNG text chunks, LoadImage masks and the latent preview. */
class ImageIoTest {
    @TempDir Path dir;

    @Test
    void uint8TruncatesLikeComfy() {
        assertEquals(127, ImageTensors.toUint8(0.5f)); // 127.5 → 127
        assertEquals(254, ImageTensors.toUint8(0.999f));
        assertEquals(255, ImageTensors.toUint8(1.5f));
        assertEquals(0, ImageTensors.toUint8(-0.2f));
        assertEquals(0, ImageTensors.toUint8(Float.NaN));
    }

    @Test
    void tensorImageRoundTrip() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] v = new float[2 * 3 * 3];
            for (int i = 0; i < v.length; i++) {
                v[i] = i / 17f;
            }
            NDArray chw = m.create(v, new Shape(1, 3, 2, 3));
            NDArray hwc = ImageTensors.channelsLast(chw);
            assertEquals(new Shape(1, 2, 3, 3), hwc.getShape());
            assertArrayEquals(v, ImageTensors.channelsFirst(hwc).toFloatArray(), 0f);
            BufferedImage img = ImageTensors.toBufferedImage(hwc, 0);
            NDArray back = ImageTensors.fromBufferedImages(List.of(img), m);
            float[] b = back.toFloatArray();
            float[] h = hwc.toFloatArray();
            for (int i = 0; i < h.length; i++) {
                assertEquals(ImageTensors.toUint8(h[i]) / 255f, b[i], 1e-7f);
            }
        }
    }

    @Test
    void pngTextRoundTripIncludingNonAscii() throws Exception {
        BufferedImage img = new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB);
        img.setRGB(1, 1, 0x336699);
        Map<String, String> text = new LinkedHashMap<>();
        text.put("prompt", "{\"3\": {\"inputs\": {\"text\": \"猫 🐱 café\"}}}");
        text.put("parameters", "a photo, \"quoted\"\nSteps: 20, Sampler: Euler a, ÿ");
        Path file = dir.resolve("out.png");
        PngText.write(file, img, text);
        assertEquals(text, PngText.read(file));
        assertEquals(0x336699, ImageIO.read(file.toFile()).getRGB(1, 1) & 0xFFFFFF);
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "temp file left behind");
        }
    }

    @Test
    void compressedTextIsReadAndBombsAreRefused() throws Exception {
        byte[] png = PngText.encode(new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB), Map.of());
        byte[] ok = insert(png, "zTXt", concat(bytes("k\0\0"), deflate("hello".repeat(100).getBytes())));
        assertEquals(Map.of("k", "hello".repeat(100)), PngText.read(new ByteArrayInputStream(ok), "ok.png"));
        byte[] bomb = insert(png, "iTXt", concat(bytes("workflow\0\1\0\0\0"), deflate(new byte[4 << 20])));
        ImageFormatException e = assertThrows(ImageFormatException.class,
                () -> PngText.read(new ByteArrayInputStream(bomb), "bomb.png"));
        assertTrue(e.getMessage().contains("bomb.png: text chunk too large"), e.getMessage());
    }

    @Test
    void oversizedAndBrokenChunksAreRefused() throws Exception {
        byte[] png = PngText.encode(new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB), Map.of());
        byte[] big = insert(png, "tEXt", concat(bytes("k\0"), new byte[PngText.MAX_CHUNK_BYTES]));
        ImageFormatException e = assertThrows(ImageFormatException.class,
                () -> PngText.read(new ByteArrayInputStream(big), "big.png"));
        assertTrue(e.getMessage().contains("text chunk too large: 'tEXt' at byte 33 has 1048578 bytes"),
                e.getMessage());
        byte[] badCrc = insert(png, "tEXt", bytes("k\0v"));
        badCrc[33 + 8 + 3] ^= 1;
        assertTrue(assertThrows(ImageFormatException.class,
                () -> PngText.read(new ByteArrayInputStream(badCrc), "crc.png")).getMessage().contains("CRC mismatch"));
        byte[] truncated = java.util.Arrays.copyOf(png, png.length - 12);
        assertTrue(assertThrows(ImageFormatException.class,
                () -> PngText.read(new ByteArrayInputStream(truncated), "t.png")).getMessage().contains("truncated"));
        assertTrue(assertThrows(ImageFormatException.class,
                () -> PngText.read(new ByteArrayInputStream(bytes("GIF89a..")), "x.gif")).getMessage()
                .contains("not a PNG"));
    }

    @Test
    void loadImageMaskIsOneMinusAlpha() throws Exception {
        BufferedImage img = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
        img.setRGB(0, 0, 0x00FF0000); // transparent red
        img.setRGB(1, 0, 0xCC00FF00); // alpha 204
        Path file = dir.resolve("a.png");
        ImageIO.write(img, "png", file.toFile());
        try (NDManager m = NDManager.newBaseManager()) {
            LoadedImage li = LoadedImage.load(file, m);
            assertEquals(new Shape(1, 1, 2, 3), li.image().getShape());
            assertArrayEquals(new float[] {1, 0, 0, 0, 1, 0}, li.image().toFloatArray(), 0f);
            assertArrayEquals(new float[] {1f, 1f - 204 / 255f}, li.mask().toFloatArray(), 1e-7f);
            Path rgb = dir.resolve("b.png");
            ImageIO.write(new BufferedImage(3, 3, BufferedImage.TYPE_INT_RGB), "png", rgb.toFile());
            LoadedImage noAlpha = LoadedImage.load(rgb, m);
            assertEquals(new Shape(1, 64, 64), noAlpha.mask().getShape());
            assertEquals(0f, noAlpha.mask().sum().getFloat());
            Path gray = dir.resolve("g.png");
            BufferedImage g = new BufferedImage(1, 1, BufferedImage.TYPE_BYTE_GRAY);
            g.getRaster().setSample(0, 0, 0, 100);
            ImageIO.write(g, "png", gray.toFile());
            assertArrayEquals(new float[] {100 / 255f, 100 / 255f, 100 / 255f},
                    LoadedImage.load(gray, m).image().toFloatArray(), 1e-7f);
            Path junk = Files.write(dir.resolve("junk.png"), bytes("not an image"));
            assertTrue(assertThrows(ImageFormatException.class, () -> LoadedImage.load(junk, m)).getMessage()
                    .startsWith(junk.toString()));
        }
    }

    @Test
    void latentPreviewUsesSd15Factors() {
        // one cell, latent (1, 0, 0, 0) → rgb = row 0 → ((v + 1) / 2 · 255) truncated
        float[] chw = {1f, 0f, 0f, 0f, 0f, 0f, 0f, 1f}; // C=4, h=1, w=2: cell 1 = (0, 0, 0, 1)
        BufferedImage p = LatentPreview.preview(chw, 1, 2, LatentPreview.SD15_FACTORS);
        int expected0 = (int) ((1.3512f / 2) * 255) << 16 | (int) ((1.2297f / 2) * 255) << 8
                | (int) ((1.3227f / 2) * 255);
        assertEquals(expected0, p.getRGB(0, 0) & 0xFFFFFF);
        int expected1 = (int) ((0.788f / 2) * 255) << 16 | (int) ((0.7384f / 2) * 255) << 8
                | (int) ((0.2823f / 2) * 255);
        assertEquals(expected1, p.getRGB(1, 0) & 0xFFFFFF);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    private static byte[] deflate(byte[] data) {
        Deflater d = new Deflater(9);
        d.setInput(data);
        d.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        while (!d.finished()) {
            out.write(buf, 0, d.deflate(buf));
        }
        d.end();
        return out.toByteArray();
    }

    /** Inserts a chunk with a valid CRC right after IHDR (byte 33). */
    private static byte[] insert(byte[] png, String type, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(png, 0, 33);
        int n = data.length;
        out.writeBytes(new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
        out.writeBytes(bytes(type));
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(bytes(type));
        crc.update(data);
        int c = (int) crc.getValue();
        out.writeBytes(new byte[] {(byte) (c >>> 24), (byte) (c >>> 16), (byte) (c >>> 8), (byte) c});
        out.write(png, 33, png.length - 33);
        return out.toByteArray();
    }
}
