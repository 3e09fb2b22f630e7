package dev.noodle.bench.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.noodle.engine.adapters.Lora;
import dev.noodle.engine.adapters.LoraPatcher;
import dev.noodle.engine.runtime.Devices;
import dev.noodle.engine.runtime.EngineOptions;
import dev.noodle.engine.runtime.TorchOps;
import dev.noodle.engine.runtime.WeightPrecision;
import dev.noodle.engine.unet.UNetConfig;
import dev.noodle.engine.unet.UNetModel;
import dev.noodle.engine.unet.UNetWeights;
import java.util.List;
import java.util.Map;

/**
 * Benchmark (not a test): one UNet pass of a full-size SD 1.5 UNet (random weights in memory, convolution kernels in
 * the layout a loaded checkpoint has) beside the same pass of its LoRA-patched copy, alternating, so the two are
 * timed on the same machine state. Arguments: {@code [size=512] [batch=1] [rank=64] [rounds=3]}.
 */
public final class LoraPassBench {
    private LoraPassBench() {}

    public static void main(String[] args) {
        int size = args.length > 0 ? Integer.parseInt(args[0]) : 512;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        int rank = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        UNetConfig config = UNetConfig.sd15();
        EngineOptions options = EngineOptions.fromProperties(System.getProperties());
        Devices.Target target = Devices.choose(options);
        NDManager owner = NDManager.newBaseManager(target.device(), "PyTorch");
        Map<String, NDArray> arrays = LoraBench.randomWeights(config, target, owner, true);
        UNetWeights base = UNetWeights.of(config, arrays, owner, WeightPrecision.uniform(target.dtype()),
                target.options());
        Lora lora = LoraBench.syntheticLora(config, rank, true);
        UNetWeights patched = LoraPatcher.applyToUNet(base, List.of(new LoraPatcher.Applied(lora, 1f, 1f)));
        UNetModel plain = new UNetModel(base);
        UNetModel withLora = plain.withWeights(patched);
        int changed = 0;
        for (String k : base.keys()) {
            changed += patched.get(k) != base.get(k) ? 1 : 0;
        }
        System.out.printf("SD 1.5 UNet, %d×%d batch %d, LoRA rank %d patching %d of %d weights (%s)%n", size, size,
                batch, rank, changed, base.keys().size(), target);
        int h = size / 8;
        try (NDManager m = NDManager.newBaseManager(target.device())) {
            NDArray x = TorchOps.randn(m, 1, new Shape(batch, 4, h, h)).toType(target.dtype(), false);
            float[] ts = new float[batch];
            java.util.Arrays.fill(ts, 500f);
            NDArray t = m.create(ts);
            NDArray ctx = TorchOps.randn(m, 2, new Shape(batch, 77, config.contextDim())).toType(target.dtype(), false);
            for (int r = 0; r <= rounds; r++) { // round 0 warms both up
                double a = pass(plain, x, t, ctx, m);
                double b = pass(withLora, x, t, ctx, m);
                System.out.printf("round %d%s: plain %.2f s, LoRA-patched %.2f s (%+.0f%%)%n", r,
                        r == 0 ? " (warm-up)" : "", a, b, 100 * (b / a - 1));
            }
        }
        patched.close();
        base.close();
    }

    private static double pass(UNetModel unet, NDArray x, NDArray t, NDArray ctx, NDManager m) {
        try (NDManager step = m.newSubManager()) {
            long t0 = System.nanoTime();
            NDArray eps = unet.forward(x, t, ctx);
            eps.getFloat(0, 0, 0, 0);
            eps.attach(step);
            return (System.nanoTime() - t0) / 1e9;
        }
    }
}
