package dev.noodle.bench.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.noodle.engine.control.ControlModel;
import dev.noodle.engine.runtime.TorchOps;
import dev.noodle.engine.unet.ControlResiduals;
import dev.noodle.engine.unet.UNetModel;
import dev.noodle.engine.unet.UNetPatches;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Seconds per CFG step (the UNet at batch 2, negative and positive prompt, as ComfyUI's KSampler runs it at
 * cfg ≠ 1) with no control, with one ControlNet and with two chained ControlNets, measured in the same run on the
 * same inputs. A step with controls runs each ControlNet on the step's input (its residuals depend on the noisy
 * latent, the timestep and the text, so every step pays for them) and the UNet with the residuals summed, each at
 * strength {@value #STRENGTH}; the control image is prepared once, as the sampler does. Each row is the best of
 * {@code steps} timed calls after one warm-up call.
 */
public final class ControlNetBench {
    /** The strength every control is applied at (ComfyUI's ControlNetApply default). */
    public static final float STRENGTH = 1f;

    private ControlNetBench() {}

    /**
     * One row.
     *
     * @param controls how many ControlNets the step ran (0: the plain step)
     * @param seconds best wall seconds of one CFG step
     * @param cpuSeconds process CPU seconds of that same call
     */
    public record Row(int controls, double seconds, double cpuSeconds) {
        /** The row as a Markdown table line, with its cost over the plain row. */
        public String markdown(Row plain) {
            String what = controls == 0 ? "plain CFG step" : controls == 1 ? "with 1 ControlNet"
                    : "with " + controls + " ControlNets";
            return String.format(Locale.ROOT, "| %s | %.2f | %.2f | %s |", what, seconds, cpuSeconds,
                    controls == 0 ? "—" : String.format(Locale.ROOT, "%.2f×", seconds / plain.seconds));
        }
    }

    /** The Markdown header of {@link Row#markdown}. */
    public static final String HEADER = "| step | s wall | CPU-s | vs plain |\n| --- | --- | --- | --- |";

    /**
     * Times the plain step, then the step with the first control, the first two, …, up to all of {@code controls}.
     *
     * @param unet the UNet
     * @param controls the loaded ControlNets (each must suit the UNet's family)
     * @param size image size in pixels (latent size / 8)
     * @param steps timed calls per row, after one warm-up
     * @param manager where the inputs live (closed by the caller)
     * @param rows receives each row as it is measured
     * @return the rows, plain first
     */
    public static List<Row> run(UNetModel unet, List<ControlModel> controls, int size, int steps,
            NDManager manager, Consumer<Row> rows) {
        int h = size / 8;
        DataType dtype = unet.weights().precision().compute();
        List<Row> out = new ArrayList<>();
        try (NDManager m = manager.newSubManager()) {
            NDArray x = TorchOps.randn(m, 1, new Shape(2, 4, h, h)).toType(dtype, false);
            NDArray t = m.create(new float[] {500f, 500f});
            NDArray ctx = TorchOps.randn(m, 2, new Shape(2, 77, unet.config().contextDim())).toType(dtype, false);
            NDArray image = m.randomUniform(0, 1, new Shape(1, 3, size, size), DataType.FLOAT32);
            List<NDArray> hints = new ArrayList<>();
            for (ControlModel c : controls) {
                hints.add(c.hint(image, h, h, m));
            }
            for (int n = 0; n <= controls.size(); n++) {
                double best = Double.MAX_VALUE;
                double cpu = 0;
                for (int i = 0; i <= steps; i++) { // the first call warms up
                    try (NDManager step = m.newSubManager()) {
                        long t0 = System.nanoTime();
                        double c0 = cpuSeconds();
                        ControlResiduals sum = ControlResiduals.NONE;
                        for (int k = 0; k < n; k++) {
                            sum = sum.plus(controls.get(k).residuals(x, t, ctx, null, hints.get(k), step)
                                    .times(STRENGTH));
                        }
                        NDArray eps = unet.forward(x, t, ctx, null, UNetPatches.ofControl(sum));
                        eps.getFloat(0, 0, 0, 0);
                        eps.attach(step);
                        double wall = (System.nanoTime() - t0) / 1e9;
                        if (i > 0 && wall < best) {
                            best = wall;
                            cpu = cpuSeconds() - c0;
                        }
                    }
                }
                Row r = new Row(n, best, cpu);
                out.add(r);
                rows.accept(r);
            }
        }
        return out;
    }

    private static double cpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
    }
}
