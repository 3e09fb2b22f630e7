package dev.noodle.engine.sampling;

import java.util.Arrays;

/**
 * The Align Your Steps schedules (Sabour, Fidler and Kreis 2024): NVIDIA's published 10-step σ tables for SD 1.x, SDXL
 * and Stable Video Diffusion, stretched to other step counts by linear interpolation of log σ over an even grid, as
 * the paper's how-to page describes. Stateless and thread-safe.
 */
public final class AlignYourSteps {
    private AlignYourSteps() {}

    /** The model a table was optimised for, spelled as ComfyUI's AlignYourStepsScheduler {@code model_type}. */
    public enum ModelType {
        SD1("SD1", 14.6146412293, 6.4745760956, 3.8636745985, 2.6946151520, 1.8841921177, 1.3943805092,
                0.9642583904, 0.6523686016, 0.3977456272, 0.1515232662, 0.0291671582),
        SDXL("SDXL", 14.6146412293, 6.3184485287, 3.7681790315, 2.1811480769, 1.3405244945, 0.8620721141,
                0.5550693289, 0.3798540708, 0.2332364134, 0.1114188177, 0.0291671582),
        SVD("SVD", 700.00, 54.5, 15.886, 7.977, 4.248, 1.789, 0.981, 0.403, 0.173, 0.034, 0.002);

        private final String comfyName;
        private final double[] levels;

        ModelType(String comfyName, double... levels) {
            this.comfyName = comfyName;
            this.levels = levels;
        }

        /** The ComfyUI spelling, e.g. "SDXL". */
        public String comfyName() {
            return comfyName;
        }
    }

    /**
     * ComfyUI AlignYourStepsScheduler: the table for {@code steps} steps (interpolated unless steps = 10); with denoise
     * &lt; 1 only its last round(steps·denoise) + 1 σ (round half to even, as Python); the final σ set to 0. denoise ≤ 0
     * gives no σ.
     */
    public static float[] sigmas(ModelType type, int steps, double denoise) {
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be >= 1, got " + steps);
        }
        if (denoise <= 0) {
            return new float[0];
        }
        int total = denoise < 1 ? (int) Math.rint(steps * denoise) : steps;
        double[] table = steps + 1 == type.levels.length ? type.levels : logLinear(type.levels, steps + 1);
        double[] tail = Arrays.copyOfRange(table, table.length - Math.min(total + 1, table.length), table.length);
        float[] out = new float[tail.length];
        for (int i = 0; i < tail.length - 1; i++) {
            out[i] = (float) tail[i];
        }
        return out;
    }

    /** Resamples descending levels to {@code n} points: log σ linear in an even grid over [0, 1]. */
    static double[] logLinear(double[] levels, int n) {
        int m = levels.length;
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            // position measured from the small end, as the ascending log σ the interpolation runs on
            double x = n == 1 ? 0 : (double) i / (n - 1);
            double pos = x * (m - 1);
            int j = Math.min((int) Math.floor(pos), m - 2);
            double w = pos - j;
            double a = Math.log(levels[m - 1 - j]);
            double b = Math.log(levels[m - 2 - j]);
            out[n - 1 - i] = Math.exp(a + w * (b - a));
        }
        return out;
    }
}
