package dev.noodle.engine.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A safetensors file opened for reading. Each tensor is memory-mapped on demand in its own window (so files over
 * 2 GB work) and converted to the compute dtype in Java. Thread-safe for reads; close releases the channel.
 */
public final class SafetensorsFile implements TensorSource, AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Slot(TensorInfo info, long begin, long end) {}

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, Slot> slots;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, FileChannel channel, long dataStart, Map<String, Slot> slots,
            Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.slots = slots;
        this.metadata = metadata;
    }

    /** Opens and validates the header; throws {@link ModelFormatException} naming the file on any problem. */
    public static SafetensorsFile open(Path path) {
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new ModelFormatException("Cannot open model file " + path + ": " + e.getMessage(), e);
        }
        try {
            long size = ch.size();
            if (size < 8) {
                throw bad(path, "file is " + size + " bytes, too short for a safetensors header");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long n = lenBuf.flip().getLong();
            if (n < 0 || n > 100_000_000L) {
                throw bad(path, "header length " + n + " is out of range (corrupt file or not safetensors)");
            }
            if (8 + n > size) {
                throw bad(path, "header length " + n + " runs past the end of the " + size + "-byte file (truncated?)");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) n);
            readFully(ch, hb, 8);
            String header = StandardCharsets.UTF_8.newDecoder().decode(hb.flip()).toString();
            JsonNode root;
            try {
                root = JSON.readTree(header);
            } catch (IOException e) {
                throw bad(path, "header is not valid JSON");
            }
            if (root == null || !root.isObject()) {
                throw bad(path, "header is not a JSON object");
            }
            long dataLen = size - 8 - n;
            Map<String, Slot> slots = new LinkedHashMap<>();
            Map<String, String> meta = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                if (f.getKey().equals("__metadata__")) {
                    f.getValue().fields().forEachRemaining(m -> meta.put(m.getKey(), m.getValue().asText()));
                    continue;
                }
                JsonNode t = f.getValue();
                DType dt;
                try {
                    dt = DType.valueOf(t.path("dtype").asText());
                } catch (IllegalArgumentException e) {
                    throw bad(path, "tensor '" + f.getKey() + "' has unsupported dtype " + t.path("dtype"));
                }
                JsonNode sh = t.path("shape");
                long[] shape = new long[sh.size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = sh.get(i).asLong();
                }
                long b = t.path("data_offsets").path(0).asLong(-1);
                long e = t.path("data_offsets").path(1).asLong(-1);
                TensorInfo info = new TensorInfo(f.getKey(), dt, shape);
                if (b < 0 || e < b || e > dataLen || e - b != info.elementCount() * dt.bytes()) {
                    throw bad(path, "tensor '" + f.getKey() + "' has invalid data offsets [" + b + ", " + e + "]");
                }
                slots.put(f.getKey(), new Slot(info, b, e));
            }
            return new SafetensorsFile(path, ch, 8 + n, Collections.unmodifiableMap(slots),
                    Collections.unmodifiableMap(meta));
        } catch (IOException e) {
            closeQuietly(ch);
            throw new ModelFormatException("Cannot read model file " + path + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    private static ModelFormatException bad(Path path, String what) {
        return new ModelFormatException(path + " is not a usable safetensors file: " + what
                + ". Re-download the file or convert it again.");
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos);
            if (r < 0) {
                throw new IOException("unexpected end of file");
            }
            pos += r;
        }
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    /** The file's {@code __metadata__} (string to string). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** The file path. */
    public Path path() {
        return path;
    }

    @Override
    public Set<String> keys() {
        return slots.keySet();
    }

    @Override
    public TensorInfo info(String key) {
        return slot(key).info();
    }

    private Slot slot(String key) {
        Slot s = slots.get(key);
        if (s == null) {
            throw new ModelFormatException(path + ": missing tensor '" + key + "'");
        }
        return s;
    }

    private ByteBuffer map(Slot s) {
        try {
            MappedByteBuffer mb = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + s.begin(), s.end() - s.begin());
            return mb.order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new ModelFormatException("Cannot read tensor '" + s.info().name() + "' from " + path + ": "
                    + e.getMessage(), e);
        }
    }

    @Override
    public float[] loadFloats(String key) {
        Slot s = slot(key);
        long count = s.info().elementCount();
        if (count > Integer.MAX_VALUE - 8) {
            throw new ModelFormatException("Tensor '" + key + "' in " + path + " is too large: " + count);
        }
        ByteBuffer b = map(s);
        float[] out = new float[(int) count];
        switch (s.info().dtype()) {
            case F32 -> b.asFloatBuffer().get(out);
            case F16 -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = Float.float16ToFloat(b.getShort(i * 2));
                }
            }
            case BF16 -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = Float.intBitsToFloat((b.getShort(i * 2) & 0xffff) << 16);
                }
            }
            case F64 -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = (float) b.getDouble(i * 8);
                }
            }
            case I64 -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = b.getLong(i * 8);
                }
            }
            case I32 -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = b.getInt(i * 4);
                }
            }
            default -> throw new ModelFormatException("Tensor '" + key + "' in " + path + " has dtype "
                    + s.info().dtype() + ", which Noodle cannot convert to numbers.");
        }
        return out;
    }

    @Override
    public NDArray load(String key, NDManager manager, DataType compute) {
        Slot s = slot(key);
        float[] values = loadFloats(key);
        NDArray a = manager.create(FloatBuffer.wrap(values), new Shape(s.info().shape()));
        return compute == DataType.FLOAT32 ? a : a.toType(compute, false);
    }

    @Override
    public String describe() {
        return path.toString();
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }
}
