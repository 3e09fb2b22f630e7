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
}
