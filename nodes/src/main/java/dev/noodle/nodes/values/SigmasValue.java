package dev.noodle.nodes.values;

import java.util.Arrays;

/**
 * The SIGMAS wire value, as ComfyUI's: the σ schedule a custom sampler runs, usually descending and ending in 0.
 *
 * <p>Immutable: the array is copied in and out. {@link #toString} lists the values for wire hovers and previews.
 */
public record SigmasValue(float[] sigmas) {
    private static final int SHOWN = 12;

    /** Copies the schedule. */
    public SigmasValue {
        sigmas = sigmas.clone();
    }

    /** A copy of the σ values. */
    @Override
    public float[] sigmas() {
        return sigmas.clone();
    }

    /** The number of σ values (steps + 1 for a schedule ending in 0). */
    public int length() {
        return sigmas.length;
    }

    /** The σ at {@code i}. */
    public float get(int i) {
        return sigmas[i];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SigmasValue other && Arrays.equals(sigmas, other.sigmas);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(sigmas);
    }

    /** E.g. {@code SIGMAS (4 steps) [14.6146, 2.9183, 0.9324, 0.0292, 0]}; long schedules elide the middle. */
    @Override
    public String toString() {
        int n = sigmas.length;
        StringBuilder b = new StringBuilder("SIGMAS (")
                .append(Math.max(n - 1, 0))
                .append(n - 1 == 1 ? " step) [" : " steps) [");
        for (int i = 0; i < n; i++) {
            if (n > SHOWN && i == SHOWN / 2) {
                b.append("…, ");
                i = n - SHOWN / 2;
            }
            b.append(format(sigmas[i])).append(i < n - 1 ? ", " : "");
        }
        return b.append(']').toString();
    }

    private static String format(float v) {
        if (v == 0f) {
            return "0";
        }
        String s = String.format(java.util.Locale.ROOT, "%.4f", v);
        return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
    }
}
