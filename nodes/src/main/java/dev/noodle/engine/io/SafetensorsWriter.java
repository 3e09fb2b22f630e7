package dev.noodle.engine.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.noodle.io.AtomicFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Builds a safetensors file: named tensors plus string metadata, written atomically ({@link AtomicFiles}). The
 * header is compact JSON ({@code __metadata__} first, then tensors in the order added, each
 * {@code {"dtype","shape","data_offsets"}}) padded with spaces to a multiple of 8 bytes, as the reference writer
 * does, so the data is aligned. Tensor bytes are produced lazily, one tensor at a time, when the file is written.
 * Not thread-safe.
 */
public final class SafetensorsWriter {
    private record Pending(String name, DType dtype, long[] shape, long bytes, Supplier<ByteBuffer> data) {}

    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final List<Pending> tensors = new ArrayList<>();
    private final Set<String> names = new HashSet<>();

    /** Adds a {@code __metadata__} entry. */
    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /** Adds a float32 tensor (data is copied now). */
    public SafetensorsWriter addF32(String name, long[] shape, float[] data) {
        checkCount(name, shape, data.length);
        ByteBuffer b = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(data);
        return add(name, DType.F32, shape, b::duplicate);
    }

    /** Adds a float16 tensor, rounding the values to the nearest half ({@link Float#floatToFloat16}). */
    public SafetensorsWriter addF16(String name, long[] shape, float[] data) {
        checkCount(name, shape, data.length);
        ByteBuffer b = ByteBuffer.allocate(data.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : data) {
            b.putShort(Float.floatToFloat16(v));
        }
        b.flip();
        return add(name, DType.F16, shape, b::duplicate);
    }

    /**
     * Adds a tensor whose little-endian bytes are supplied when the file is written.
     *
     * @param data returns a buffer with exactly product(shape) × dtype bytes remaining
     */
    public SafetensorsWriter add(String name, DType dtype, long[] shape, Supplier<ByteBuffer> data) {
        if (name.equals("__metadata__") || !names.add(name)) {
            throw new IllegalArgumentException("tensor name '" + name + "' is reserved or already added");
        }
        long bits = Math.multiplyExact(TensorCodec.elementCount(shape), (long) dtype.bits());
        if (bits % 8 != 0) {
            throw new IllegalArgumentException("tensor '" + name + "' of " + dtype + " does not fill whole bytes");
        }
        tensors.add(new Pending(name, dtype, shape.clone(), bits / 8, data));
        return this;
    }

    private static void checkCount(String name, long[] shape, int n) {
        if (TensorCodec.elementCount(shape) != n) {
            throw new IllegalArgumentException("tensor '" + name + "' has " + n + " values but shape "
                    + java.util.Arrays.toString(shape) + " needs " + TensorCodec.elementCount(shape));
        }
    }

    /** The header bytes: length prefix excluded, padded with spaces to a multiple of 8. */
    byte[] header() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
            g.writeStartObject();
            if (!metadata.isEmpty()) {
                g.writeObjectFieldStart("__metadata__");
                for (Map.Entry<String, String> e : metadata.entrySet()) {
                    g.writeStringField(e.getKey(), e.getValue());
                }
                g.writeEndObject();
            }
            long offset = 0;
            for (Pending t : tensors) {
                g.writeObjectFieldStart(t.name());
                g.writeStringField("dtype", t.dtype().name());
                g.writeArrayFieldStart("shape");
                for (long d : t.shape()) {
                    g.writeNumber(d);
                }
                g.writeEndArray();
                g.writeArrayFieldStart("data_offsets");
                g.writeNumber(offset);
                g.writeNumber(offset + t.bytes());
                g.writeEndArray();
                g.writeEndObject();
                offset += t.bytes();
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int pad = (8 - out.size() % 8) % 8;
        for (int i = 0; i < pad; i++) {
            out.write(' ');
        }
        if (out.size() > SafetensorsHeader.MAX_HEADER_SIZE) {
            throw new IllegalStateException("safetensors header would be " + out.size() + " bytes, over the "
                    + SafetensorsHeader.MAX_HEADER_SIZE + "-byte limit; store less metadata");
        }
        return out.toByteArray();
    }

    /** The whole file in memory (small files and tests). */
    public byte[] toBytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] h = header();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
        out.writeBytes(h);
        for (Pending t : tensors) {
            ByteBuffer b = checked(t);
            byte[] arr = new byte[b.remaining()];
            b.get(arr);
            out.writeBytes(arr);
        }
        return out.toByteArray();
    }

    /** Writes the file atomically (temp file in the same folder, fsync, rename). */
    public void write(Path target) throws IOException {
        byte[] h = header();
        AtomicFiles.write(target, ch -> {
            AtomicFiles.writeFully(ch, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, h.length));
            AtomicFiles.writeFully(ch, ByteBuffer.wrap(h));
            for (Pending t : tensors) {
                AtomicFiles.writeFully(ch, checked(t));
            }
        });
    }

    private static ByteBuffer checked(Pending t) {
        ByteBuffer b = t.data().get();
        if (b.remaining() != t.bytes()) {
            throw new IllegalStateException("tensor '" + t.name() + "' supplied " + b.remaining()
                    + " bytes, expected " + t.bytes());
        }
        return b;
    }
}
