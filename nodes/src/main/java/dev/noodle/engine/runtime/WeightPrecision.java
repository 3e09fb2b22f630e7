package dev.noodle.engine.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.noodle.engine.io.DType;
import java.util.Collection;

/**
 * How a model's weights are kept in memory ({@code storage}) versus the float type its math runs in
 * ({@code compute}). On the CPU an fp16 checkpoint is best stored as fp16 (half the memory: SDXL's 2.6 B-parameter
 * UNet takes 5.1 GB instead of 10.3 GB) and widened to fp32 layer by layer just before use, because fp16 arithmetic
 * on these CPUs is 60–290× slower than fp32. Immutable.
 *
 * @param storage FLOAT16 or FLOAT32
 * @param compute FLOAT16 or FLOAT32
 */
public record WeightPrecision(DataType storage, DataType compute) {
    public WeightPrecision {
        if (!isFloat(storage) || !isFloat(compute)) {
            throw new IllegalArgumentException("weights are stored and computed as FLOAT16 or FLOAT32, got storage "
                    + storage + " and compute " + compute);
        }
    }

    /** Store and compute in the same type (no widening). */
    public static WeightPrecision uniform(DataType type) {
        return new WeightPrecision(type, type);
    }

    /** Store as fp16, compute in fp32: the CPU choice for fp16 checkpoints. */
    public static WeightPrecision halfStorage() {
        return new WeightPrecision(DataType.FLOAT16, DataType.FLOAT32);
    }

    /**
     * The precision for a target and the dtypes a checkpoint stores: fp16 storage with fp32 compute when the target
     * computes in fp32 on the CPU and every weight in the file is F16 (nothing is rounded that was not already
     * fp16), otherwise the target's dtype for both.
     */
    public static WeightPrecision choose(Devices.Target target, Collection<DType> fileTypes) {
        boolean allHalf = !fileTypes.isEmpty() && fileTypes.stream().allMatch(t -> t == DType.F16);
        if (ai.djl.Device.Type.CPU.equals(target.device().getDeviceType()) && target.dtype() == DataType.FLOAT32 && allHalf) {
            return halfStorage();
        }
        return uniform(target.dtype());
    }

    /** Whether weights are widened before use. */
    public boolean widens() {
        return storage != compute;
    }

    /**
     * The weight in the compute type: the array itself when it already is, else a widened copy created in the
     * current {@link ai.djl.ndarray.NDScope} (callers run inside {@link Scopes#scoped} so the copy dies with the
     * layer that used it).
     */
    public NDArray forCompute(NDArray weight) {
        return weight.getDataType() == compute ? weight : weight.toType(compute, false);
    }

    private static boolean isFloat(DataType t) {
        return t == DataType.FLOAT16 || t == DataType.FLOAT32;
    }
}
