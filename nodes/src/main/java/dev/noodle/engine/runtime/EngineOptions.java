package dev.noodle.engine.runtime;

import dev.noodle.engine.memory.VramSettings;
import java.util.Locale;
import java.util.Objects;
import java.util.Properties;

/**
 * How the engine computes: which device and float type to ask for, and which kernel implementations to use for
 * attention, group norm and convolutions. Built once by the host (from command-line flags or the legacy
 * {@code -Dnoodle.*} properties, see {@link #fromProperties}) and passed in: to {@link Devices#choose}, and from the
 * chosen {@link Devices.Target} to every model loaded for it. None of the choices changes the values computed beyond
 * float rounding.
 *
 * <p>Immutable and thread-safe.
 *
 * @param device where to compute
 * @param dtype which float type to compute in
 * @param attention which attention implementation runs
 * @param groupNorm which group-norm implementation runs
 * @param convLayout the memory order of convolution operands
 * @param vram how models share GPU memory ({@code -Dnoodle.vram}, {@code -Dnoodle.reserve-vram})
 */
public record EngineOptions(
        DeviceChoice device, DtypeChoice dtype, Attention.Mode attention, GroupNorm.Mode groupNorm,
        ConvLayout convLayout, VramSettings vram) {

    /** Which device the engine asks for. */
    public enum DeviceChoice {
        /** CUDA when DJL sees a GPU, else the CPU. */
        AUTO,
        /** The CPU. */
        CPU,
        /** A CUDA GPU; choosing it where DJL sees none is an error. */
        GPU
    }

    /** Which float type the engine computes in. */
    public enum DtypeChoice {
        /** float16 on a GPU, float32 on the CPU (where half precision is 60–290× slower). */
        AUTO,
        /** float32. */
        FP32,
        /** float16. */
        FP16
    }

    /** Property names the host accepts for compatibility ({@code -Dnoodle.device=cpu} ...). */
    public static final String DEVICE_PROPERTY = "noodle.device";
    /** See {@link #DEVICE_PROPERTY}. */
    public static final String DTYPE_PROPERTY = "noodle.dtype";
    /** See {@link #DEVICE_PROPERTY}. */
    public static final String ATTENTION_PROPERTY = "noodle.attention";
    /** See {@link #DEVICE_PROPERTY}. */
    public static final String GROUPNORM_PROPERTY = "noodle.groupnorm";
    /** See {@link #DEVICE_PROPERTY}. */
    public static final String NCHW_PROPERTY = "noodle.nchw";

    /** Checks that no choice is null. */
    public EngineOptions {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(attention, "attention");
        Objects.requireNonNull(groupNorm, "groupNorm");
        Objects.requireNonNull(convLayout, "convLayout");
        Objects.requireNonNull(vram, "vram");
    }

    /** Options with the default VRAM settings. */
    public EngineOptions(DeviceChoice device, DtypeChoice dtype, Attention.Mode attention, GroupNorm.Mode groupNorm,
            ConvLayout convLayout) {
        this(device, dtype, attention, groupNorm, convLayout, VramSettings.defaults());
    }

    /** Automatic device and type, the fast kernels and channels-last convolutions. */
    public static EngineOptions defaults() {
        return new EngineOptions(DeviceChoice.AUTO, DtypeChoice.AUTO, Attention.Mode.FAST, GroupNorm.Mode.FAST,
                ConvLayout.CHANNELS_LAST);
    }

    /**
     * Options from the legacy property names, each absent one keeping its default: {@code noodle.device}
     * ({@code auto}, {@code cpu}, {@code gpu}/{@code cuda}), {@code noodle.dtype} ({@code auto}, {@code fp32}/{@code
     * float32}, {@code fp16}/{@code float16}), {@code noodle.attention} ({@code fast}/{@code sdpa}, {@code
     * fallback}/{@code djl}), {@code noodle.groupnorm} ({@code fallback} selects the pure-DJL path, anything else the
     * fast one), {@code noodle.nchw} ({@code true} for the plain layout) and the VRAM settings
     * ({@link VramSettings#fromProperties}).
     *
     * @throws IllegalArgumentException naming the property and its accepted values when one is not understood
     */
    public static EngineOptions fromProperties(Properties p) {
        String dev = value(p, DEVICE_PROPERTY, "auto");
        DeviceChoice device = switch (dev) {
            case "cpu" -> DeviceChoice.CPU;
            case "gpu", "cuda" -> DeviceChoice.GPU;
            case "auto", "" -> DeviceChoice.AUTO;
            default -> throw new IllegalArgumentException(
                    DEVICE_PROPERTY + " must be auto, cpu or gpu, got '" + dev + "'");
        };
        String dt = value(p, DTYPE_PROPERTY, "auto");
        DtypeChoice dtype = switch (dt) {
            case "fp32", "float32" -> DtypeChoice.FP32;
            case "fp16", "float16" -> DtypeChoice.FP16;
            case "auto", "" -> DtypeChoice.AUTO;
            default -> throw new IllegalArgumentException(
                    DTYPE_PROPERTY + " must be auto, fp32 or fp16, got '" + dt + "'");
        };
        String a = value(p, ATTENTION_PROPERTY, "fast");
        Attention.Mode attention = switch (a) {
            case "fast", "sdpa", "" -> Attention.Mode.FAST;
            case "fallback", "djl" -> Attention.Mode.FALLBACK;
            default -> throw new IllegalArgumentException(
                    ATTENTION_PROPERTY + " must be fast or fallback, got '" + a + "'");
        };
        GroupNorm.Mode groupNorm = "fallback".equals(value(p, GROUPNORM_PROPERTY, "fast"))
                ? GroupNorm.Mode.FALLBACK
                : GroupNorm.Mode.FAST;
        ConvLayout layout = Boolean.parseBoolean(p.getProperty(NCHW_PROPERTY)) ? ConvLayout.NCHW
                : ConvLayout.CHANNELS_LAST;
        return new EngineOptions(device, dtype, attention, groupNorm, layout, VramSettings.fromProperties(p));
    }

    private static String value(Properties p, String name, String fallback) {
        return p.getProperty(name, fallback).trim().toLowerCase(Locale.ROOT);
    }

    /** A copy asking for {@code device}. */
    public EngineOptions withDevice(DeviceChoice device) {
        return new EngineOptions(device, dtype, attention, groupNorm, convLayout, vram);
    }

    /** A copy computing in {@code dtype}. */
    public EngineOptions withDtype(DtypeChoice dtype) {
        return new EngineOptions(device, dtype, attention, groupNorm, convLayout, vram);
    }

    /** A copy with another attention implementation. */
    public EngineOptions withAttention(Attention.Mode attention) {
        return new EngineOptions(device, dtype, attention, groupNorm, convLayout, vram);
    }

    /** A copy with another group-norm implementation. */
    public EngineOptions withGroupNorm(GroupNorm.Mode groupNorm) {
        return new EngineOptions(device, dtype, attention, groupNorm, convLayout, vram);
    }

    /** A copy with another convolution memory order. */
    public EngineOptions withConvLayout(ConvLayout convLayout) {
        return new EngineOptions(device, dtype, attention, groupNorm, convLayout, vram);
    }

    /** A copy with other VRAM settings. */
    public EngineOptions withVram(VramSettings vram) {
        return new EngineOptions(device, dtype, attention, groupNorm, convLayout, vram);
    }
}
