package dev.noodle.nodes.host;

import ai.djl.engine.Engine;
import dev.noodle.engine.runtime.Attention;
import dev.noodle.engine.runtime.ConvLayout;
import dev.noodle.engine.runtime.CudaLibtorch;
import dev.noodle.engine.runtime.DeviceFindings;
import dev.noodle.engine.runtime.Devices;
import dev.noodle.engine.runtime.EngineOptions;
import dev.noodle.engine.runtime.EngineStatus;
import dev.noodle.engine.runtime.GroupNorm;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code ./noodle doctor}: which device the engine computes on and why, with what decided it (driver, GPUs, the
 * CUDA libtorch folder, the libtorch DJL loaded) and how it computes (float type, attention, group norm, convolution
 * layout, memory, DJL's cache). Loads the engine.
 */
public final class EngineDoctor {
    /**
     * The report.
     *
     * @param lines what to print
     * @param usable whether workflows can run as asked (the engine loads, and a GPU is there if one was asked for)
     */
    public record Report(List<String> lines, boolean usable) {}

    /**
     * One GPU as {@code nvidia-smi} reports it.
     *
     * @param name the card
     * @param memoryMiB its memory
     * @param freeMiB its free memory
     * @param computeCapability e.g. {@code 8.9}
     */
    public record Gpu(String name, long memoryMiB, long freeMiB, String computeCapability) {
        /** Whether the card computes in bfloat16 natively (compute capability 8.0 and newer). */
        public boolean hasBf16() {
            try {
                return Double.parseDouble(computeCapability) >= 8.0;
            } catch (NumberFormatException e) {
                return false;
            }
        }
    }

    private EngineDoctor() {}

    /** Examines this process's engine with the options of its {@code -Dnoodle.*} properties. */
    public static Report examine() {
        List<String> lines = new ArrayList<>();
        EngineOptions options;
        try {
            options = EngineOptions.fromProperties(System.getProperties());
        } catch (IllegalArgumentException e) {
            return new Report(List.of("options: " + e.getMessage()), false);
        }
        lines.add("system:    " + System.getProperty("os.name") + " " + System.getProperty("os.arch") + ", "
                + Runtime.getRuntime().availableProcessors() + " cores, Java " + Runtime.version());
        Optional<String> problem = EngineStatus.problem();
        DeviceFindings f = EngineStatus.findings();
        lines.add("driver:    " + (f.driver() == null ? "none (/proc/driver/nvidia/version is absent)"
                : "NVIDIA " + f.driver() + (f.driverUsable() ? " (runs CUDA " + CudaLibtorch.CUDA_VERSION + ")"
                        : " (too old for CUDA " + CudaLibtorch.CUDA_VERSION + ": needs ≥ " + CudaLibtorch.MIN_DRIVER
                                + ")")));
        List<Gpu> gpus = f.driver() == null ? List.of() : nvidiaSmi();
        for (Gpu g : gpus) {
            lines.add(String.format(Locale.ROOT, "gpu:       %s, %,d MiB (%,d MiB free), compute capability %s",
                    g.name(), g.memoryMiB(), g.freeMiB(), g.computeCapability()));
        }
        lines.add("cuda libtorch: " + installLine(f));
        if (problem.isPresent()) {
            lines.add("engine:    cannot load: " + problem.get());
        } else {
            lines.add("engine:    DJL " + Engine.getDjlVersion() + ", libtorch " + libtorchVersion() + " ("
                    + (f.useCudaLibtorch() ? "flavor " + CudaLibtorch.FLAVOR + ", CUDA " + CudaLibtorch.CUDA_VERSION
                            : f.userLibtorch() != null ? "chosen by PYTORCH_LIBRARY_PATH/PYTORCH_FLAVOR"
                                    : "flavor cpu") + ") from " + libtorchPath() + "; sees " + f.gpuCount()
                    + " GPU(s)");
        }
        boolean usable = problem.isEmpty();
        if (usable) {
            try {
                Devices.Target t = Devices.choose(options);
                boolean gpu = t.device().isGpu();
                lines.add("device:    " + (gpu ? "GPU " + t.device().getDeviceId() : "CPU") + ", computing in "
                        + t.dtype().name().toLowerCase(Locale.ROOT) + dtypeWhy(gpu, options, gpus));
                if (!gpu) {
                    f.cpuReason().ifPresent(r -> lines.add("why cpu:   " + r));
                }
            } catch (IllegalStateException e) {
                usable = false;
                lines.add("device:    " + e.getMessage());
                f.cpuReason().ifPresent(r -> lines.add("why:       " + r));
            }
        } else {
            f.cpuReason().ifPresent(r -> lines.add("why:       " + r));
        }
        lines.add("kernels:   attention " + (options.attention() == Attention.Mode.FAST
                ? "PyTorch scaled_dot_product_attention (SDPA)" : "DJL matmul + softmax, chunked")
                + "; group norm " + (options.groupNorm() == GroupNorm.Mode.FAST ? "fused" : "DJL fallback")
                + "; convolutions " + (options.convLayout() == ConvLayout.CHANNELS_LAST ? "channels-last" : "NCHW"));
        lines.add("memory:    " + memoryLine(gpus));
        lines.add("allocator: " + allocatorLine(System.getenv("GLIBC_TUNABLES")));
        lines.add("djl cache: " + cacheLine());
        return new Report(List.copyOf(lines), usable);
    }

    private static String installLine(DeviceFindings f) {
        if (!f.installed()) {
            return "not installed (" + f.cudaDir() + ")";
        }
        List<String> problems = CudaLibtorch.verify(CudaLibtorch.lib(f.cudaDir()));
        String state = f.installProblem() != null ? "damaged: " + f.installProblem()
                : problems.isEmpty() ? "installed and complete" : "incomplete: " + problems.get(0);
        return f.cudaDir() + ", " + state + (f.useCudaLibtorch() ? ", in use" : ", not used");
    }

    static String dtypeWhy(boolean gpu, EngineOptions options, List<Gpu> gpus) {
        if (options.dtype() != EngineOptions.DtypeChoice.AUTO) {
            return " (asked)";
        }
        if (!gpu) {
            return " (half precision on the CPU is 60-290x slower)";
        }
        boolean bf16 = !gpus.isEmpty() && gpus.get(0).hasBf16();
        return bf16 ? " (the card supports bf16, not used: DJL aborts the JVM on bf16 arrays in operations the"
                + " engine relies on, so bf16 is not proven safe; fp16 kept)"
                : " (the card has no bf16: compute capability below 8.0)";
    }

    private static String memoryLine(List<Gpu> gpus) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "Java heap up to %,d MiB", Runtime.getRuntime().maxMemory() >> 20));
        meminfo("MemTotal").ifPresent(t -> s.append(String.format(Locale.ROOT, "; RAM %,d MiB", t >> 10)));
        meminfo("MemAvailable").ifPresent(a -> s.append(String.format(Locale.ROOT, " (%,d MiB available)", a >> 10)));
        for (Gpu g : gpus) {
            s.append(String.format(Locale.ROOT, "; VRAM %,d MiB (%,d MiB free)", g.memoryMiB(), g.freeMiB()));
        }
        return s.toString();
    }

    /**
     * How the C allocator that holds tensor memory is set: the launcher maps tensors of 16 MB or more one by one on
     * transparent huge pages and gives them back when freed (GLIBC_TUNABLES), which keeps SDXL's peak near its weights.
     */
    static String allocatorLine(String tunables) {
        if (tunables == null) {
            return "glibc defaults (started without ./noodle: large tensors may stay in the allocator's heaps after"
                    + " each step, raising the peak; ./noodle sets GLIBC_TUNABLES)";
        }
        if (tunables.isBlank()) {
            return "glibc defaults (GLIBC_TUNABLES set empty)";
        }
        boolean huge = tunables.contains("glibc.malloc.hugetlb=1");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("glibc\\.malloc\\.mmap_threshold=(\\d+)")
                .matcher(tunables);
        String threshold = m.find() ? String.format(Locale.ROOT, "tensors of %,d KiB or more mapped one by one and"
                + " given back when freed", Long.parseLong(m.group(1)) >> 10) : "glibc's own mapping threshold";
        return threshold + (huge ? ", on transparent huge pages" : "") + " (GLIBC_TUNABLES=" + tunables + ")";
    }

    private static Optional<Long> meminfo(String key) {
        try (Stream<String> lines = Files.lines(Path.of("/proc/meminfo"))) {
            return lines.filter(l -> l.startsWith(key + ":")).findFirst()
                    .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static String cacheLine() {
        String env = System.getenv("DJL_CACHE_DIR");
        Path dir = env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".djl.ai");
        Path pt = dir.resolve("pytorch");
        if (!Files.isDirectory(pt)) {
            return dir + " (no libtorch unpacked yet)";
        }
        try (Stream<Path> subs = Files.list(pt)) {
            List<String> names = subs.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted()
                    .toList();
            return dir + (Files.isWritable(pt) ? "" : " (not writable)") + ": " + String.join(", ", names);
        } catch (IOException e) {
            return dir + " (unreadable: " + e.getMessage() + ")";
        }
    }

    private static String libtorchVersion() {
        try {
            return ai.djl.pytorch.jni.LibUtils.getVersion();
        } catch (RuntimeException | LinkageError e) {
            return "?";
        }
    }

    private static String libtorchPath() {
        try {
            return ai.djl.pytorch.jni.LibUtils.getLibtorchPath();
        } catch (RuntimeException | LinkageError e) {
            return "?";
        }
    }

    /** The GPUs {@code nvidia-smi} lists; empty when it is not installed or fails. */
    static List<Gpu> nvidiaSmi() {
        try {
            Process p = new ProcessBuilder("nvidia-smi", "--query-gpu=name,memory.total,memory.free,compute_cap",
                    "--format=csv,noheader,nounits").redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                return List.of();
            }
            return parseNvidiaSmi(text);
        } catch (IOException e) {
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    /** Parses {@code nvidia-smi --query-gpu=name,memory.total,memory.free,compute_cap --format=csv,noheader,nounits}. */
    static List<Gpu> parseNvidiaSmi(String text) {
        List<Gpu> gpus = new ArrayList<>();
        for (String line : text.split("\\R")) {
            String[] c = line.split(",");
            if (c.length < 4) {
                continue;
            }
            try {
                gpus.add(new Gpu(c[0].trim(), Long.parseLong(c[1].trim()), Long.parseLong(c[2].trim()), c[3].trim()));
            } catch (NumberFormatException e) {
                // a line that is not a GPU row (a warning) is skipped
            }
        }
        return gpus;
    }
}
