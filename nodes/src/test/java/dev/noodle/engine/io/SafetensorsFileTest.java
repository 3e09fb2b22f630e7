package dev.noodle.engine.io;

import static dev.noodle.engine.io.SafetensorsHeaderTest.cat;
import static dev.noodle.engine.io.SafetensorsHeaderTest.le;
import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads real files: dtype widening against hand-known bit patterns, DJL loading, big sparse files, truncation. */
class SafetensorsFileTest {
    @TempDir Path dir;

    // F16 bit patterns and their exact values (IEEE 754 binary16).
    static final short[] F16_BITS = {0x3C00, (short) 0xC100, 0x7BFF, 0x0400, 0x0001, (short) 0xFC00, 0x3555};
    static final float[] F16_VALUES = {1f, -2.5f, 65504f, 6.1035156e-5f, 5.9604645e-8f, Float.NEGATIVE_INFINITY,
        0.33325195f};
    // BF16 = upper 16 bits of float32.
    static final short[] BF16_BITS = {0x3F80, (short) 0xC040, 0x7F80, 0x0001, 0x4049};
    static final float[] BF16_VALUES = {1f, -3f, Float.POSITIVE_INFINITY, 9.1835e-41f, 3.140625f};

    static byte[] shorts(short[] s) {
        ByteBuffer b = ByteBuffer.allocate(s.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (short v : s) {
            b.putShort(v);
        }
        return b.array();
    }

    static byte[] floats(float... f) {
        ByteBuffer b = ByteBuffer.allocate(f.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : f) {
            b.putFloat(v);
        }
        return b.array();
    }

    Path mixedFile() throws Exception {
        String json = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"h\":{\"dtype\":\"F16\",\"shape\":[7],\"data_offsets\":[0,14]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[5],\"data_offsets\":[14,24]},"
                + "\"f\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[24,40]},"
                + "\"i\":{\"dtype\":\"I64\",\"shape\":[3],\"data_offsets\":[40,64]},"
                + "\"e\":{\"dtype\":\"F32\",\"shape\":[2,0],\"data_offsets\":[64,64]}}";
        byte[] j = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer ints = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putLong(0).putLong(-5).putLong(76);
        Path p = dir.resolve("mixed.safetensors");
        Files.write(p, cat(le(j.length), j, shorts(F16_BITS), shorts(BF16_BITS), floats(1f, -2f, 0.5f, 3e-3f),
                ints.array()));
        return p;
    }

    @Test
    void widensF16AndBf16Exactly() throws Exception {
        try (SafetensorsFile f = SafetensorsFile.open(mixedFile())) {
            assertEquals("pt", f.metadata().get("format"));
            assertArrayEquals(F16_VALUES, f.loadFloats("h"));
            assertArrayEquals(BF16_VALUES, f.loadFloats("b"));
            assertArrayEquals(new float[] {1f, -2f, 0.5f, 3e-3f}, f.loadFloats("f"));
            assertArrayEquals(new float[] {0f, -5f, 76f}, f.loadFloats("i"));
            assertEquals(0, f.loadFloats("e").length);
            assertEquals(DType.BF16, f.info("b").dtype());
        }
    }

    @Test
    void loadsIntoDjlInEveryComputeType() throws Exception {
        try (SafetensorsFile f = SafetensorsFile.open(mixedFile()); NDManager m = NDManager.newBaseManager()) {
            NDArray b = f.load("b", m, DataType.FLOAT32);
            assertEquals(DataType.FLOAT32, b.getDataType());
            assertArrayEquals(BF16_VALUES, b.toFloatArray());
            NDArray fm = f.load("f", m, DataType.FLOAT32);
            assertArrayEquals(new long[] {2, 2}, fm.getShape().getShape());
            // arrays are independent of the file: in-place ops are allowed
            fm.addi(1f);
            assertArrayEquals(new float[] {2f, -1f, 1.5f, 1.003f}, fm.toFloatArray(), 1e-6f);
            assertArrayEquals(new float[] {1f, -2f, 0.5f, 3e-3f}, f.loadFloats("f"));
            // F16 handed to FLOAT16 unchanged: identical bit patterns
            NDArray h = f.load("h", m, DataType.FLOAT16);
            assertEquals(DataType.FLOAT16, h.getDataType());
            ByteBuffer hb = h.toByteBuffer().order(ByteOrder.nativeOrder());
            for (short bits : F16_BITS) {
                assertEquals(bits, hb.getShort());
            }
            // BF16 rounded to F16: 3.140625 -> nearest half 3.140625
            assertArrayEquals(new float[] {1f, -3f, Float.POSITIVE_INFINITY, 0f, 3.140625f},
                    f.load("b", m, DataType.FLOAT16).toType(DataType.FLOAT32, false).toFloatArray());
            assertArrayEquals(new long[] {0, -5, 76}, f.load("i", m, DataType.INT64).toLongArray());
            assertArrayEquals(new int[] {0, -5, 76}, f.load("i", m, DataType.INT32).toIntArray());
            assertEquals(0, f.load("e", m, DataType.FLOAT32).size());
            ModelFormatException x = assertThrows(ModelFormatException.class, () -> f.load("nope", m,
                    DataType.FLOAT32));
            assertTrue(x.getMessage().contains("'nope'") && x.getMessage().contains("mixed.safetensors"));
        }
    }

    @Test
    void readBytesCopiesRawStorage() throws Exception {
        try (SafetensorsFile f = SafetensorsFile.open(mixedFile())) {
            ByteBuffer b = f.readBytes("h");
            assertArrayEquals(shorts(F16_BITS), b.array());
        }
    }

    @Test
    void filesOver4GiBUsePerTensorWindows() throws Exception {
        // S14: sparse 4 GiB + 16 bytes file; the last tensor lies past the 2 GiB and 4 GiB marks.
        long gib = 1L << 30;
        StringBuilder json = new StringBuilder("{");
        for (int i = 0; i < 4; i++) {
            json.append("\"big").append(i).append("\":{\"dtype\":\"U8\",\"shape\":[").append(gib)
                    .append("],\"data_offsets\":[").append(i * gib).append(',').append((i + 1) * gib).append("]},");
        }
        json.append("\"tail\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[").append(4 * gib).append(',')
                .append(4 * gib + 16).append("]}}");
        byte[] j = json.toString().getBytes(StandardCharsets.UTF_8);
        Path p = dir.resolve("sparse.safetensors");
        try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
            raf.write(cat(le(j.length), j));
            raf.seek(8 + j.length + 4 * gib);
            raf.write(floats(7f, -8f, 9.5f, 1e-3f));
        }
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertArrayEquals(new float[] {7f, -8f, 9.5f, 1e-3f}, f.loadFloats("tail"));
            assertEquals(5, f.keys().size());
        }
    }

    @Test
    void truncatedWhileOpenIsAnErrorNotACrash() throws Exception {
        Path p = mixedFile();
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
                raf.setLength(30);
            }
            SafetensorsException e = assertThrows(SafetensorsException.class, () -> f.loadFloats("i"));
            assertEquals(SafetensorsException.Kind.FILE_CHANGED, e.kind());
        }
    }

    @Test
    void openErrorsNameTheFile() throws Exception {
        Path p = dir.resolve("empty.safetensors");
        Files.write(p, new byte[0]);
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(p));
        assertEquals(SafetensorsException.Kind.HEADER_TOO_SMALL, e.kind());
        assertTrue(e.getMessage().contains("empty.safetensors"));
        ModelFormatException missing = assertThrows(ModelFormatException.class,
                () -> SafetensorsFile.open(dir.resolve("absent.safetensors")));
        assertTrue(missing.getMessage().contains("absent.safetensors"));
    }
}
