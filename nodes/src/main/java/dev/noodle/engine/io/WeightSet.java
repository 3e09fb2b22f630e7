package dev.noodle.engine.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.util.Collection;
import java.util.List;
import java.util.function.Function;

/**
 * Named float weights read one tensor at a time: the parameters of a loaded model, a file's tensors read on demand
 * (nothing kept in memory), or weights computed per key from other weight sets (a merge). Writers and mergers walk
 * the keys and hold one tensor at a time, so a model can be saved or merged with a working set of one tensor.
 *
 * <p>Each tensor has a stored type ({@link DType#F32}, {@link DType#F16} or {@link DType#BF16}): the type it is
 * written in, and the precision its values are rounded to.
 */
public interface WeightSet {
    /** The keys, in the order they are written. */
    List<String> keys();

    /** A key's shape. */
    long[] shape(String key);

    /** A key's stored type: F32, F16 or BF16. */
    DType dtype(String key);

    /** A key's values as float32, row-major (new array). */
    float[] floats(String key);

    /** A key's little-endian bytes in {@link #dtype}; by default {@link #floats} encoded. */
    default ByteBuffer bytes(String key) {
        return encode(floats(key), dtype(key));
    }

    /** Where the weights come from, for messages. */
    String describe();

    /** The bytes {@code keys} take in their stored types. */
    default long byteSize() {
        long n = 0;
        for (String k : keys()) {
            n += TensorCodec.elementCount(shape(k)) * dtype(k).bytes();
        }
        return n;
    }

    /** {@code values} as little-endian {@code dtype} bytes (F32, F16 rounded to nearest, BF16 rounded to nearest even). */
    static ByteBuffer encode(float[] values, DType dtype) {
        ByteBuffer b = ByteBuffer.allocate(values.length * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case F32 -> b.asFloatBuffer().put(values);
            case F16 -> {
                ShortBuffer s = b.asShortBuffer();
                for (float v : values) {
                    s.put(Float.floatToFloat16(v));
                }
            }
            case BF16 -> {
                ShortBuffer s = b.asShortBuffer();
                for (float v : values) {
                    s.put(toBf16(v));
                }
            }
            default -> throw new IllegalArgumentException("weights are stored as F32, F16 or BF16, not " + dtype);
        }
        return b;
    }

    /** {@code values} rounded in place to what {@code dtype} can hold (unchanged for F32). */
    static float[] round(float[] values, DType dtype) {
        switch (dtype) {
            case F32 -> { }
            case F16 -> {
                for (int i = 0; i < values.length; i++) {
                    values[i] = Float.float16ToFloat(Float.floatToFloat16(values[i]));
                }
            }
            case BF16 -> {
                for (int i = 0; i < values.length; i++) {
                    values[i] = Float.intBitsToFloat(toBf16(values[i]) << 16);
                }
            }
            default -> throw new IllegalArgumentException("weights are stored as F32, F16 or BF16, not " + dtype);
        }
        return values;
    }

    private static short toBf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return (short) ((bits >>> 16) | 0x40); // NaN stays a (quiet) NaN
        }
        return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
    }

    /** The stored type of an array of a loaded model. */
    static DType dtypeOf(NDArray a, String key) {
        DataType t = a.getDataType();
        return switch (t) {
            case FLOAT32 -> DType.F32;
            case FLOAT16 -> DType.F16;
            default -> throw new ModelFormatException("'" + key + "' is " + t + "; weights are float32 or float16");
        };
    }

    /** The parameters of a loaded model: {@code get} returns the bound array of a key (not closed here). */
    static WeightSet ofArrays(Collection<String> keys, Function<String, NDArray> get, String describe) {
        List<String> ks = List.copyOf(keys);
        return new WeightSet() {
            @Override
            public List<String> keys() {
                return ks;
            }

            @Override
            public long[] shape(String key) {
                return get.apply(key).getShape().getShape();
            }

            @Override
            public DType dtype(String key) {
                return dtypeOf(get.apply(key), key);
            }

            @Override
            public float[] floats(String key) {
                NDArray a = get.apply(key);
                if (a.getDataType() == DataType.FLOAT32) {
                    return a.toFloatArray();
                }
                float[] out = new float[Math.toIntExact(a.size())];
                TensorCodec.toFloat32(ByteBuffer.wrap(a.toByteArray()), dtypeOf(a, key), FloatBuffer.wrap(out), key);
                return out;
            }

            @Override
            public ByteBuffer bytes(String key) {
                return ByteBuffer.wrap(get.apply(key).toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
            }

            @Override
            public String describe() {
                return describe;
            }
        };
    }

    /**
     * Tensors of a file (or a renaming view of one) read when asked, in the file's type: F16 and BF16 stay as they
     * are, other float types are written as F32.
     */
    static WeightSet ofSource(TensorSource source, Collection<String> keys) {
        List<String> ks = List.copyOf(keys);
        return new WeightSet() {
            @Override
            public List<String> keys() {
                return ks;
            }

            @Override
            public long[] shape(String key) {
                return source.info(key).shape();
            }

            @Override
            public DType dtype(String key) {
                DType t = source.info(key).dtype();
                if (!t.isFloat()) {
                    throw new ModelFormatException("'" + key + "' in " + source.describe() + " is " + t
                            + ", not a float weight");
                }
                return t == DType.F16 || t == DType.BF16 ? t : DType.F32;
            }

            @Override
            public float[] floats(String key) {
                return source.loadFloats(key);
            }

            @Override
            public ByteBuffer bytes(String key) {
                if (source.info(key).dtype() == dtype(key)) {
                    java.util.Optional<ByteBuffer> stored = source.storedBytes(key); // the file's own bytes
                    if (stored.isPresent()) {
                        return stored.get().order(ByteOrder.LITTLE_ENDIAN);
                    }
                }
                return encode(floats(key), dtype(key));
            }

            @Override
            public String describe() {
                return source.describe();
            }
        };
    }
}
