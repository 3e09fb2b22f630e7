package dev.noodle.engine.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;

/**
 * Converts raw little-endian tensor bytes of a storage {@link DType} into compute values: float32, float16 or
 * integers, in bulk. Shared by the safetensors and pickle readers. Stateless and thread-safe.
 *
 * <p>BF16 is widened as {@code bits << 16}; F16 with {@link Float#float16ToFloat} (an intrinsic on x86 with F16C).
 * Arrays handed to DJL are built on a fresh direct native-order buffer, which PyTorch adopts without another copy,
 * so they never alias memory-mapped file storage.
 */
public final class TensorCodec {
    private static final int CHUNK = 16384;

    private TensorCodec() {}

    /**
     * Reads {@code src} (little-endian, from its position to its limit) into a new array owned by {@code manager}.
     *
     * @param src raw bytes holding exactly product(shape) elements of {@code dtype}
     * @param compute FLOAT32, FLOAT16, INT64 or INT32
     * @param what "tensor 'x' in file" for error messages
     */
    public static NDArray toNDArray(ByteBuffer src, DType dtype, long[] shape, NDManager manager,
            DataType compute, String what) {
        long count = elementCount(shape);
        int outBytes = compute == DataType.FLOAT32 || compute == DataType.INT32 ? 4
                : compute == DataType.FLOAT16 ? 2 : compute == DataType.INT64 ? 8 : -1;
        if (outBytes < 0) {
            throw new ModelFormatException(what + ": Noodle loads weights as FLOAT32, FLOAT16, INT64 or INT32, not "
                    + compute + ".");
        }
        if (count * outBytes > Integer.MAX_VALUE - 64) {
            throw new ModelFormatException(what + " has " + count + " elements, more than one array can hold ("
                    + "2 GiB). Split the tensor or use a smaller model.");
        }
        ByteBuffer out = ByteBuffer.allocateDirect((int) (count * outBytes)).order(ByteOrder.nativeOrder());
        ByteBuffer in = src.slice().order(ByteOrder.LITTLE_ENDIAN);
        if (compute == DataType.FLOAT32) {
            toFloat32(in, dtype, out.asFloatBuffer(), what);
        } else if (compute == DataType.FLOAT16) {
            toFloat16(in, dtype, out.asShortBuffer(), what);
        } else if (compute == DataType.INT64) {
            toInt64(in, dtype, out.asLongBuffer(), what);
        } else {
            toInt32(in, dtype, out.asIntBuffer(), what);
        }
        return manager.create(out, new Shape(shape), compute);
    }

    /** Widens {@code src} (little-endian) into {@code dst} as float32 values. */
    public static void toFloat32(ByteBuffer src, DType dtype, FloatBuffer dst, String what) {
        ByteBuffer in = src.slice().order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case F32 -> dst.put(in.asFloatBuffer());
            case F16 -> {
                ShortBuffer sb = in.asShortBuffer();
                short[] s = new short[Math.min(CHUNK, sb.remaining())];
                float[] f = new float[s.length];
                while (sb.hasRemaining()) {
                    int n = Math.min(s.length, sb.remaining());
                    sb.get(s, 0, n);
                    for (int i = 0; i < n; i++) {
                        f[i] = Float.float16ToFloat(s[i]);
                    }
                    dst.put(f, 0, n);
                }
            }
            case BF16 -> {
                ShortBuffer sb = in.asShortBuffer();
                short[] s = new short[Math.min(CHUNK, sb.remaining())];
                float[] f = new float[s.length];
                while (sb.hasRemaining()) {
                    int n = Math.min(s.length, sb.remaining());
                    sb.get(s, 0, n);
                    for (int i = 0; i < n; i++) {
                        f[i] = Float.intBitsToFloat(s[i] << 16);
                    }
                    dst.put(f, 0, n);
                }
            }
            case F64 -> {
                DoubleBuffer db = in.asDoubleBuffer();
                while (db.hasRemaining()) {
                    dst.put((float) db.get());
                }
            }
            default -> {
                requireInteger(dtype, what);
                while (in.hasRemaining()) {
                    dst.put((float) readInteger(in, dtype));
                }
            }
        }
    }

    /** Converts {@code src} into IEEE half-precision bits in {@code dst}; F16 data is copied as is. */
    public static void toFloat16(ByteBuffer src, DType dtype, ShortBuffer dst, String what) {
        ByteBuffer in = src.slice().order(ByteOrder.LITTLE_ENDIAN);
        if (dtype == DType.F16) {
            dst.put(in.asShortBuffer());
            return;
        }
        if (!dtype.isFloat() && !dtype.isInteger()) {
            requireInteger(dtype, what);
        }
        long count = in.remaining() / dtype.bytes();
        float[] f = new float[(int) Math.min(CHUNK, count)];
        FloatBuffer fb = FloatBuffer.wrap(f);
        int step = CHUNK * dtype.bytes();
        while (in.hasRemaining()) {
            int len = Math.min(step, in.remaining());
            ByteBuffer part = in.slice(in.position(), len).order(ByteOrder.LITTLE_ENDIAN);
            in.position(in.position() + len);
            fb.clear();
            toFloat32(part, dtype, fb, what);
            int n = fb.position();
            for (int i = 0; i < n; i++) {
                dst.put(Float.floatToFloat16(f[i]));
            }
        }
    }

    private static void toInt64(ByteBuffer in, DType dtype, LongBuffer dst, String what) {
        requireInteger(dtype, what);
        if (dtype == DType.I64) {
            dst.put(in.asLongBuffer());
            return;
        }
        while (in.hasRemaining()) {
            dst.put(readInteger(in, dtype));
        }
    }

    private static void toInt32(ByteBuffer in, DType dtype, IntBuffer dst, String what) {
        requireInteger(dtype, what);
        if (dtype == DType.I32) {
            dst.put(in.asIntBuffer());
            return;
        }
        while (in.hasRemaining()) {
            long v = readInteger(in, dtype);
            if (v != (int) v) {
                throw new ModelFormatException(what + " holds " + v + ", which does not fit INT32; load it as INT64.");
            }
            dst.put((int) v);
        }
    }

    private static void requireInteger(DType dtype, String what) {
        if (!dtype.isInteger() && dtype != DType.BOOL) {
            throw new ModelFormatException(what + " has dtype " + dtype + ", which Noodle cannot convert to numbers."
                    + " Convert the file to F32/F16/BF16 (e.g. with safetensors in Python).");
        }
    }

    private static long readInteger(ByteBuffer in, DType dtype) {
        return switch (dtype) {
            case I64 -> in.getLong();
            case I32 -> in.getInt();
            case I16 -> in.getShort();
            case I8 -> in.get();
            case U8, BOOL -> in.get() & 0xff;
            default -> throw new IllegalStateException(dtype.name());
        };
    }

    /** Product of the dimensions, overflow-checked (1 for a scalar). */
    public static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }
}
