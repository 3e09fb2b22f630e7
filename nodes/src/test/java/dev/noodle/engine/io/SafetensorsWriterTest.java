package dev.noodle.engine.io;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Byte-exact vectors from the reference implementation's serializer tests (huggingface/safetensors
 * {@code safetensors/src/tensor.rs}: test_serialization, test_empty, test_serialization_forced_alignement), a
 * round trip through a file, and the atomic-replace guarantees.
 */
class SafetensorsWriterTest {
    @TempDir Path dir;

    static byte[] ints(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    @Test
    void serializationMatchesReference() {
        byte[] out = new SafetensorsWriter().addF32("attn.0", new long[] {1, 2, 3}, new float[] {0, 1, 2, 3, 4, 5})
                .toBytes();
        assertArrayEquals(ints(64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100,
                116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34,
                58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115,
                101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63,
                0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64), out);
        SafetensorsHeader.parseFile(out, "x");
    }

    @Test
    void emptyFilesMatchReference() {
        assertArrayEquals(ints(8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32),
                new SafetensorsWriter().toBytes());
        byte[] withMeta = new SafetensorsWriter().metadata("framework", "pt").toBytes();
        assertArrayEquals(ints(40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95,
                95, 34, 58, 123, 34, 102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112,
                116, 34, 125, 125, 32, 32, 32, 32, 32), withMeta);
        assertEquals("pt", SafetensorsHeader.parseFile(withMeta, "x").metadata().get("framework"));
    }

    @Test
    void headerIsPaddedForAlignment() {
        byte[] out = new SafetensorsWriter()
                .addF32("attn0", new long[] {1, 1, 2, 3}, new float[] {0, 1, 2, 3, 4, 5}).toBytes();
        assertEquals(72, out[0]);
        assertEquals(8 + 72 + 24, out.length);
        for (int i = 8 + 65; i < 8 + 72; i++) {
            assertEquals(' ', out[i], "padding byte " + i);
        }
    }

    @Test
    void roundTripThroughFile() throws IOException {
        Path p = dir.resolve("rt.safetensors");
        float[] a = {1.5f, -2.25f, 3e-4f, 1e6f, 0f, -0f};
        float[] h = {0.1f, -7.75f, 65504f};
        new SafetensorsWriter().metadata("format", "pt").metadata("note", "ünïcode ✓")
                .addF32("model.a", new long[] {2, 3}, a)
                .addF16("model.h", new long[] {3}, h)
                .addF32("scalar", new long[0], new float[] {42f})
                .addF32("empty", new long[] {0, 4}, new float[0])
                .write(p);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals("ünïcode ✓", f.metadata().get("note"));
            assertEquals(List.of("model.a", "model.h", "scalar", "empty"), List.copyOf(f.keys()));
            assertArrayEquals(a, f.loadFloats("model.a"));
            assertEquals(DType.F16, f.info("model.h").dtype());
            // 0.1 rounds to the nearest half 0.0999755859375
            assertArrayEquals(new float[] {0.099975586f, -7.75f, 65504f}, f.loadFloats("model.h"));
            assertArrayEquals(new float[] {42f}, f.loadFloats("scalar"));
            assertEquals(0, f.header().dataStart() % 8);
        }
    }

    @Test
    void replacingAMappedFileLeavesTheReaderIntact() throws IOException {
        Path p = dir.resolve("model.safetensors");
        new SafetensorsWriter().addF32("w", new long[] {2}, new float[] {1f, 2f}).write(p);
        try (SafetensorsFile old = SafetensorsFile.open(p)) {
            new SafetensorsWriter().addF32("w", new long[] {3}, new float[] {7f, 8f, 9f}).write(p);
            assertArrayEquals(new float[] {1f, 2f}, old.loadFloats("w"));
        }
        try (SafetensorsFile now = SafetensorsFile.open(p)) {
            assertArrayEquals(new float[] {7f, 8f, 9f}, now.loadFloats("w"));
        }
    }

    @Test
    void failedWriteKeepsTheOldFileAndRemovesTheTemp() throws IOException {
        Path p = dir.resolve("keep.safetensors");
        new SafetensorsWriter().addF32("w", new long[] {1}, new float[] {5f}).write(p);
        SafetensorsWriter bad = new SafetensorsWriter().add("w", DType.F32, new long[] {4},
                () -> ByteBuffer.allocate(3));
        assertThrows(IllegalStateException.class, () -> bad.write(p));
        try (SafetensorsFile f = SafetensorsFile.open(p); Stream<Path> files = Files.list(dir)) {
            assertArrayEquals(new float[] {5f}, f.loadFloats("w"));
            assertEquals(List.of(p), files.toList());
        }
    }

    @Test
    void rejectsBadTensors() {
        SafetensorsWriter w = new SafetensorsWriter().addF32("a", new long[] {1}, new float[] {1});
        assertThrows(IllegalArgumentException.class, () -> w.addF32("a", new long[] {1}, new float[] {1}));
        assertThrows(IllegalArgumentException.class, () -> w.addF32("__metadata__", new long[] {1},
                new float[] {1}));
        assertThrows(IllegalArgumentException.class, () -> w.addF32("b", new long[] {2}, new float[] {1}));
    }
}
