package dev.noodle.engine.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing in a model file may reach DJL in a form that aborts the JVM (engine-notes: PyTorch via DJL aborts on
 * BF16/INT16 arrays): BF16 and I16 tensors are widened in Java before DJL sees them, compute types other than
 * FLOAT32/FLOAT16/INT64/INT32 are refused with a typed error, and shapes whose size overflows 64 bits are refused at
 * open (bad-inputs S11).
 */
class NativeSafetyTest {
    @TempDir
    Path dir;

    private Path bf16AndI16File() throws Exception {
        ByteBuffer bf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : new float[] {1f, -2.5f, 0.15625f, -0f}) {
            bf.putShort((short) (Float.floatToRawIntBits(v) >>> 16)); // exact in BF16
        }
        bf.flip();
        ByteBuffer i16 = ByteBuffer.allocate(6).order(ByteOrder.LITTLE_ENDIAN);
        i16.putShort((short) -32768).putShort((short) 7).putShort((short) 32767).flip();
        Path p = dir.resolve("mixed16.safetensors");
        new SafetensorsWriter()
                .add("w", DType.BF16, new long[] {2, 2}, bf::duplicate)
                .add("ids", DType.I16, new long[] {3}, i16::duplicate)
                .write(p);
        return p;
    }

    @Test
    void bf16AndI16AreWidenedBeforeDjlSeesThem() throws Exception {
        try (SafetensorsFile f = SafetensorsFile.open(bf16AndI16File()); NDManager m = NDManager.newBaseManager()) {
            NDArray w = f.load("w", m, DataType.FLOAT32);
            assertEquals(DataType.FLOAT32, w.getDataType());
            assertArrayEquals(new long[] {2, 2}, w.getShape().getShape());
            assertArrayEquals(new float[] {1f, -2.5f, 0.15625f, -0f}, w.toFloatArray());
            NDArray wh = f.load("w", m, DataType.FLOAT16);
            assertEquals(DataType.FLOAT16, wh.getDataType());
            assertArrayEquals(new float[] {1f, -2.5f, 0.15625f, -0f},
                    wh.toType(DataType.FLOAT32, false).toFloatArray());
            NDArray ids = f.load("ids", m, DataType.INT64);
            assertEquals(DataType.INT64, ids.getDataType());
            assertArrayEquals(new long[] {-32768, 7, 32767}, ids.toLongArray());
            assertArrayEquals(new int[] {-32768, 7, 32767}, f.load("ids", m, DataType.INT32).toIntArray());
            assertArrayEquals(new float[] {-32768f, 7f, 32767f}, f.load("ids", m, DataType.FLOAT32).toFloatArray());
        }
    }

    @Test
    void computeTypesDjlCannotTakeAreRefusedNotPassedOn() throws Exception {
        try (SafetensorsFile f = SafetensorsFile.open(bf16AndI16File()); NDManager m = NDManager.newBaseManager()) {
            for (DataType bad : new DataType[] {DataType.BFLOAT16, DataType.INT16, DataType.INT8, DataType.UINT8,
                    DataType.FLOAT64, DataType.BOOLEAN}) {
                ModelFormatException e = assertThrows(ModelFormatException.class, () -> f.load("w", m, bad),
                        bad.toString());
                assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains(bad.toString()),
                        e.getMessage());
            }
        }
    }

    @Test
    void shapesOverflowingLongAreRefusedAtOpen() throws Exception {
        for (String shape : new String[] {"[4294967296,4294967296]", "[3037000500,3037000500]",
                "[9223372036854775807,2]", "[18446744073709551616]", "[2305843009213693952]"}) {
            String json = "{\"t\":{\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":[0,4]}}";
            byte[] j = json.getBytes(StandardCharsets.UTF_8);
            ByteBuffer file = ByteBuffer.allocate(8 + j.length + 4).order(ByteOrder.LITTLE_ENDIAN);
            file.putLong(j.length).put(j).putFloat(1f);
            Path p = dir.resolve("huge.safetensors");
            Files.write(p, file.array());
            SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(p), shape);
            assertEquals(SafetensorsException.Kind.VALIDATION_OVERFLOW, e.kind(), shape + ": " + e.getMessage());
            assertTrue(e.getMessage().contains("huge.safetensors") && e.getMessage().contains("'t'"),
                    e.getMessage());
        }
    }
}
