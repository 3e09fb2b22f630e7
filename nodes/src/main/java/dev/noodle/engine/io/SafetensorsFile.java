package dev.noodle.engine.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Set;

/**
 * A safetensors file opened for reading, validated by {@link SafetensorsHeader} at open. Each tensor is read on
 * demand with positional reads at its own offset (so files of any size work, and no mapped pages stay in the resident
 * set): F32 tensors straight into the new array's native memory, other dtypes through a heap buffer while they are
 * converted; the file's size is re-checked before each read, so a file truncated underneath gives an error, never a
 * crash. Thread-safe for reads; {@link #close()} releases the channel.
 */
public final class SafetensorsFile implements ModelFile {
    private final Path path;
    private final FileChannel channel;
    private final long fileSize;
    private final SafetensorsHeader header;
    private final Map<String, SafetensorsHeader.Entry> entries;

    private SafetensorsFile(Path path, FileChannel channel, long fileSize, SafetensorsHeader header) {
        this.path = path;
        this.channel = channel;
        this.fileSize = fileSize;
        this.header = header;
        this.entries = header.byName();
    }

    /** Opens and validates the file; throws {@link SafetensorsException} naming the file and the rule broken. */
    public static SafetensorsFile open(Path path) {
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new ModelFormatException("Cannot open model file " + path + ": " + e.getMessage()
                    + ". Check that the file exists and is readable.", e);
        }
        try {
            long size = ch.size();
            ByteBuffer prefix = ByteBuffer.allocate((int) Math.min(8, size));
            readFully(ch, prefix, 0);
            long n = SafetensorsHeader.headerLength(prefix.array(), size, path.toString());
            ByteBuffer json = ByteBuffer.allocate((int) n);
            readFully(ch, json, 8);
            SafetensorsHeader header = SafetensorsHeader.parse(json.array(), size, path.toString());
            return new SafetensorsFile(path, ch, size, header);
        } catch (IOException e) {
            closeQuietly(ch);
            throw new ModelFormatException("Cannot read model file " + path + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos);
            if (r < 0) {
                throw new IOException("unexpected end of file at byte " + pos);
            }
            pos += r;
        }
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // closing a read channel cannot lose data
        }
    }

    /** The validated header (offsets, dtypes, shapes). */
    public SafetensorsHeader header() {
        return header;
    }

    @Override
    public Map<String, String> metadata() {
        return header.metadata();
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public Set<String> keys() {
        return entries.keySet();
    }

    @Override
    public TensorInfo info(String key) {
        return entry(key).info();
    }

    private SafetensorsHeader.Entry entry(String key) {
        SafetensorsHeader.Entry e = entries.get(key);
        if (e == null) {
            throw new ModelFormatException(path + " has no tensor '" + key + "'. Check that this is the right kind"
                    + " of model file.");
        }
        return e;
    }

    private String what(String key) {
        return "tensor '" + key + "' in " + path;
    }

    /**
     * Reads the tensor's bytes into {@code dst} with positional reads (no memory map: mapped pages would stay in
     * the resident set until a GC unmaps them, doubling a loaded model's footprint).
     */
    private void readInto(SafetensorsHeader.Entry e, ByteBuffer dst) {
        try {
            long now = channel.size();
            if (now != fileSize) {
                throw new SafetensorsException(SafetensorsException.Kind.FILE_CHANGED, path + " changed size from "
                        + fileSize + " to " + now + " bytes while open. Reload the model.");
            }
            long pos = header.dataStart() + e.begin();
            while (dst.hasRemaining()) {
                int r = channel.read(dst, pos);
                if (r < 0) {
                    throw new SafetensorsException(SafetensorsException.Kind.FILE_CHANGED, "Reading "
                            + what(e.info().name()) + " hit the end of the file; it was truncated. Reload it.");
                }
                pos += r;
            }
            dst.flip();
        } catch (IOException x) {
            throw new ModelFormatException("Cannot read " + what(e.info().name()) + ": " + x.getMessage(), x);
        }
    }

    /** The tensor's raw little-endian bytes in a new heap buffer. */
    private ByteBuffer read(SafetensorsHeader.Entry e) {
        long len = e.byteLength();
        if (len > Integer.MAX_VALUE - 64) {
            throw new ModelFormatException(what(e.info().name()) + " is " + len + " bytes; Noodle reads tensors of"
                    + " at most 2 GiB each.");
        }
        ByteBuffer b = ByteBuffer.allocate((int) len).order(ByteOrder.LITTLE_ENDIAN);
        readInto(e, b);
        return b;
    }

    /** Runs a conversion, turning a fault on a mapping of a file truncated underneath us into an exception. */
    private <T> T guarded(String key, java.util.function.Supplier<T> body) {
        try {
            return body.get();
        } catch (InternalError x) {
            throw new SafetensorsException(SafetensorsException.Kind.FILE_CHANGED, "Reading " + what(key)
                    + " failed (" + x.getMessage() + "); the file was probably truncated or replaced. Reload it.");
        }
    }

    @Override
    public float[] loadFloats(String key) {
        SafetensorsHeader.Entry e = entry(key);
        long count = e.info().elementCount();
        if (count > Integer.MAX_VALUE - 8) {
            throw new ModelFormatException(what(key) + " has " + count + " elements, too many for loadFloats.");
        }
        float[] out = new float[(int) count];
        guarded(key, () -> {
            TensorCodec.toFloat32(read(e), e.info().dtype(), FloatBuffer.wrap(out), what(key));
            return out;
        });
        return out;
    }

    /**
     * {@inheritDoc}
     *
     * <p>FLOAT16 requests take F16 data as is (one copy, no rounding), for GPU use; BF16/F32 are rounded to F16.
     */
    @Override
    public NDArray load(String key, NDManager manager, DataType compute) {
        SafetensorsHeader.Entry e = entry(key);
        long len = e.byteLength();
        if (e.info().dtype() == DType.F32 && compute == DataType.FLOAT32 && len > 0 && len < Integer.MAX_VALUE - 64
                && ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
            // fast path: the file's bytes are already the array's bytes — one read straight into the array's own
            // (uninitialised) native memory, so closing the array frees it at once and nothing is zero-filled first
            NDArray arr = manager.create(new Shape(e.info().shape()), DataType.FLOAT32);
            ByteBuffer view = arr instanceof PtNDArray pt && ai.djl.Device.Type.CPU.equals(manager.getDevice().getDeviceType())
                    ? pt.toByteBuffer(true) : null;
            if (view != null && view.isDirect() && view.capacity() == len) {
                try {
                    readInto(e, view.order(ByteOrder.nativeOrder()));
                } catch (RuntimeException x) {
                    arr.close();
                    throw x;
                }
                return arr;
            }
            arr.close(); // not a view of the array's memory: read into a buffer the array copies
            ByteBuffer out = ByteBuffer.allocateDirect((int) len).order(ByteOrder.nativeOrder());
            readInto(e, out);
            return manager.create(out, new Shape(e.info().shape()), DataType.FLOAT32);
        }
        if (e.info().dtype() == DType.F16 && compute == DataType.FLOAT32 && len > 0 && 2 * len < Integer.MAX_VALUE - 64
                && ai.djl.Device.Type.CPU.equals(manager.getDevice().getDeviceType())) {
            // widening an fp16 weight once at load: straight into the array's own native memory, no second copy
            NDArray arr = manager.create(new Shape(e.info().shape()), DataType.FLOAT32);
            ByteBuffer view = arr instanceof PtNDArray pt ? pt.toByteBuffer(true) : null;
            if (view != null && view.isDirect() && view.capacity() == 2 * len) {
                try {
                    ByteBuffer raw = read(e);
                    guarded(key, () -> {
                        TensorCodec.toFloat32(raw, DType.F16, view.order(ByteOrder.nativeOrder()).asFloatBuffer(),
                                what(key));
                        return null;
                    });
                } catch (RuntimeException x) {
                    arr.close();
                    throw x;
                }
                return arr;
            }
            arr.close();
        }
        return guarded(key, () -> TensorCodec.toNDArray(read(e), e.info().dtype(), e.info().shape(), manager,
                compute, what(key)));
    }

    @Override
    public ByteBuffer readBytes(String key) {
        SafetensorsHeader.Entry e = entry(key);
        return read(e);
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
