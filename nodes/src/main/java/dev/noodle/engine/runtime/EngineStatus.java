package dev.noodle.engine.runtime;

import ai.djl.engine.Engine;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Whether DJL's PyTorch engine can load its native library here (bad-inputs R6). DJL unpacks libtorch from the
 * {@code pytorch-native-cpu} jar into its cache folder on first use (or loads {@code PYTORCH_LIBRARY_PATH}); a cache
 * folder that cannot be written, a full disk or a missing jar make that fail. Checked once per process; the app
 * then stays usable for editing and every run says what is wrong instead of a stack trace. Thread-safe.
 */
public final class EngineStatus {
    private static Optional<String> problem;
    private static DeviceFindings findings;

    private EngineStatus() {}

    /**
     * What decided the device, after the engine loaded (or failed to): the driver, the CUDA libtorch folder, the
     * user's requests, the load problem and the GPU count. Loads the engine if it has not loaded yet.
     */
    public static synchronized DeviceFindings findings() {
        problem();
        return findings;
    }

    /** Null when the engine loads; otherwise one line for the user saying what failed and what to do. */
    public static synchronized Optional<String> problem() {
        if (problem == null) {
            problem = Optional.ofNullable(check());
        }
        return problem;
    }

    private static String check() {
        DeviceFindings f = beforeLoad();
        if (f.useCudaLibtorch()) {
            pointDjlAt(f.cudaDir());
        }
        String what = load();
        int gpus = 0;
        if (what == null) {
            try {
                gpus = Engine.getEngine("PyTorch").getGpuCount();
            } catch (RuntimeException | LinkageError e) {
                gpus = 0;
            }
        }
        findings = f.loaded(what, gpus);
        if (what == null) {
            return null;
        }
        return f.useCudaLibtorch()
                ? "the CUDA libtorch in " + f.cudaDir() + " cannot load (" + what + "). Run ./noodle gpu install"
                        + " again, or start with -Dnoodle.device=cpu to use the CPU libtorch."
                : message(what);
    }

    /** The findings before the engine loads, from the system properties, the environment and the disk. */
    static DeviceFindings beforeLoad() {
        boolean cpu = "cpu".equals(System.getProperty(EngineOptions.DEVICE_PROPERTY, "").trim().toLowerCase(
                java.util.Locale.ROOT));
        Path dir = cudaDir(System.getProperty("noodle.gpu.runtime"), System.getenv("NOODLE_GPU_RUNTIME"),
                System.getProperty("noodle.home"), System.getProperty("user.dir"));
        Optional<java.util.Properties> manifest = CudaLibtorch.manifest(dir);
        String installProblem = manifest.map(m -> CudaLibtorch.quickCheck(dir, m)).orElse(null);
        String user = System.getenv("PYTORCH_LIBRARY_PATH");
        if (user == null || user.isBlank()) {
            user = System.getenv("PYTORCH_FLAVOR");
        }
        return new DeviceFindings(cpu, CudaLibtorch.installedDriver().orElse(null), dir, manifest.isPresent(),
                installProblem, user == null || user.isBlank() ? null : user, Boolean.getBoolean("noodle.gpu.force"),
                null, -1);
    }

    /**
     * The CUDA libtorch folder: {@code -Dnoodle.gpu.runtime}, else {@code NOODLE_GPU_RUNTIME}, else {@code
     * runtime/libtorch-2.7.1-cu129} under the Noodle home (the launcher's {@code noodle.home}, else the working
     * folder).
     */
    public static Path cudaDir(String property, String env, String home, String workingDir) {
        if (property != null && !property.isBlank()) {
            return Path.of(property).toAbsolutePath();
        }
        if (env != null && !env.isBlank()) {
            return Path.of(env).toAbsolutePath();
        }
        String root = home != null && !home.isBlank() ? home : workingDir;
        return Path.of(root).toAbsolutePath().resolve("runtime").resolve(CudaLibtorch.FOLDER);
    }

    /** The CUDA libtorch folder this process uses or would use. */
    public static Path cudaDir() {
        return cudaDir(System.getProperty("noodle.gpu.runtime"), System.getenv("NOODLE_GPU_RUNTIME"),
                System.getProperty("noodle.home"), System.getProperty("user.dir"));
    }

    /**
     * Points DJL at the folder's libraries through the system properties it reads ({@code PYTORCH_LIBRARY_PATH},
     * {@code PYTORCH_FLAVOR}, {@code PYTORCH_VERSION}), and JNA at them too (DJL counts GPUs through the CUDA
     * runtime library, which is there).
     */
    private static void pointDjlAt(Path dir) {
        String lib = CudaLibtorch.lib(dir).toAbsolutePath().toString();
        System.setProperty("PYTORCH_LIBRARY_PATH", lib);
        System.setProperty("PYTORCH_FLAVOR", CudaLibtorch.FLAVOR);
        System.setProperty("PYTORCH_VERSION", CudaLibtorch.TORCH_VERSION);
        String jna = System.getProperty("jna.library.path");
        System.setProperty("jna.library.path", jna == null || jna.isBlank() ? lib
                : lib + java.io.File.pathSeparator + jna);
    }

    private static String load() {
        try {
            Engine engine = Engine.getEngine("PyTorch");
            if (engine == null) {
                return "DJL found no PyTorch engine on the class path";
            }
            return null;
        } catch (Throwable t) { // EngineException, UnsatisfiedLinkError, ExceptionInInitializerError, ...
            Throwable root = t;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            String what = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
            if (root != t && root.getMessage() != null) {
                what += ": " + root.getMessage();
            }
            return what;
        }
    }

    /** The user-facing line for an engine that cannot load because of {@code what}. */
    public static String message(String what) {
        String cache = System.getenv("DJL_CACHE_DIR");
        Path dir = cache != null && !cache.isBlank() ? Path.of(cache)
                : Path.of(System.getProperty("user.home"), ".djl.ai");
        return "the PyTorch engine is not installed or cannot load (" + what + "). Editing workflows works without"
                + " it; to run them, Noodle unpacks libtorch 2.7.1 into " + dir + " (set DJL_CACHE_DIR to move it):"
                + " make that folder writable with about 1 GB free, or set PYTORCH_LIBRARY_PATH to a libtorch 2.7.1"
                + " folder, then start Noodle again.";
    }
}
