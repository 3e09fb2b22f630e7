package dev.noodle.engine.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.noodle.engine.io.DType;
import java.util.Collection;

/**
 * How a model's weights are kept in memory ({@code storage}) versus the float type its math runs in
 * ({@code compute}). fp16 arithmetic on these CPUs is 60–290× slower than fp32, so an fp16 checkpoint computes in
 * fp32 there: widened once at load when memory allows ({@link #chooseForLoad}: SDXL's 2.6 B-parameter UNet then takes
 * 10.3 GB, and no step spends time widening), else stored as fp16 (5.1 GB) and widened layer by layer just before
 * use. Immutable.
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

    /**
     * Working memory a step needs beside the weights (SDXL at 1024², batch 2, with the peak of attention and the
     * largest convolutions), kept free when deciding to widen fp16 weights once at load.
     */
    public static final long WORKING_MARGIN_BYTES = 3_000_000_000L;

    /**
     * The precision a model's weights are loaded in, given what memory allows. Where {@link #choose} would keep fp16
     * storage widened per layer (fp32 math on the CPU, all-fp16 file), the target's {@link
     * EngineOptions#weights()} decides: {@code FP16} keeps that, {@code FP32} widens every weight once at load, and
     * {@code AUTO} widens once when the fp32 weights ({@code params} × 4 bytes), {@code otherBytes} (the parts
     * loaded beside them) and {@link #WORKING_MARGIN_BYTES} fit in {@code availableBytes}; an unknown amount (−1)
     * keeps fp16 storage. Otherwise the same as {@link #choose}.
     *
     * @param params parameters of the model being loaded
     * @param otherBytes bytes of the other parts loaded with it (text encoders, VAE)
     * @param availableBytes memory the system can give now ({@link #availableMemory()}), or −1 when unknown
     */
    public static WeightPrecision chooseForLoad(Devices.Target target, Collection<DType> fileTypes, long params,
            long otherBytes, long availableBytes) {
        WeightPrecision base = choose(target, fileTypes);
        if (!base.widens()) {
            return base;
        }
        return switch (target.options().weights()) {
            case FP16 -> base;
            case FP32 -> uniform(base.compute());
            case AUTO -> availableBytes >= 0
                    && params * 4 + otherBytes + WORKING_MARGIN_BYTES <= availableBytes
                    ? uniform(base.compute()) : base;
        };
    }

    /**
     * Memory the system can give this process now without swapping: {@code MemAvailable} of {@code /proc/meminfo},
     * lowered to what a cgroup memory limit leaves ({@code memory.max − memory.current}), in bytes; −1 where neither
     * is known (not Linux).
     */
    public static long availableMemory() {
        long available = -1;
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    available = Long.parseLong(line.substring("MemAvailable:".length()).trim().split("\\s+")[0])
                            * 1024;
                }
            }
        } catch (java.io.IOException | RuntimeException notLinux) {
            return -1;
        }
        try {
            java.nio.file.Path cg = java.nio.file.Path.of("/sys/fs/cgroup");
            String max = java.nio.file.Files.readString(cg.resolve("memory.max")).trim();
            if (!max.equals("max")) {
                long left = Long.parseLong(max)
                        - Long.parseLong(java.nio.file.Files.readString(cg.resolve("memory.current")).trim());
                available = available < 0 ? left : Math.min(available, left);
            }
        } catch (java.io.IOException | RuntimeException noLimit) {
            // no cgroup v2 limit readable: MemAvailable alone
        }
        return available;
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
