package dev.noodle.bench.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.noodle.engine.adapters.Lora;
import dev.noodle.engine.adapters.LoraPatcher;
import dev.noodle.engine.io.MapTensorSource;
import dev.noodle.engine.runtime.Devices;
import dev.noodle.engine.runtime.EngineOptions;
import dev.noodle.engine.unet.UNetConfig;
import dev.noodle.engine.unet.UNetWeights;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Benchmark (not a test): times patching a full-size SD 1.5 UNet (random weights generated in memory) with a
 * kohya LoRA generated in memory: every transformer linear layer plus proj_in/proj_out (kohya's default targets),
 * and with {@code locon} also every ResBlock 3×3 conv. Arguments: {@code [rank=128] [runs=3] [locon]}. Run with
 * {@code OPT_OUT_TRACKING=true java -cp … dev.noodle.bench.engine.LoraBench 128 3}.
 */
public final class LoraBench {
    private LoraBench() {}

    public static void main(String[] args) {
        int rank = args.length > 0 ? Integer.parseInt(args[0]) : 128;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        boolean locon = args.length > 2 && args[2].equals("locon");
        UNetConfig config = UNetConfig.sd15();
        Devices.Target target = Devices.choose(EngineOptions.fromProperties(System.getProperties()));
        long t0 = System.nanoTime();
        NDManager owner = NDManager.newBaseManager(target.device(), "PyTorch");
        UNetWeights base = UNetWeights.of(config, randomWeights(config, target, owner, false), owner);
        Lora l = syntheticLora(config, rank, locon);
        System.out.printf("setup %.1f s: %s on %s, LoRA rank %d with %d modules%n",
                (System.nanoTime() - t0) / 1e9, config.getClass().getSimpleName(), target, rank, l.modules().size());
        List<LoraPatcher.Applied> stack = List.of(new LoraPatcher.Applied(l, 1f, 1f));
        for (int r = 0; r < runs; r++) {
            long t = System.nanoTime();
            try (UNetWeights patched = LoraPatcher.applyToUNet(base, stack)) {
                int changed = 0;
                for (String k : base.keys()) {
                    if (patched.get(k) != base.get(k)) {
                        changed++;
                    }
                }
                System.out.printf("run %d: patched %d weights in %.2f s%n", r + 1, changed,
                        (System.nanoTime() - t) / 1e9);
            }
        }
        base.close();
    }

    /**
     * Uniform random weights of every parameter of a UNet of this config (scaled by fan-in), owned by {@code owner};
     * with {@code asLoaded} the convolution kernels are kept in the layout a loaded checkpoint keeps them in.
     */
    static Map<String, NDArray> randomWeights(UNetConfig config, Devices.Target target, NDManager owner,
            boolean asLoaded) {
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : UNetConfig.parameterShapes(config).entrySet()) {
            String key = e.getKey().substring(UNetConfig.PREFIX.length());
            long[] s = e.getValue();
            float a = (float) (s.length > 1 ? Math.sqrt(3.0 / ((double) new Shape(s).size() / s[0])) : 0.1);
            NDArray w = owner.randomUniform(-a, a, new Shape(s), target.dtype());
            if (asLoaded && s.length == 4 && s[1] > 1 && s[2] * s[3] > 1) {
                w = dev.noodle.engine.runtime.TorchOps.forConv(w, owner, target.options().convLayout());
            }
            w.attach(owner);
            arrays.put(key, w);
        }
        return arrays;
    }

    /**
     * A kohya LoRA of the given rank on every transformer linear layer and proj_in/out of a UNet of this config
     * (plus the ResBlocks' 3×3 convs when {@code locon}), random values, alpha = rank / 2, held in memory.
     */
    public static Lora syntheticLora(UNetConfig config, int rank, boolean locon) {
        Map<String, MapTensorSource.Entry> lora = new LinkedHashMap<>();
        SplittableRandom rnd = new SplittableRandom(42);
        for (Map.Entry<String, long[]> e : UNetConfig.parameterShapes(config).entrySet()) {
            String key = e.getKey().substring(UNetConfig.PREFIX.length());
            long[] s = e.getValue();
            boolean attn = key.contains("transformer_blocks") && key.endsWith(".weight") && !key.contains("norm");
            boolean proj = key.endsWith("proj_in.weight") || key.endsWith("proj_out.weight");
            boolean conv = locon && s.length == 4 && s[2] == 3 && key.contains("_layers.");
            if (attn || proj || conv) {
                String n = "lora_unet_" + key.substring(0, key.length() - ".weight".length()).replace('.', '_');
                long in = new Shape(s).size() / s[0];
                long[] downShape = s.length == 4 ? new long[] {rank, s[1], s[2], s[3]} : new long[] {rank, s[1]};
                long[] upShape = s.length == 4 ? new long[] {s[0], rank, 1, 1} : new long[] {s[0], rank};
                lora.put(n + ".lora_down.weight", new MapTensorSource.Entry(downShape, random(rnd, rank * in, 0.02f)));
                lora.put(n + ".lora_up.weight", new MapTensorSource.Entry(upShape, random(rnd, s[0] * rank, 0.02f)));
                lora.put(n + ".alpha", new MapTensorSource.Entry(new long[0], new float[] {rank / 2f}));
            }
        }
        return Lora.of("synthetic-rank" + rank, new MapTensorSource(lora, "in-memory LoRA"), Map.of());
    }

    private static float[] random(SplittableRandom rnd, long n, float scale) {
        float[] f = new float[Math.toIntExact(n)];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) (rnd.nextDouble() * 2 - 1) * scale;
        }
        return f;
    }
}
