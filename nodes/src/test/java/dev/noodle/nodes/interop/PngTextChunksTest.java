package dev.noodle.nodes.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.Deflater;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** PNG text chunks: writing, reading back, and the damaged and hostile files of bad-inputs rows G1, G2 and G4. */
class PngTextChunksTest {
    static List<PngTextChunks.TextChunk> chunks(byte[] png) throws IOException {
        return PngTextChunks.readChunks(new ByteArrayInputStream(png), "test.png");
    }

    @Test
    void writesBeforeIdatAndReadsBackIdenticalText() throws IOException {
        byte[] png = InteropTestSupport.tinyPng();
        String json = "{\"text\": \"猫 ☕ 😀 é\"}";
        Map<String, String> texts = new LinkedHashMap<>();
        texts.put("prompt", PngTextChunks.asciiJson(json));
        texts.put("parameters", "猫 cat\nSteps: 20, Sampler: Euler a, CFG scale: 7");
        texts.put("latin", "café");
        byte[] out = PngTextChunks.write(png, texts);
        List<PngTextChunks.TextChunk> read = chunks(out);
        assertEquals("{\"text\": \"\\u732b \\u2615 \\ud83d\\ude00 \\u00e9\"}", read.get(0).text(),
                "escaped exactly as Python json.dumps does");
        assertEquals("tEXt", read.get(0).chunkType());
        assertEquals("iTXt", read.get(1).chunkType(), "non-Latin-1 text goes to iTXt, as Pillow's add_text");
        assertEquals(texts.get("parameters"), read.get(1).text());
        assertEquals("tEXt", read.get(2).chunkType());
        assertEquals("café", read.get(2).text());
        // the image still decodes, and text sits before the first IDAT
        assertEquals(3, ImageIO.read(new ByteArrayInputStream(out)).getWidth());
        String raw = new String(out, StandardCharsets.ISO_8859_1);
        assertTrue(raw.indexOf("parameters") < raw.indexOf("IDAT"));
        // writing again replaces, not duplicates
        byte[] twice = PngTextChunks.write(out, Map.of("latin", "neu"));
        assertEquals(3, chunks(twice).size());
        assertEquals("neu", chunks(twice).stream().filter(c -> c.keyword().equals("latin")).findFirst().get().text());
    }

    @Test
    void readsZtxtAndCompressedItxt() throws IOException {
        byte[] png = InteropTestSupport.tinyPng();
        byte[] z = chunkData("workflow", new byte[] {0}, deflate("{\"a\": 1}".getBytes(StandardCharsets.ISO_8859_1)));
        byte[] i = chunkData("parameters", new byte[] {1, 0, 0, 0}, deflate("日本 text".getBytes(StandardCharsets.UTF_8)));
        byte[] out = insert(png, chunk("zTXt", z), chunk("iTXt", i));
        List<PngTextChunks.TextChunk> read = chunks(out);
        assertEquals("{\"a\": 1}", read.get(0).text());
        assertEquals("日本 text", read.get(1).text());
    }

    @Test
    void g1DamagedFilesFailCleanly() throws IOException {
        byte[] good = PngTextChunks.write(InteropTestSupport.tinyPng(), Map.of("workflow", "{}"));
        int at = new String(good, StandardCharsets.ISO_8859_1).indexOf("workflow");
        byte[] badCrc = good.clone();
        badCrc[at + 9] ^= 1;
        assertTrue(assertThrows(PngMetadataException.class, () -> chunks(badCrc)).getMessage().contains("bad CRC"));
        byte[] noIend = Arrays.copyOf(good, good.length - 12);
        assertTrue(assertThrows(PngMetadataException.class, () -> chunks(noIend)).getMessage().contains("IEND"));
        byte[] longChunk = good.clone();
        java.nio.ByteBuffer.wrap(longChunk, at - 8, 4).putInt(good.length); // the tEXt chunk claims more than the file
        assertTrue(assertThrows(PngMetadataException.class, () -> chunks(longChunk)).getMessage()
                .contains("the file ends first"));
        byte[] cutIdat = Arrays.copyOf(good, good.length - 20);
        assertThrows(PngMetadataException.class, () -> chunks(cutIdat));
        assertTrue(assertThrows(PngMetadataException.class,
                () -> chunks("{\"nodes\": []}".getBytes(StandardCharsets.UTF_8))).getMessage().contains("not a PNG"));
    }

    @Test
    void g2DecompressionStopsAtTheCap() throws IOException {
        byte[] zeros = new byte[8 << 20]; // 8 MiB of zeros deflate to about 8 KB
        byte[] bomb = deflate(zeros);
        assertTrue(bomb.length < 64 << 10);
        byte[] png = insert(InteropTestSupport.tinyPng(), chunk("zTXt", chunkData("workflow", new byte[] {0}, bomb)));
        PngMetadataException e = assertThrows(PngMetadataException.class, () -> chunks(png));
        assertTrue(e.getMessage().contains("text chunk too large"), e.getMessage());
        byte[] itxt = insert(InteropTestSupport.tinyPng(),
                chunk("iTXt", chunkData("workflow", new byte[] {1, 0, 0, 0}, bomb)));
        assertTrue(assertThrows(PngMetadataException.class, () -> chunks(itxt)).getMessage()
                .contains("text chunk too large"));
    }

    static byte[] deflate(byte[] data) {
        Deflater d = new Deflater(9);
        d.setInput(data);
        d.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[65536];
        while (!d.finished()) {
            out.write(buf, 0, d.deflate(buf));
        }
        d.end();
        return out.toByteArray();
    }

    static byte[] chunkData(String keyword, byte[] afterKeyword, byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(keyword.getBytes(StandardCharsets.ISO_8859_1));
        out.write(0);
        out.writeBytes(afterKeyword);
        out.writeBytes(payload);
        return out.toByteArray();
    }

    static byte[] chunk(String type, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PngTextChunks.writeChunk(out, type, data);
        return out.toByteArray();
    }

    /** Inserts raw chunks right after IHDR (8-byte signature + 25-byte IHDR chunk). */
    static byte[] insert(byte[] png, byte[]... chunks) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(png, 0, 33);
        for (byte[] c : chunks) {
            out.writeBytes(c);
        }
        out.write(png, 33, png.length - 33);
        byte[] result = out.toByteArray();
        assertArrayEquals("IHDR".getBytes(StandardCharsets.ISO_8859_1), Arrays.copyOfRange(png, 12, 16));
        return result;
    }
}
