package dev.noodle.app.cli;

import dev.noodle.graph.exec.CacheStats;
import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.nodes.host.EngineMemory;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import dev.noodle.nodes.host.NoodleRunner;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code noodle soak}: runs one workflow (default {@code workflows/lora_stack.json} on the demo checkpoint and demo
 * LoRA) many times in one process with a new seed and new LoRA strengths each run, so that every run re-patches the
 * model, re-encodes the prompt and samples again; after each run it samples resident memory ({@code VmRSS}) and the
 * native memory DJL holds (the bytes of every live NDArray under DJL's system manager), and prints the figures at
 * the end of warm-up and at the end with the slope after warm-up (least squares, MB per 100 runs). A leak shows as a
 * slope well above zero. Each sample follows a {@code System.gc()} so that a lazily collected Java heap does not pass
 * for a leak. Not thread-safe; one soak per process.
 */
@Command(name = "soak", mixinStandardHelpOptions = true,
        description = "Run a workflow many times in one process and report memory growth.")
public final class SoakCommand implements Callable<Integer> {
    @Option(names = "--runs", paramLabel = "N", description = "Runs (default: 200).")
    int runs = 200;

    @Option(names = "--warmup", paramLabel = "N", description = "Runs counted as warm-up (default: runs / 10, 1..20).")
    Integer warmup;

    @Option(names = "--workflow", paramLabel = "FILE",
            description = "Workflow with LoraLoader nodes 10 and 11, KSampler 3 and EmptyLatentImage 5"
                    + " (default: workflows/lora_stack.json).")
    Path workflow;

    @Option(names = "--size", description = "Image width and height (default: 64).")
    int size = 64;

    @Option(names = "--steps", description = "Sampler steps (default: 2).")
    int steps = 2;

    @Option(names = "--models", paramLabel = "DIR", description = "Models root (default: ./models).")
    Path models = Path.of("models");

    @Option(names = "--cache-bytes", paramLabel = "N",
            description = "Result cache budget in bytes (default: the app's, 3/4 of RAM; 0 clears it after every"
                    + " run, so the figures show memory that no cached result explains).")
    Long cacheBytes;

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default: a temp folder, removed).")
    Path out;

    /** One sample after a run. */
    record Sample(int run, long rss, long nativeBytes, int arrays) {}

    @Override
    public Integer call() throws IOException {
        PrintStream o = System.out;
        if (runs < 1) {
            System.err.println("noodle soak: --runs must be at least 1");
            return 2;
        }
        int warm = warmup != null ? Math.max(1, Math.min(warmup, runs)) : Math.max(1, Math.min(20, runs / 10));
        Path file = workflow != null ? workflow : defaultWorkflow();
        Path outDir = out != null ? out : Files.createTempDirectory("noodle-soak");
        List<Sample> samples = new ArrayList<>();
        int failed = 0;
        String cacheLine = "";
        long t0 = System.nanoTime();
        try (NoodleNodes nodes = NoodleNodes.create(NodeEnvironment.of(models, outDir))) {
            Workflow base = WorkflowLoader.load(file, nodes);
            NoodleRunner runner = cacheBytes == null ? new NoodleRunner(nodes)
                    : new NoodleRunner(nodes, Math.max(1, cacheBytes));
            CancellationToken token = new CancellationToken();
            for (int i = 0; i < runs; i++) {
                Workflow wf = InputOverrides.apply(base, overrides(i));
                RunResult r = runner.run(wf, "soak-" + (i + 1), e -> { }, token);
                if (r.status() != RunResult.Status.SUCCESS) {
                    failed++;
                    System.err.println("noodle soak: run " + (i + 1) + " " + r.status() + ": " + r.message());
                    if (failed > 3) {
                        return 1;
                    }
                }
                if (cacheBytes != null && cacheBytes == 0) {
                    runner.executor().cache().clear();
                }
                System.gc();
                long[] dj = EngineMemory.liveArrays();
                samples.add(new Sample(i + 1, ProcessMemory.rss(), dj[0], (int) dj[1]));
                if ((i + 1) % Math.max(1, runs / 10) == 0) {
                    System.err.printf(Locale.ROOT, "soak: run %d/%d, rss %.1f MB, djl %.1f MB%n", i + 1, runs,
                            mb(ProcessMemory.rss()), mb(dj[0]));
                }
            }
            CacheStats c = runner.cacheStats();
            cacheLine = String.format(Locale.ROOT, "result cache at the end: %d entries, %.1f MB of %.1f MB budget",
                    c.entries(), mb(c.bytes()), mb(c.maxBytes()));
        } finally {
            if (out == null) {
                deleteTree(outDir);
            }
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        Sample w = samples.get(warm - 1);
        Sample end = samples.get(samples.size() - 1);
        List<Sample> after = samples.subList(warm - 1, samples.size());
        o.printf(Locale.ROOT, "soak: %d runs of %s at %d², %d steps, in %.1f s (%.2f s/run), %d failed%n", runs,
                file.getFileName(), size, steps, wall, wall / runs, failed);
        o.printf(Locale.ROOT, "rss: warm-up (run %d) %.1f MB, end (run %d) %.1f MB, slope %+.2f MB per 100 runs%n",
                w.run(), mb(w.rss()), end.run(), mb(end.rss()), slope(after, Sample::rss) * 100 / 1e6);
        o.println(cacheLine);
        if (end.nativeBytes() >= 0) {
            o.printf(Locale.ROOT, "djl native (live NDArrays): warm-up %.1f MB in %d arrays, end %.1f MB in %d arrays,"
                    + " slope %+.2f MB per 100 runs%n", mb(w.nativeBytes()), w.arrays(), mb(end.nativeBytes()),
                    end.arrays(), slope(after, Sample::nativeBytes) * 100 / 1e6);
        } else {
            o.println("djl native: not available (RSS only)");
        }
        return failed == 0 ? 0 : 1;
    }

    /** Seed, LoRA strengths, size and steps for run {@code i} (0-based); strengths cycle so no two neighbours match. */
    private List<String> overrides(int i) {
        double a = 0.2 + (i % 9) * 0.1;
        double b = -0.3 + (i % 5) * 0.05;
        return List.of("3.seed=" + (1000 + i), "3.steps=" + steps, "5.width=" + size, "5.height=" + size,
                String.format(Locale.ROOT, "10.strength_model=%.2f", a),
                String.format(Locale.ROOT, "10.strength_clip=%.2f", a),
                String.format(Locale.ROOT, "11.strength_model=%.2f", b));
    }

    private static Path defaultWorkflow() {
        String home = System.getProperty("noodle.home");
        Path rel = Path.of("workflows", "lora_stack.json");
        if (home != null) {
            return Path.of(home).resolve(rel);
        }
        return Files.isRegularFile(rel) ? rel : Path.of("..").resolve(rel);
    }

    /** Least-squares slope of {@code y} against the run number, per run. */
    static double slope(List<Sample> s, java.util.function.ToLongFunction<Sample> y) {
        if (s.size() < 2) {
            return 0;
        }
        double n = s.size();
        double mx = s.stream().mapToDouble(Sample::run).sum() / n;
        double my = s.stream().mapToDouble(x -> y.applyAsLong(x)).sum() / n;
        double num = 0;
        double den = 0;
        for (Sample x : s) {
            num += (x.run() - mx) * (y.applyAsLong(x) - my);
            den += (x.run() - mx) * (x.run() - mx);
        }
        return den == 0 ? 0 : num / den;
    }

    private static double mb(long bytes) {
        return bytes / 1e6;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp folder: best effort
        }
    }
}
