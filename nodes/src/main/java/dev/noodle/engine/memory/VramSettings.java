package dev.noodle.engine.memory;

import java.util.Locale;
import java.util.Properties;

/**
 * How models share GPU memory ({@code -Dnoodle.vram}, {@code -Dnoodle.reserve-vram}). Immutable.
 *
 * @param mode how eagerly models move between GPU and CPU memory
 * @param reserveBytes GPU memory kept free for other programs and for the engine's own allocations beyond a step's
 *     estimate, or -1 for the default ({@link VramBudget#DEFAULT_RESERVE})
 */
public record VramSettings(Mode mode, long reserveBytes) {
    /** The property choosing the mode: {@code normal}, {@code low}, {@code high} or {@code cpu}. */
    public static final String VRAM_PROPERTY = "noodle.vram";
    /** The property setting the reserve in GB (decimal fractions allowed), as ComfyUI's {@code --reserve-vram}. */
    public static final String RESERVE_PROPERTY = "noodle.reserve-vram";

    /** How eagerly models move between GPU and CPU memory. */
    public enum Mode {
        /**
         * Models move onto the GPU when a step needs them; the least recently used others move back to CPU memory
         * only when the step's models and work would not fit otherwise.
         */
        NORMAL,
        /** Only the models the current step needs stay on the GPU: all others move to CPU memory before it runs. */
        LOW,
        /** Models stay on the GPU once there (no moves); a step whose models do not fit fails with advice. */
        HIGH,
        /** Models load and compute on the CPU even when a GPU is present. */
        CPU
    }

    /** Checks the values. */
    public VramSettings {
        java.util.Objects.requireNonNull(mode, "mode");
        if (reserveBytes < -1) {
            throw new IllegalArgumentException("the VRAM reserve must be 0 or more bytes, got " + reserveBytes);
        }
    }

    /** Normal mode with the default reserve. */
    public static VramSettings defaults() {
        return new VramSettings(Mode.NORMAL, -1);
    }

    /**
     * The settings from {@code noodle.vram} ({@code normal}, {@code low}, {@code high}, {@code cpu}; absent:
     * normal) and {@code noodle.reserve-vram} (GB, absent: the default).
     *
     * @throws IllegalArgumentException naming the property and what it accepts when a value is not understood
     */
    public static VramSettings fromProperties(Properties p) {
        String m = p.getProperty(VRAM_PROPERTY, "normal").trim().toLowerCase(Locale.ROOT);
        Mode mode = switch (m) {
            case "normal", "" -> Mode.NORMAL;
            case "low", "lowvram" -> Mode.LOW;
            case "high", "highvram" -> Mode.HIGH;
            case "cpu" -> Mode.CPU;
            default -> throw new IllegalArgumentException(
                    VRAM_PROPERTY + " must be normal, low, high or cpu, got '" + m + "'");
        };
        String r = p.getProperty(RESERVE_PROPERTY, "").trim();
        long reserve = -1;
        if (!r.isEmpty()) {
            double gb;
            try {
                gb = Double.parseDouble(r);
            } catch (NumberFormatException e) {
                gb = Double.NaN;
            }
            if (!(gb >= 0) || gb > 1024) {
                throw new IllegalArgumentException(RESERVE_PROPERTY + " must be a number of GB from 0 to 1024, got '"
                        + r + "'");
            }
            reserve = Math.round(gb * VramBudget.GIB);
        }
        return new VramSettings(mode, reserve);
    }
}
