package dev.noodle.engine.io;

import java.util.Locale;
import java.util.Optional;

/**
 * Storage dtypes Noodle meets in model files (safetensors names), with their width in bits.
 *
 * <p>The list follows the safetensors reference implementation's {@code Dtype} enum so every valid file parses;
 * only the float and integer types in {@link #isFloat()} / {@link #isInteger()} can be turned into numbers.
 */
public enum DType {
    F64(64), F32(32), F16(16), BF16(16), I64(64), I32(32), I16(16), I8(8), U8(8), BOOL(8), F8_E4M3(8), F8_E5M2(8),
    U16(16), U32(32), U64(64), C64(64), F8_E8M0(8), F8_E4M3FNUZ(8), F8_E5M2FNUZ(8), F6_E2M3(6), F6_E3M2(6), F4(4);

    private final int bits;

    DType(int bits) {
        this.bits = bits;
    }

    /** Bits per element (4 and 6 for the sub-byte micro-scaling formats). */
    public int bits() {
        return bits;
    }

    /**
     * Bytes per element; throws {@link IllegalStateException} for the sub-byte types F4/F6, whose elements do not
     * each fill a whole byte.
     */
    public int bytes() {
        if (bits % 8 != 0) {
            throw new IllegalStateException(name() + " elements are " + bits + " bits, not whole bytes");
        }
        return bits / 8;
    }

    /** Whether the engine can turn this dtype into float32 compute values. */
    public boolean isFloat() {
        return this == F64 || this == F32 || this == F16 || this == BF16;
    }

    /** Whether this is a signed integer type the engine can read (I8..I64, U8). */
    public boolean isInteger() {
        return this == I64 || this == I32 || this == I16 || this == I8 || this == U8;
    }

    /** The dtype with this safetensors name (exact, upper case), if any. */
    public static Optional<DType> fromName(String name) {
        for (DType d : values()) {
            if (d.name().equals(name)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }

    /** All names, for error messages. */
    public static String knownNames() {
        StringBuilder sb = new StringBuilder();
        for (DType d : values()) {
            sb.append(sb.isEmpty() ? "" : ", ").append(d.name().toUpperCase(Locale.ROOT));
        }
        return sb.toString();
    }
}
