package dev.noodle.engine.image;

import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The EXIF Orientation tag (0x0112) of JPEG (APP1 "Exif"), PNG (eXIf chunk) and WebP (RIFF "EXIF" chunk) files, and
 * the turn that makes such an image upright, as Pillow's {@code ImageOps.exif_transpose} which ComfyUI's LoadImage
 * applies. Metadata that cannot be read (truncated, bad offsets, an unknown byte order, a value outside 1–8) counts as
 * no orientation, so the image still loads as stored, as Pillow ignores a damaged EXIF block.
 */
public final class ExifOrientation {
    private ExifOrientation() {}

    /** Bytes of metadata read at most per segment or chunk: EXIF blocks are at most 64 KiB in JPEG. */
    private static final int MAX_EXIF = 1 << 20;

    /** The orientation 1–8 the file declares, or 1 (as stored) when it has none or it cannot be read. */
    public static int of(Path file) {
        try (SeekableByteChannel ch = Files.newByteChannel(file)) {
            return of(ch);
        } catch (IOException | RuntimeException e) {
            return 1; // unreadable metadata: the image as stored
        }
    }

    /**
     * The orientation 1–8 declared in the file {@code ch} reads, or 1. Damaged metadata gives 1; only a failing read
     * throws.
     */
    static int of(SeekableByteChannel ch) throws IOException {
        {
            byte[] head = read(ch, 0, 12);
            if (head == null) {
                return 1;
            }
            if ((head[0] & 0xff) == 0xFF && (head[1] & 0xff) == 0xD8) {
                return jpeg(ch);
            }
            if ((head[0] & 0xff) == 0x89 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G') {
                return png(ch);
            }
            if (ascii(head, 0, 4).equals("RIFF") && ascii(head, 8, 4).equals("WEBP")) {
                return webp(ch);
            }
            return 1;
        }
    }

    /** JPEG: markers from SOI up to the start of scan; the first APP1 segment starting "Exif\0\0". */
    private static int jpeg(SeekableByteChannel ch) throws IOException {
        long pos = 2;
        while (true) {
            byte[] m = read(ch, pos, 4);
            if (m == null || (m[0] & 0xff) != 0xFF) {
                return 1;
            }
            int marker = m[1] & 0xff;
            if (marker == 0xFF) { // fill byte
                pos++;
                continue;
            }
            if (marker == 0xDA || marker == 0xD9) { // start of scan, end of image
                return 1;
            }
            if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) { // markers without a length
                pos += 2;
                continue;
            }
            int len = ((m[2] & 0xff) << 8) | (m[3] & 0xff);
            if (len < 2) {
                return 1;
            }
            if (marker == 0xE1 && len >= 8) {
                byte[] seg = read(ch, pos + 4, Math.min(len - 2, MAX_EXIF));
                if (seg != null && ascii(seg, 0, 6).equals("Exif\0\0")) {
                    return tiff(seg, 6);
                }
            }
            pos += 2 + len;
        }
    }

    /** PNG: the eXIf chunk, wherever it is (Pillow reads it after the image data too). */
    private static int png(SeekableByteChannel ch) throws IOException {
        long pos = 8;
        while (true) {
            byte[] h = read(ch, pos, 8);
            if (h == null) {
                return 1;
            }
            long len = ByteBuffer.wrap(h, 0, 4).getInt() & 0xffffffffL;
            String type = ascii(h, 4, 4);
            if (type.equals("eXIf")) {
                byte[] data = read(ch, pos + 8, (int) Math.min(len, MAX_EXIF));
                return data == null ? 1 : tiff(data, ascii(data, 0, 6).equals("Exif\0\0") ? 6 : 0);
            }
            if (type.equals("IEND")) {
                return 1;
            }
            pos += 12 + len;
        }
    }

    /** WebP: the RIFF chunk "EXIF" (raw TIFF, some writers keep the "Exif\0\0" prefix). */
    private static int webp(SeekableByteChannel ch) throws IOException {
        long pos = 12;
        while (true) {
            byte[] h = read(ch, pos, 8);
            if (h == null) {
                return 1;
            }
            long len = ByteBuffer.wrap(h, 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffffffffL;
            if (ascii(h, 0, 4).equals("EXIF")) {
                byte[] data = read(ch, pos + 8, (int) Math.min(len, MAX_EXIF));
                return data == null ? 1 : tiff(data, ascii(data, 0, 6).equals("Exif\0\0") ? 6 : 0);
            }
            pos += 8 + len + (len & 1);
        }
    }

    /** The Orientation entry of IFD0 of the TIFF structure starting at {@code base}, or 1. */
    static int tiff(byte[] b, int base) {
        if (b.length < base + 8) {
            return 1;
        }
        ByteOrder order;
        if (b[base] == 'I' && b[base + 1] == 'I') {
            order = ByteOrder.LITTLE_ENDIAN;
        } else if (b[base] == 'M' && b[base + 1] == 'M') {
            order = ByteOrder.BIG_ENDIAN;
        } else {
            return 1;
        }
        ByteBuffer buf = ByteBuffer.wrap(b).order(order);
        if (buf.getShort(base + 2) != 42) {
            return 1;
        }
        long ifd = base + (buf.getInt(base + 4) & 0xffffffffL);
        if (ifd + 2 > b.length) {
            return 1;
        }
        int n = buf.getShort((int) ifd) & 0xffff;
        for (int i = 0; i < n; i++) {
            long e = ifd + 2 + 12L * i;
            if (e + 12 > b.length) {
                return 1;
            }
            int tag = buf.getShort((int) e) & 0xffff;
            if (tag == 0x0112) {
                int type = buf.getShort((int) e + 2) & 0xffff;
                int v = switch (type) {
                    case 3 -> buf.getShort((int) e + 8) & 0xffff; // SHORT
                    case 4 -> buf.getInt((int) e + 8); // LONG, as some writers store it
                    default -> 1;
                };
                return v >= 1 && v <= 8 ? v : 1;
            }
        }
        return 1;
    }

    /**
     * {@code img} turned upright for {@code orientation}, as Pillow's exif_transpose: 2 mirror left–right, 3 rotate
     * 180°, 4 mirror top–bottom, 5 transpose, 6 rotate 90° clockwise, 7 transverse, 8 rotate 90° counter-clockwise;
     * 1 (or anything else) returns {@code img} itself. Every sample, alpha and bit depth are kept.
     */
    public static BufferedImage apply(BufferedImage img, int orientation) {
        if (orientation < 2 || orientation > 8) {
            return img;
        }
        int w = img.getWidth();
        int h = img.getHeight();
        boolean swap = orientation >= 5;
        int ow = swap ? h : w;
        int oh = swap ? w : h;
        ColorModel cm = img.getColorModel();
        Raster src = img.getRaster();
        WritableRaster dst = src.createCompatibleWritableRaster(ow, oh);
        Object px = null;
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                int sx;
                int sy;
                switch (orientation) {
                    case 2 -> { sx = w - 1 - x; sy = y; }
                    case 3 -> { sx = w - 1 - x; sy = h - 1 - y; }
                    case 4 -> { sx = x; sy = h - 1 - y; }
                    case 5 -> { sx = y; sy = x; }
                    case 6 -> { sx = y; sy = h - 1 - x; }
                    case 7 -> { sx = w - 1 - y; sy = h - 1 - x; }
                    default -> { sx = w - 1 - y; sy = x; } // 8
                }
                px = src.getDataElements(sx, sy, px);
                dst.setDataElements(x, y, px);
            }
        }
        return new BufferedImage(cm, dst, cm.isAlphaPremultiplied(), null);
    }

    private static byte[] read(SeekableByteChannel ch, long pos, int n) throws IOException {
        if (pos < 0 || n < 0 || pos + n > ch.size()) {
            return null;
        }
        ByteBuffer buf = ByteBuffer.allocate(n);
        ch.position(pos);
        while (buf.hasRemaining()) {
            if (ch.read(buf) < 0) {
                return null;
            }
        }
        return buf.array();
    }

    private static String ascii(byte[] b, int off, int n) {
        return off + n > b.length ? "" : new String(b, off, n, StandardCharsets.ISO_8859_1);
    }
}
