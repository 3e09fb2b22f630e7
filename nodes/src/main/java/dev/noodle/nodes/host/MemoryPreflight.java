package dev.noodle.nodes.host;

/**
 * Refuses jobs that cannot fit before anything is allocated, with the estimate in the message (a 16384×16384
 * batch of 64 must fail fast, not crash the engine).
 */
public final class MemoryPreflight {
    /** Above this many output pixels per batch (64 × 2048²) a job is refused. */
    static final long MAX_PIXELS = 64L * 2048 * 2048;

    private MemoryPreflight() {}

    /** Checks a batch of images of the given size. */
    public static void check(String what, long batch, long height, long width) {
        // saturating products: sizes whose product overflows a long must be refused, not wrap around to "small"
        long pixels = times(times(batch, height), width);
        long maxMemory = Runtime.getRuntime().maxMemory();
        // the VAE decode of one image needs about 128 channels × H × W floats at full resolution, several times over
        long perImageBytes = times(times(height, width), 128L * 4 * 3);
        if (pixels > MAX_PIXELS || perImageBytes > physicalBytes()) {
            throw new IllegalArgumentException(String.format(
                    "%s: %d image(s) of %d×%d is too large for this machine (needs about %.1f GB for one image"
                            + " during decoding, %.1f GB available). Use a smaller size or batch, or a tiled"
                            + " VAE node.", what, batch, width, height, perImageBytes / 1e9, physicalBytes() / 1e9));
        }
        if (maxMemory != Long.MAX_VALUE && times(pixels, 12) > maxMemory / 2) {
            throw new IllegalArgumentException(String.format("%s: a batch of %d image(s) at %d×%d needs %.1f GB of"
                    + " image memory; Noodle has %.1f GB. Use a smaller batch.", what, batch, width, height,
                    times(pixels, 12) / 1e9, maxMemory / 1e9));
        }
    }

    /**
     * Checks an upscale by a model to {@code batch} images of {@code height}×{@code width}: the result is assembled
     * in the Java heap (12 bytes a pixel, plus 4 for the blend weights of one image) while tiles run natively one at
     * a time, so the heap is what bounds it.
     */
    public static void checkUpscale(String what, long batch, long height, long width) {
        long pixels = times(times(batch, height), width);
        long heap = times(pixels, 12) + times(times(height, width), 4);
        long maxMemory = Runtime.getRuntime().maxMemory();
        if (pixels > MAX_PIXELS || pixels * 3 > Integer.MAX_VALUE - 8
                || (maxMemory != Long.MAX_VALUE && heap > maxMemory / 2)) {
            throw new IllegalArgumentException(String.format("%s: upscaling to %d image(s) of %d×%d needs %.1f GB of"
                    + " image memory; Noodle has %.1f GB. Upscale a smaller image or batch, or scale the image down"
                    + " first.", what, batch, width, height, heap / 1e9, maxMemory / 1e9));
        }
    }

    /** a × b for non-negative sizes, saturating at {@link Long#MAX_VALUE} instead of overflowing. */
    private static long times(long a, long b) {
        long r = Math.multiplyHigh(a, b) == 0 ? a * b : -1;
        return r < 0 ? Long.MAX_VALUE : r;
    }

    static long physicalBytes() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getTotalMemorySize();
        }
        return 16L << 30;
    }

    /**
     * Memory the system can give this process now without swapping: {@code MemAvailable} of {@code /proc/meminfo}
     * in bytes, or −1 where that is not known (not Linux). {@code -Dnoodle.memoryPreflight.availableBytes=N} sets
     * it instead (to try how a smaller machine would refuse).
     */
    public static long availableBytes() {
        String given = System.getProperty("noodle.memoryPreflight.availableBytes"); // what-if runs and tests
        if (given != null) {
            return Long.parseLong(given.trim());
        }
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    String[] f = line.substring("MemAvailable:".length()).trim().split("\\s+");
                    return Long.parseLong(f[0]) * 1024;
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /**
     * Refuses, before anything is allocated, work that needs more memory than the system has available (instead of
     * being killed by the system part way through). Off with {@code -Dnoodle.memoryPreflight=false}.
     *
     * @param what what would allocate, naming the node and files (e.g. "Loading a.safetensors for KSampler")
     * @param bytes about how much it allocates
     * @param advice what to do instead
     * @throws IllegalStateException when {@code bytes} exceed the available memory
     */
    public static void checkAvailable(String what, long bytes, String advice) {
        if (!Boolean.parseBoolean(System.getProperty("noodle.memoryPreflight", "true"))) {
            return;
        }
        checkAvailable(what, bytes, availableBytes(), advice);
    }

    /** As {@link #checkAvailable(String, long, String)} with the available bytes given (−1: unknown, no check). */
    static void checkAvailable(String what, long bytes, long available, String advice) {
        if (available >= 0 && bytes > available) {
            throw new IllegalStateException(String.format(java.util.Locale.ROOT, "%s needs about %.1f GB of memory,"
                    + " but only %.1f GB are available (MemAvailable in /proc/meminfo); it was not started, so"
                    + " nothing is lost. %s", what, bytes / 1e9, available / 1e9, advice));
        }
    }
}
