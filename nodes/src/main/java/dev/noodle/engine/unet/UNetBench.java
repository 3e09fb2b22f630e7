package dev.noodle.engine.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.noodle.engine.runtime.Attention;
import dev.noodle.engine.runtime.Devices;
import dev.noodle.engine.runtime.TorchOps;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Benchmark (not a test): times UNet forwards at a given latent size with random full-size SD 1.5 weights
 * generated in memory. Arguments: {@code [latentSize=64] [batch=2] [runs=2] [fast|fallback]}; prints seconds per
 * forward. Run with {@code OPT_OUT_TRACKING=true java -cp … dev.noodle.engine.unet.UNetBench 64 2 2}.
 */
public final class UNetBench {
    private UNetBench() {}

    public static void main(String[] args) {
        int size = args.length > 0 ? Integer.parseInt(args[0]) : 64;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        Attention.Mode mode = args.length > 3 && args[3].equals("fallback") ? Attention.Mode.FALLBACK
                : Attention.Mode.FAST;
        UNetConfig config = UNetConfig.sd15();
        Devices.Target target = Devices.choose();
        long t0 = System.nanoTime();
        NDManager owner = NDManager.newBaseManager(target.device(), "PyTorch");
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        long params = 0;
        for (Map.Entry<String, long[]> e : UNetLayout.of(config).shapes(config).entrySet()) {
            long[] s = e.getValue();
            // uniform with the variance of N(0, 1/fan_in): cheaper to draw than normals, same activation scale
            float a = (float) (s.length > 1 ? Math.sqrt(3.0 / ((double) new Shape(s).size() / s[0])) : 0.1);
            NDArray w = owner.randomUniform(-a, a, new Shape(s), target.dtype());
            w.attach(owner);
            arrays.put(e.getKey(), w);
            params += new Shape(s).size();
        }
        System.out.printf("sd15 UNet: %,d parameters generated in %.1f s on %s %s%n", params,
                (System.nanoTime() - t0) / 1e9, target.device(), target.dtype());
        try (UNetModel model = new UNetModel(UNetWeights.of(config, arrays, owner));
                NDManager m = NDManager.newBaseManager(target.device(), "PyTorch")) {
            NDArray x = TorchOps.randn(m, 42, new Shape(batch, 4, size, size));
            NDArray t = m.create(new float[batch]).add(500f);
            NDArray ctx = TorchOps.randn(m, 43, new Shape(batch, 77, config.contextDim()));
            for (int r = 0; r < runs; r++) {
                try (NDManager step = m.newSubManager()) {
                    long s = System.nanoTime();
                    long cpu = processCpuNanos();
                    NDArray eps = model.forward(x, t, ctx, mode);
                    float first = eps.getFloat(0, 0, 0, 0);
                    eps.attach(step);
                    System.out.printf("forward %d: %dx%d latent, batch %d, %s attention: %.2f s wall, %.2f s process"
                                    + " CPU (eps[0]=%.4f)%n", r, size, size, batch, mode,
                            (System.nanoTime() - s) / 1e9, (processCpuNanos() - cpu) / 1e9, first);
                }
            }
        }
    }

    /** CPU time of the whole process (all threads, native included): on a shared machine, wall time lies. */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }
}
