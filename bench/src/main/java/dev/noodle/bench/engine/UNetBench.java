package dev.noodle.bench.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.noodle.engine.runtime.Attention;
import dev.noodle.engine.runtime.Devices;
import dev.noodle.engine.runtime.EngineOptions;
import dev.noodle.engine.runtime.TorchOps;
import dev.noodle.engine.runtime.WeightPrecision;
import dev.noodle.engine.unet.UNetConfig;
import dev.noodle.engine.unet.UNetModel;
import dev.noodle.engine.unet.UNetWeights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Benchmark (not a test): times UNet forwards with random full-size weights generated in memory. Arguments, in
 * any order: up to three numbers {@code [latentSize=64] [batch=2] [runs=2]}, a model {@code sd15|sdxl} (default
 * sd15), a weight storage {@code fp16|fp32} (default: the target's dtype; {@code fp16} on the CPU keeps the weights
 * fp16 and widens each to fp32 just before use), and {@code fast|fallback} attention. Prints wall and process CPU
 * seconds per forward (the machine is shared: wall time alone lies), the time to widen every weight once, and the
 * peak resident memory (VmHWM). Run with
 * {@code OPT_OUT_TRACKING=true java -cp … dev.noodle.bench.engine.UNetBench sdxl fp16 128 1 1}.
 */
public final class UNetBench {
    private UNetBench() {}

    public static void main(String[] args) {
        List<Integer> numbers = new ArrayList<>();
        UNetConfig config = UNetConfig.sd15();
        String model = "sd15";
        Attention.Mode mode = Attention.Mode.FAST;
        EngineOptions options = EngineOptions.fromProperties(System.getProperties());
        Devices.Target target = Devices.choose(options);
        WeightPrecision precision = WeightPrecision.uniform(target.dtype());
        for (String a : args) {
            switch (a) {
                case "sd15" -> config = UNetConfig.sd15();
                case "sdxl" -> {
                    config = UNetConfig.sdxl();
                    model = a;
                }
                case "fp16" -> precision = new WeightPrecision(DataType.FLOAT16, target.dtype());
                case "fp32" -> precision = new WeightPrecision(DataType.FLOAT32, target.dtype());
                case "fast" -> mode = Attention.Mode.FAST;
                case "fallback" -> mode = Attention.Mode.FALLBACK;
                default -> numbers.add(Integer.parseInt(a));
            }
        }
        int size = numbers.size() > 0 ? numbers.get(0) : 64;
        int batch = numbers.size() > 1 ? numbers.get(1) : 2;
        int runs = numbers.size() > 2 ? numbers.get(2) : 2;
        long t0 = System.nanoTime();
        NDManager owner = NDManager.newBaseManager(target.device(), "PyTorch");
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        long params = 0;
        for (Map.Entry<String, long[]> e : UNetConfig.parameterShapes(config).entrySet()) {
            long[] s = e.getValue();
            // uniform with the variance of N(0, 1/fan_in): cheaper to draw than normals, same activation scale
            float a = (float) (s.length > 1 ? Math.sqrt(3.0 / ((double) new Shape(s).size() / s[0])) : 0.1);
            NDArray w;
            try (NDManager tmp = owner.newSubManager()) {
                w = tmp.randomUniform(-a, a, new Shape(s), DataType.FLOAT32).toType(precision.storage(), false);
                w.attach(owner);
            }
            arrays.put(e.getKey().substring(UNetConfig.PREFIX.length()), w);
            params += new Shape(s).size();
        }
        System.out.printf("%s UNet: %,d parameters generated in %.1f s on %s, stored %s, computed %s; RSS %s%n",
                model, params, (System.nanoTime() - t0) / 1e9, target.device(), precision.storage(),
                precision.compute(), memory("VmRSS"));
        try (UNetModel unet = new UNetModel(UNetWeights.of(config, arrays, owner, precision, options));
                NDManager m = NDManager.newBaseManager(target.device(), "PyTorch")) {
            if (precision.widens()) {
                long s = System.nanoTime();
                long cpu = processCpuNanos();
                for (String k : unet.weights().keys()) {
                    try (NDManager tmp = m.newSubManager()) {
                        unet.weights().compute(k, tmp);
                    }
                }
                System.out.printf("widening every weight once (%s → %s): %.2f s wall, %.2f s process CPU%n",
                        precision.storage(), precision.compute(), (System.nanoTime() - s) / 1e9,
                        (processCpuNanos() - cpu) / 1e9);
            }
            NDArray x = TorchOps.randn(m, 42, new Shape(batch, 4, size, size));
            NDArray t = m.create(new float[batch]).add(500f);
            NDArray ctx = TorchOps.randn(m, 43, new Shape(batch, 77, config.contextDim()));
            NDArray y = config.hasLabelEmbedding()
                    ? TorchOps.randn(m, 44, new Shape(batch, config.admInChannels()))
                    : null;
            for (int r = 0; r < runs; r++) {
                try (NDManager step = m.newSubManager()) {
                    long s = System.nanoTime();
                    long cpu = processCpuNanos();
                    NDArray eps = unet.forward(x, t, ctx, y, mode);
                    float first = eps.getFloat(0, 0, 0, 0);
                    eps.attach(step);
                    System.out.printf("forward %d: %dx%d latent, batch %d, %s attention: %.2f s wall, %.2f s process"
                                    + " CPU (eps[0]=%.4f)%n", r, size, size, batch, mode,
                            (System.nanoTime() - s) / 1e9, (processCpuNanos() - cpu) / 1e9, first);
                }
            }
        }
        System.out.printf("peak resident memory (VmHWM): %s%n", memory("VmHWM"));
    }

    /** CPU time of the whole process (all threads, native included): on a shared machine, wall time lies. */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** A line of /proc/self/status such as VmHWM, in GiB ("n/a" off Linux). */
    private static String memory(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) {
                    long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    return String.format("%.2f GiB", kb / 1024.0 / 1024.0);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return "n/a (" + e.getMessage() + ")";
        }
        return "n/a";
    }
}
