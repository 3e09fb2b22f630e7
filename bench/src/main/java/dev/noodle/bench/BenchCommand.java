package dev.noodle.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.noodle.app.cli.NoodleCommand;
import dev.noodle.app.cli.ProcessMemory;
import dev.noodle.bench.engine.ControlNetBench;
import dev.noodle.bench.engine.LoraBench;
import dev.noodle.bench.engine.SamplerFamilyBench;
import dev.noodle.engine.adapters.Lora;
import dev.noodle.engine.adapters.LoraPatcher;
import dev.noodle.engine.control.ControlModel;
import dev.noodle.engine.control.ControlModels;
import dev.noodle.engine.model.CheckpointLoader;
import dev.noodle.engine.model.LoadedCheckpoint;
import dev.noodle.engine.runtime.Devices;
import dev.noodle.engine.runtime.EngineOptions;
import dev.noodle.engine.runtime.TorchOps;
import dev.noodle.engine.sampling.SamplerKind;
import dev.noodle.engine.runtime.WeightPrecision;
import dev.noodle.engine.unet.UNetFlops;
import dev.noodle.engine.unet.UNetModel;
import dev.noodle.engine.unet.UNetWeights;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code noodle bench}: engine figures on a full-size checkpoint, each beside its baseline measured in the same
 * run — fp32 GEMM throughput (the machine's peak), reading the file once (load baseline), checkpoint load,
 * seconds per CFG step (UNet at batch 2) at 256² and 512² with the fraction of GEMM peak reached, VAE decode, and
 * peak resident memory (an SDXL checkpoint: steps at 768² and 1024², then the same steps with the UNet kept fp16 and
 * widened per layer as the baseline); with {@code --samplers}, a table of UNet evaluations per step and seconds per image for each
 * sampler beside bare denoiser calls ({@link SamplerFamilyBench}). The {@code noodle} launcher runs it with this
 * module on the class path.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmark the engine on a full-size SD 1.5- or SDXL-shaped checkpoint.")
public final class BenchCommand implements Callable<Integer> {
    /** FLOPs of one SD VAE decode at 512² (≈2.5 TFLOP). */
    static final double VAE_FLOPS_512 = 2.5e12;

    @Option(names = "--checkpoint", paramLabel = "FILE",
            description = "Checkpoint (default: bench-models/rnd-sd15.safetensors; make it with"
                    + " python3 ../shared/tools/make_random_sd15.py --out bench-models).")
    Path checkpoint = Path.of("bench-models", "rnd-sd15.safetensors");

    @Option(names = "--sizes", split = ",", description = "Image sizes for the step timing (default: 256,512; for an"
            + " SDXL checkpoint 768,1024).")
    int[] sizes;

    @Option(names = "--steps", description = "CFG steps timed per size after one warm-up (default: 1).")
    int steps = 1;

    @Option(names = "--no-vae", description = "Skip the VAE decode timing.")
    boolean noVae;

    @Option(names = "--no-preview", description = "Skip the live preview timing (latent2rgb and TAESD).")
    boolean noPreview;

        @Option(names = "--models", description = "Models root (for the CLIP vocabulary).")
    Path models = Path.of("models");

    @Option(names = "--samplers", split = ",", paramLabel = "NAMES",
            description = "Also print a sampler table: UNet evaluations per step and seconds per image for these"
                    + " ComfyUI sampler names, or 'families' for one of each family, beside a baseline row.")
    List<String> samplers = List.of();

    @Option(names = "--sampler-size", description = "Image size of the sampler table (default: 512).")
    int samplerSize = 512;

    @Option(names = "--sampler-steps", description = "Steps per image in the sampler table (default: 20).")
    int samplerSteps = 20;

    @Option(names = "--samplers-only", description = "Load the checkpoint and print only the sampler table.")
    boolean samplersOnly;

    @Option(names = "--controlnets", split = ",", paramLabel = "FILES",
            description = "Also time a CFG step with one and with two of these ControlNets (SD 1.5, e.g."
                    + " bench-models/controlnet/rnd-controlnet-sd15.safetensors from"
                    + " tools/make_random_controlnet_sd15.py) beside the plain step, in the same run.")
    List<Path> controlnets = List.of();

    @Option(names = "--control-size", description = "Image size of the ControlNet rows (default: 512).")
    int controlSize = 512;

    @Option(names = "--controls-only", description = "Load the checkpoint and print only the ControlNet rows.")
    boolean controlsOnly;

    @Option(names = "--upscale", paramLabel = "SIZE", description = "Only time ImageUpscaleWithModel on a SIZE²"
            + " image with a RealESRGAN_x4plus-shaped upscaler (random weights unless --upscaler names a file).")
    int upscaleSize;

    @Option(names = "--upscaler", paramLabel = "FILE", description = "The upscaler file for --upscale.")
    Path upscaler;

    @Option(names = "--presets", description = "Only the few-step rows: seconds per image (sampler, VAE decode, PNG)"
            + " of the LCM preset on --checkpoint with an LCM-LoRA of the published layout and of the Turbo preset on"
            + " --sdxl-checkpoint, beside a baseline image in the same run.")
    boolean presets;

    @Option(names = "--sdxl-checkpoint", paramLabel = "FILE", description = "SDXL checkpoint of the --presets Turbo row"
            + " (default: bench-models/sdxl-a/rnd-sdxl.safetensors; 'none' skips the row).")
    String sdxlCheckpoint = "bench-models/sdxl-a/rnd-sdxl.safetensors";

    @Option(names = "--preset-size", description = "Image size of the --presets rows (default: 512).")
    int presetSize = 512;

    @Option(names = "--baseline-steps", description = "Steps of the --presets baseline image (default: 20).")
    int baselineSteps = 20;

    /** Runs {@code noodle bench} with the given arguments and exits with its status. */
    public static void main(String[] args) {
        int code = new CommandLine(new BenchCommand())
                .setExecutionExceptionHandler(NoodleCommand::handleExecutionException)
                .execute(args);
        System.exit(code);
    }

    @Override
    public Integer call() throws IOException {
        if (upscaleSize > 0) {
            dev.noodle.bench.engine.UpscaleBench.run(upscaler, upscaleSize);
            return 0;
        }
        if (!Files.isRegularFile(checkpoint)) {
            System.err.println("noodle bench: " + checkpoint + " not found. Make a full-size random SD 1.5 checkpoint"
                    + " with: python3 ../shared/tools/make_random_sd15.py --out bench-models");
            return 2;
        }
        if (presets) {
            return presetRows();
        }
        Devices.Target target = Devices.choose(EngineOptions.fromProperties(System.getProperties()));
        out("device: %s %s, %d cores", target.device(), target.dtype(), Runtime.getRuntime().availableProcessors());
        Timing peak = gemm(target);
        double gemm = peak.wall();
        out("fp32 GEMM peak (2048² matmul): %.1f GFLOP/s wall, %.1f GFLOP per CPU-second", gemm / 1e9,
                peak.cpu() / 1e9);
        long size = Files.size(checkpoint);
        double read = readOnce(checkpoint);
        out("read file once into one reused buffer: %.2f s (%.2f GB, %.2f GB/s)", read, size / 1e9,
                size / 1e9 / read);
        long t0 = System.nanoTime();
        double loadCpu0 = cpuSeconds();
        double load;
        long[] unetBound = new long[2];
        try (LoadedCheckpoint c = CheckpointLoader.load(checkpoint, models, target, s -> {
            if (s.equals("binding UNet") || s.equals("binding text encoder")) {
                unetBound[s.equals("binding UNet") ? 0 : 1] = System.nanoTime();
            }
        })) {
            load = (System.nanoTime() - t0) / 1e9;
            out("checkpoint load: %.2f s = %.2f× reading the file into one reused buffer (baseline into new memory"
                    + " below), %.2f CPU-s", load, load / read, cpuSeconds() - loadCpu0);
            boolean sdxl = c.unet().config().hasLabelEmbedding();
            if (sizes == null) {
                sizes = sdxl ? new int[] {768, 1024} : new int[] {256, 512};
            }
            out("  UNet (%s, %,d parameters) %s: bound in %.2f s of it", c.info().family(),
                    paramCount(c.unet().weights()), weightsLine(c.unet().weights().precision()),
                    (unetBound[1] - unetBound[0]) / 1e9);
            out("resident after load: %.2f GB", ProcessMemory.rss() / 1e9);
            phasePeak("load");
            if (!controlnets.isEmpty()) {
                controlTable(c, target);
                if (controlsOnly) {
                    return 0;
                }
            }
            if (!samplers.isEmpty()) {
                samplerTable(c);
                if (samplersOnly) {
                    return 0;
                }
            }
            for (int s : sizes) {
                Timing step = cfgStep(c.unet(), s, target);
                double flops = UNetFlops.forward(c.unet().config(), 2, s / 8, s / 8, 77);
                out("CFG step at %d×%d (UNet, batch 2%s): %.2f s wall (%.0f%% of GEMM peak, %.2f TFLOP counted),"
                                + " %.2f CPU-s (%.0f%% of GEMM per CPU-second), %.2f GB first-touched", s, s,
                        sdxl ? ", SDXL conditioning, " + weightsLine(c.unet().weights().precision()) : "",
                        step.wall(), 100 * flops / step.wall() / gemm, flops / 1e12, step.cpu(),
                        100 * flops / step.cpu() / peak.cpu(), step.faults() * 4096 / 1e9);
                phasePeak(s + "² steps");
                if (!noPreview && s == sizes[sizes.length - 1]) {
                    // the preview a sampler shows each step, beside that step measured above
                    out("%s", dev.noodle.bench.engine.PreviewBench.measure(s, Math.max(1, steps), target)
                            .line(s, step.wall()));
                }
            }
            if (!sdxl || noBaseline) {
                baselineSizes = null;
            } else if (c.unet().weights().precision().widens()) {
                out("(no fp16-storage baseline rows: the rows above already keep the UNet fp16, as the memory"
                        + " available at load did not hold its fp32 copy; -Dnoodle.weights=fp32 forces it)");
                baselineSizes = null;
            } else if (baselineSizes == null) {
                baselineSizes = new int[] {sizes[sizes.length - 1]};
            }
            if (!noVae) {
                double vae = vaeDecode(c, 512, target);
                out("VAE decode 512×512: %.2f s, %.0f%% of GEMM peak", vae, 100 * VAE_FLOPS_512 / vae / gemm);
                phasePeak("VAE decode");
            }
            // the memory target is the 512² generation (load, steps, decode); a LoRA patch comes on top
            generationPeak = maxPeak;
            if (sdxl) {
                // the LoRA row is SD 1.5's: a rank-128 patch of every SDXL module holds a second copy of them
                sdxlWeightBytes = fp32WeightBytes(checkpoint);
            } else {
                loraPatchRow(c);
            }
        }
        if (sdxlWeightBytes > 0) {
            out("peak resident memory of the %d² generation (load, steps, VAE decode): %.2f GB = fp32 weights + %.2f GB"
                    + " (UNet, text encoders and VAE as fp32: %.2f GB; target ≤ fp32 weights + 3 GB)",
                    sizes[sizes.length - 1], generationPeak / 1e9, (generationPeak - sdxlWeightBytes) / 1e9,
                    sdxlWeightBytes / 1e9);
            if (baselineSizes != null && baselineSizes.length > 0) {
                try {
                    fp16Baseline(target, peak);
                } catch (OutOfMemoryError e) {
                    // the fp16 arrays live in Java direct buffers, which count against -Xmx
                    System.err.println("noodle bench: the fp16 baseline ran out of memory (" + e.getMessage()
                            + "); give Java more with NOODLE_JAVA_OPTS=-Xmx20g, or skip it with --no-baseline.");
                    return 1;
                }
            }
            return 0;
        }
        // the read baseline runs after the model is gone, so its buffers cannot add to the peak reported here
        out("peak resident memory of the 512² generation (load, steps, VAE decode): %.2f GB = file + %.2f GB"
                + " (checkpoint file %.2f GB; target ≤ file + 2 GB)", generationPeak / 1e9, (generationPeak - size) / 1e9,
                size / 1e9);
        out("peak resident memory with the LoRA patch too: %.2f GB",
                Math.max(maxPeak, ProcessMemory.peakRss()) / 1e9);
        double readNew = readIntoNewMemory(checkpoint);
        out("read file once into new memory of its size (what any loader does): %.2f s (%.2f GB/s); checkpoint load"
                + " = %.2f× that (target ≤ 1.5×)", readNew, size / 1e9 / readNew, load / readNew);
        return 0;
    }

    /** SD 1.x: a rank-128 LoRA patch of every UNet module, after the generation's peak is taken. */
    private void loraPatchRow(LoadedCheckpoint c) {
        Lora lora = LoraBench.syntheticLora(c.unet().config(), 128, false);
        long p0 = System.nanoTime();
        double pc0 = cpuSeconds();
        try (UNetWeights patched = LoraPatcher.applyToUNet(c.unet().weights(),
                List.of(new LoraPatcher.Applied(lora, 1f, 1f)))) {
            out("LoRA rank 128 patch (%d modules) on the full UNet: %.2f s wall, %.2f CPU-s", lora.modules().size(),
                    (System.nanoTime() - p0) / 1e9, cpuSeconds() - pc0);
        }
        phasePeak("LoRA patch (the bench's synthetic LoRA is held on the Java heap)");
    }

    /** The few-step rows (LCM, Turbo) beside their baseline image, all in one run. */
    private int presetRows() throws IOException {
        Path sdxl = "none".equals(sdxlCheckpoint) ? null : Path.of(sdxlCheckpoint);
        if (sdxl != null && !Files.isRegularFile(sdxl)) {
            System.err.println("noodle bench: " + sdxl + " not found; name an SDXL checkpoint with --sdxl-checkpoint,"
                    + " or --sdxl-checkpoint none to skip the Turbo row");
            return 2;
        }
        Path vocab = models.resolve("tokenizers").resolve(dev.noodle.engine.text.ClipTokenizer.OPENAI_VOCAB_FILE);
        if (!Files.isRegularFile(vocab)) {
            System.err.println("noodle bench: the CLIP vocabulary " + vocab + " is missing; run ./noodle"
                    + " fetch-tokenizer or pass --models DIR holding tokenizers/"
                    + dev.noodle.engine.text.ClipTokenizer.OPENAI_VOCAB_FILE);
            return 2;
        }
        out("machine: %d cores, load average %.2f at the start", Runtime.getRuntime().availableProcessors(),
                java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        dev.noodle.bench.engine.FewStepBench.run(checkpoint, sdxl, vocab, presetSize, baselineSteps,
                System.out::println);
        out("load average at the end: %.2f",
                java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        return 0;
    }

    /** The sampler table: counts are exact, seconds are this machine's (each row beside the baseline row). */
    private void samplerTable(LoadedCheckpoint c) {
        List<SamplerKind> kinds = SamplerFamilyBench.parse(samplers);
        out("samplers at %d×%d, %d steps, normal scheduler, cfg 8 (an evaluation is one UNet call at batch 2):",
                samplerSize, samplerSize, samplerSteps);
        System.out.println(SamplerFamilyBench.HEADER);
        SamplerFamilyBench.run(c.unet(), c.sampling(), samplerSize, samplerSteps, kinds,
                r -> System.out.println(r.markdown()));
        phasePeak("sampler table");
    }

    /** Plain CFG step, then with the first ControlNet, the first two, …: seconds each, same run, same inputs. */
    private void controlTable(LoadedCheckpoint c, Devices.Target target) {
        List<ControlModel> loaded = new ArrayList<>();
        try {
            for (Path p : controlnets) {
                long t0 = System.nanoTime();
                ControlModel m = ControlModels.load(p, ControlModels.Request.of(target));
                loaded.add(m);
                out("ControlNet %s: loaded in %.2f s (%.2f GB)", p, (System.nanoTime() - t0) / 1e9,
                        m.sizeBytes() / 1e9);
            }
            phasePeak("ControlNet load");
            out("CFG step at %d×%d (UNet at batch 2) with 0..%d ControlNets at strength %.1f, best of %d after a"
                    + " warm-up:", controlSize, controlSize, loaded.size(), ControlNetBench.STRENGTH, steps);
            System.out.println(ControlNetBench.HEADER);
            List<ControlNetBench.Row> plain = new ArrayList<>();
            try (NDManager m = NDManager.newBaseManager(target.device())) {
                ControlNetBench.run(c.unet(), loaded, controlSize, steps, m, r -> {
                    if (plain.isEmpty()) {
                        plain.add(r);
                    }
                    System.out.println(r.markdown(plain.get(0)));
                });
            }
            phasePeak("ControlNet steps");
        } finally {
            loaded.forEach(ControlModel::close);
        }
    }

    private static void out(String fmt, Object... args) {
        System.out.println(String.format(Locale.ROOT, fmt, args));
    }

    /** CPU time of the whole process (all threads): on a shared machine wall time overstates the cost. */
    static double cpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
    }

    /** Best wall time and the CPU time of that same run, with the minor page faults it took (first touches). */
    record Timing(double wall, double cpu, long faults) {
        Timing(double wall, double cpu) {
            this(wall, cpu, 0);
        }
    }

    /** Minor page faults of this process so far (field 10 of /proc/self/stat), 0 where unknown. */
    static long minorFaults() {
        try {
            String st = Files.readString(Path.of("/proc/self/stat"));
            String[] f = st.substring(st.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[7]);
        } catch (IOException | RuntimeException notLinux) {
            return 0;
        }
    }

    static double gemmFlops(Devices.Target target) {
        return gemm(target).wall();
    }

    /** fp32 2048² matmul: FLOP per wall second and per CPU second (best of 5). */
    static Timing gemm(Devices.Target target) {
        int n = 2048;
        try (NDManager m = NDManager.newBaseManager(target.device())) {
            NDArray a = m.randomUniform(-1, 1, new Shape(n, n), DataType.FLOAT32);
            NDArray b = m.randomUniform(-1, 1, new Shape(n, n), DataType.FLOAT32);
            a.matMul(b).close();
            double best = Double.MAX_VALUE;
            double bestCpu = Double.MAX_VALUE;
            for (int i = 0; i < 5; i++) {
                long t = System.nanoTime();
                double c0 = cpuSeconds();
                NDArray c = a.matMul(b);
                c.getFloat(0, 0);
                best = Math.min(best, (System.nanoTime() - t) / 1e9);
                bestCpu = Math.min(bestCpu, cpuSeconds() - c0);
                c.close();
            }
            double flops = 2.0 * n * n * n;
            return new Timing(flops / best, flops / bestCpu);
        }
    }

    static double readOnce(Path file) throws IOException {
        long t = System.nanoTime();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocateDirect(8 << 20);
            while (ch.read(buf) >= 0) {
                buf.clear();
            }
        }
        return (System.nanoTime() - t) / 1e9;
    }

    /**
     * Reads the file once into freshly allocated native memory of its size, as a loader must (the first touch of
     * new pages is part of loading; on some virtual machines it costs more than the copy), then frees it.
     */
    static double readIntoNewMemory(Path file) throws IOException {
        long t = System.nanoTime();
        java.util.List<ByteBuffer> held = new java.util.ArrayList<>();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            long chunk = 64L << 20;
            for (long pos = 0; pos < size; pos += chunk) {
                ByteBuffer buf = ByteBuffer.allocateDirect((int) Math.min(chunk, size - pos));
                held.add(buf);
                while (buf.hasRemaining() && ch.read(buf, pos + buf.position()) >= 0) {
                    // positional reads until the chunk is full
                }
            }
        }
        double seconds = (System.nanoTime() - t) / 1e9;
        held.clear();
        System.gc(); // direct buffers are freed by their cleaners after a collection
        return seconds;
    }

    private Timing cfgStep(UNetModel unet, int size, Devices.Target target) {
        int h = size / 8;
        try (NDManager m = NDManager.newBaseManager(target.device())) {
            NDArray x = TorchOps.randn(m, 1, new Shape(2, 4, h, h)).toType(target.dtype(), false);
            NDArray t = m.create(new float[] {500f, 500f});
            NDArray ctx = TorchOps.randn(m, 2, new Shape(2, 77, unet.config().contextDim()))
                    .toType(target.dtype(), false);
            // SDXL: the pooled bigG embedding and six size numbers (SdxlConditioning's shapes), as a sampler passes
            NDArray y = unet.config().hasLabelEmbedding()
                    ? TorchOps.randn(m, 3, new Shape(2, unet.config().admInChannels())).toType(target.dtype(), false)
                    : null;
            double best = Double.MAX_VALUE;
            double cpu = 0;
            long faults = 0;
            int first = noWarmup ? 1 : 0;
            for (int i = first; i <= Math.max(1, steps); i++) { // step 0 is the warm-up
                try (NDManager step = m.newSubManager()) {
                    long t0 = System.nanoTime();
                    double c0 = cpuSeconds();
                    long f0 = minorFaults();
                    NDArray eps = unet.forward(x, t, ctx, y);
                    eps.getFloat(0, 0, 0, 0);
                    eps.attach(step);
                    double wall = (System.nanoTime() - t0) / 1e9;
                    if (i > 0 && wall < best) {
                        best = wall;
                        cpu = cpuSeconds() - c0;
                        faults = minorFaults() - f0;
                    }
                }
            }
            return new Timing(best, cpu, faults);
        }
    }

    // ---- SDXL: the weights' precision, and the fp16-storage baseline in the same run ----

    @Option(names = "--baseline-sizes", split = ",", description = "SDXL: sizes of the baseline rows with the UNet"
            + " kept fp16 and widened per layer, timed after the main rows (default: the largest of --sizes).")
    int[] baselineSizes;

    @Option(names = "--no-baseline", description = "SDXL: skip the fp16-storage baseline rows.")
    boolean noBaseline;

    @Option(names = "--no-warmup", description = "Time the first CFG step of each size instead of"
            + " warming up with one (an SDXL 1024² step takes minutes on 2 cores; the baseline rows are timed the same"
            + " way, so they stay comparable).")
    boolean noWarmup;

    private long sdxlWeightBytes;

    // what the checkpoint's weights (UNet, text encoders, VAE) take as fp32, from its header
    private static long fp32WeightBytes(Path file) {
        try (dev.noodle.engine.io.ModelFile src = dev.noodle.engine.io.ModelFiles.open(file)) {
            long n = 0;
            for (String k : src.keys()) {
                if (src.info(k).dtype().isFloat()) {
                    n += src.info(k).elementCount();
                }
            }
            return 4 * n;
        }
    }

    private static long paramCount(UNetWeights w) {
        long n = 0;
        for (String k : w.keys()) {
            n += w.get(k).getShape().size();
        }
        return n;
    }

    private static String weightsLine(WeightPrecision p) {
        return p.widens() ? "stored " + p.storage() + ", widened to " + p.compute() + " layer by layer on every step"
                : "stored and computed as " + p.compute();
    }

    /**
     * The old way, timed in the same run after the checkpoint is closed: the UNet alone loaded with its fp16
     * weights kept fp16 and widened layer by layer on every step.
     */
    private void fp16Baseline(Devices.Target target, Timing peak) throws IOException {
        Runtime.getRuntime().gc();
        phasePeak("closing the checkpoint");
        try (dev.noodle.engine.io.ModelFile src = dev.noodle.engine.io.ModelFiles.open(checkpoint)) {
            var info = dev.noodle.engine.model.FamilyDetector.detect(src);
            long t0 = System.nanoTime();
            try (UNetModel unet = UNetModel.load(src.withPrefix(info.unetPrefix()), target,
                    WeightPrecision.halfStorage())) {
                out("baseline: UNet alone %s: bound in %.2f s", weightsLine(unet.weights().precision()),
                        (System.nanoTime() - t0) / 1e9);
                for (int s : baselineSizes) {
                    Timing step = cfgStep(unet, s, target);
                    double flops = UNetFlops.forward(unet.config(), 2, s / 8, s / 8, 77);
                    out("baseline CFG step at %d×%d (UNet, batch 2), fp16 storage widened per layer: %.2f s wall (%.0f%%"
                                    + " of GEMM peak), %.2f CPU-s (%.0f%% of GEMM per CPU-second), %.2f GB first-touched",
                            s, s, step.wall(), 100 * flops / step.wall() / peak.wall(), step.cpu(),
                            100 * flops / step.cpu() / peak.cpu(), step.faults() * 4096 / 1e9);
                    phasePeak(s + "² baseline steps");
                }
            }
        }
    }

    private static double vaeDecode(LoadedCheckpoint c, int size, Devices.Target target) {
        try (NDManager m = NDManager.newBaseManager(target.device())) {
            NDArray z = TorchOps.randn(m, 3, new Shape(1, 4, size / 8, size / 8));
            long t0 = System.nanoTime();
            NDArray img = c.vae().decode(z);
            img.getFloat(0, 0, 0, 0);
            return (System.nanoTime() - t0) / 1e9;
        }
    }

    private long maxPeak;
    private final ResidentSampler sampler = ResidentSampler.start();
    private long generationPeak;

    /**
     * Prints the peak resident memory of the phase that just ended, with the Java heap's share, and starts the next
     * phase's count (Linux resets the high-water mark when "5" is written to /proc/self/clear_refs).
     */
    private void phasePeak(String phase) {
        long hwm = ProcessMemory.peakRss();
        maxPeak = Math.max(maxPeak, hwm);
        Runtime rt = Runtime.getRuntime();
        out("  peak resident during %s: %.2f GB (now %.2f GB; Java heap %.2f GB used of %.2f GB committed)", phase,
                hwm / 1e9, ProcessMemory.rss() / 1e9, (rt.totalMemory() - rt.freeMemory()) / 1e9,
                rt.totalMemory() / 1e9);
        ResidentSampler.Sample top = sampler.takeHighest();
        if (top != null) {
            out("    at its highest sample: %s", top);
        }
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException | RuntimeException notLinux) {
            // the next phase's figure then includes this one's peak
        }
    }
}
