package dev.noodle.engine.io;

/** Storage dtypes Noodle reads from model files (safetensors names), with their byte width. */
public enum DType {
    F64(8), F32(4), F16(2), BF16(2), I64(8), I32(4), I16(2), I8(1), U8(1), BOOL(1), F8_E4M3(1), F8_E5M2(1);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** Whether the engine can turn this dtype into float32 compute values. */
    public boolean isFloat() {
        return this == F64 || this == F32 || this == F16 || this == BF16;
    }
}
