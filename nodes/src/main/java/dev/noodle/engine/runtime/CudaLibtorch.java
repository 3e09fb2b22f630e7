package dev.noodle.engine.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The CUDA build of libtorch that {@code ./noodle gpu install} puts in one folder: bytedeco's libtorch 2.7.1 built
 * with CUDA 12.9, its CUDA libraries, and DJL's {@code cu128} JNI library, all from Maven Central. DJL loads it when
 * {@code PYTORCH_LIBRARY_PATH} names the folder's {@code lib/} and {@code PYTORCH_FLAVOR} is {@code cu128} (DJL reads
 * both from the environment or from system properties, looks for its JNI library in that folder first, and loads
 * every library there in one pass; every bytedeco library has the run path {@code $ORIGIN}, so the order does not
 * matter).
 *
 * <p>The folder holds {@code lib/} (libraries only, as DJL loads everything in it) and the manifest {@value
 * #MANIFEST}, written last by the installer after {@link #verify} found nothing wrong. Stateless.
 */
public final class CudaLibtorch {
    /** The libtorch version, the one DJL 0.35.1's JNI library is built against. */
    public static final String TORCH_VERSION = "2.7.1";
    /** The CUDA version bytedeco's libtorch is built with. */
    public static final String CUDA_VERSION = "12.9";
    /** DJL's flavor name of its CUDA JNI library, built for CUDA 12.8 and compatible with 12.x. */
    public static final String FLAVOR = "cu128";
    /** The folder's name under the Noodle home's {@code runtime/}. */
    public static final String FOLDER = "libtorch-" + TORCH_VERSION + "-cu129";
    /** The manifest file in the folder. */
    public static final String MANIFEST = "noodle-libtorch.properties";
    /**
     * The oldest driver CUDA 12 runs on through minor-version compatibility (NVIDIA's CUDA compatibility guide:
     * 525.60.13 on Linux); kernels are precompiled for the card, so no newer driver is needed for them.
     */
    public static final String MIN_DRIVER = "525.60.13";
    /** The driver that ships with CUDA 12.9 (recommended; the minimum is {@link #MIN_DRIVER}). */
    public static final String CUDA_DRIVER = "575.51.03";

    /** What the libraries may need from the system (C/C++ runtime, zlib and the NVIDIA driver), not from the folder. */
    public static final Set<String> SYSTEM_SONAMES = Set.of("libc.so.6", "libm.so.6", "libdl.so.2",
            "libpthread.so.0", "librt.so.1", "libutil.so.1", "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1",
            "libstdc++.so.6", "libgcc_s.so.1", "libz.so.1", "libcuda.so.1", "libnvidia-ml.so.1");

    /** The libraries DJL's JNI library and the engine need in the folder. */
    public static final List<String> REQUIRED = List.of("libtorch.so", "libtorch_cpu.so", "libtorch_cuda.so",
            "libc10.so", "libc10_cuda.so", "libdjl_torch.so");

    private static final Pattern LIBRARY = Pattern.compile(".*\\.so(\\.\\d+)*");
    // C++ symbols of libtorch's namespaces and the CUDA runtime's C API, which the JNI library must find in the folder
    private static final Pattern CUDA_MATH = Pattern.compile("lib(cublas|cublasLt|cudnn|cusparse|cusolver)\\.so.*");
    private static final Pattern CUDA_MATH_SYMBOL = Pattern.compile("(cublas|cudnn|cusparse|cusolver)[A-Za-z0-9_]*");
    private static final Pattern TORCH_SYMBOL = Pattern.compile("_Z.*(3c10|2at|5torch).*|cuda[A-Z].*");

    private CudaLibtorch() {}

    /** The folder's {@code lib/}: what {@code PYTORCH_LIBRARY_PATH} names. */
    public static Path lib(Path dir) {
        return dir.resolve("lib");
    }

    /** Whether {@code name} is a shared library's file name ({@code libx.so}, {@code libx.so.12}). */
    public static boolean isLibrary(String name) {
        return LIBRARY.matcher(name).matches();
    }

    /** The manifest of an installed folder, or empty when there is none (not installed, or the install stopped). */
    public static Optional<Properties> manifest(Path dir) {
        Path m = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(m)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(m)) {
            p.load(in);
            return Optional.of(p);
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Writes the manifest atomically (a temporary file moved over it), so a partial one is never read. */
    public static void writeManifest(Path dir, Map<String, String> facts) throws IOException {
        Properties p = new Properties();
        p.putAll(facts);
        Path tmp = dir.resolve(MANIFEST + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            p.store(out, "CUDA libtorch installed by ./noodle gpu install");
        }
        Files.move(tmp, dir.resolve(MANIFEST), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Checks a {@code lib/} folder as the dynamic loader would use it: every file is a readable ELF library, the
     * {@link #REQUIRED} ones are there, every soname a library needs is in the folder or is a {@link
     * #SYSTEM_SONAMES system one}, and every libtorch and CUDA runtime symbol DJL's JNI library calls is defined by a
     * library of the folder (its C++ ABI matches this libtorch).
     *
     * @return one line per problem; empty when the folder is usable
     */
    public static List<String> verify(Path lib) {
        List<String> problems = new ArrayList<>();
        if (!Files.isDirectory(lib)) {
            return List.of(lib + " does not exist");
        }
        Map<String, ElfLibrary> byName = new HashMap<>();
        try (Stream<Path> files = Files.list(lib)) {
            for (Path f : files.sorted().toList()) {
                String name = f.getFileName().toString();
                if (!isLibrary(name)) {
                    problems.add(name + " is not a library (DJL loads every file in " + lib + ")");
                    continue;
                }
                try {
                    byName.put(name, ElfLibrary.read(f));
                } catch (IOException e) {
                    problems.add(e.getMessage());
                }
            }
        } catch (IOException e) {
            return List.of("cannot list " + lib + ": " + e.getMessage());
        }
        Set<String> provided = new HashSet<>(byName.keySet());
        byName.values().forEach(l -> {
            if (l.soname() != null) {
                provided.add(l.soname());
            }
        });
        for (String r : REQUIRED) {
            if (!byName.containsKey(r)) {
                problems.add(r + " is missing");
            }
        }
        Set<String> unresolved = new TreeSet<>();
        byName.forEach((name, l) -> l.needed().stream()
                .filter(n -> !provided.contains(n) && !SYSTEM_SONAMES.contains(n))
                .forEach(n -> unresolved.add(n + " (needed by " + name + ")")));
        unresolved.forEach(u -> problems.add("missing library " + u));
        // the CUDA math libraries may come from an older CUDA 12 release than libtorch was built with: every
        // function libtorch calls in them must be there
        Set<String> cudaDefined = new HashSet<>();
        byName.forEach((name, l) -> {
            if (CUDA_MATH.matcher(name).matches()) {
                cudaDefined.addAll(l.defined());
            }
        });
        for (String torchCuda : List.of("libtorch_cuda.so", "libtorch_cuda_linalg.so")) {
            ElfLibrary l = byName.get(torchCuda);
            if (l == null) {
                continue;
            }
            List<String> absent = l.undefined().stream()
                    .filter(s -> CUDA_MATH_SYMBOL.matcher(s).matches() && !cudaDefined.contains(s)).sorted().toList();
            if (!absent.isEmpty()) {
                problems.add(absent.size() + " CUDA library functions " + torchCuda + " calls are not in the"
                        + " cuBLAS/cuDNN/cuSPARSE/cuSOLVER libraries here (too old a CUDA release), e.g. "
                        + absent.get(0));
            }
        }
        ElfLibrary jni = byName.get("libdjl_torch.so");
        if (jni != null) {
            Set<String> defined = new HashSet<>();
            byName.forEach((name, l) -> {
                if (!name.equals("libdjl_torch.so")) {
                    defined.addAll(l.defined());
                }
            });
            List<String> missing = jni.undefined().stream()
                    .filter(s -> TORCH_SYMBOL.matcher(s).matches() && !defined.contains(s)).sorted().toList();
            if (!missing.isEmpty()) {
                problems.add(missing.size() + " libtorch symbols DJL's JNI library calls are not in this libtorch"
                        + " (a different version or C++ ABI), e.g. " + missing.get(0));
            }
        }
        return problems;
    }

    /**
     * The check made at every start (cheap): every library the manifest lists ({@code file.NAME=SIZE}) is in {@code
     * lib/} with its size.
     *
     * @return the first problem, or null when the folder is as installed
     */
    public static String quickCheck(Path dir, Properties manifest) {
        int files = 0;
        for (String key : new TreeSet<>(manifest.stringPropertyNames())) {
            if (!key.startsWith("file.")) {
                continue;
            }
            files++;
            Path f = lib(dir).resolve(key.substring(5));
            try {
                long size = Long.parseLong(manifest.getProperty(key).trim());
                if (!Files.isRegularFile(f)) {
                    return f.getFileName() + " is missing";
                }
                if (Files.size(f) != size) {
                    return f.getFileName() + " has " + Files.size(f) + " bytes, not " + size;
                }
            } catch (IOException | NumberFormatException e) {
                return f.getFileName() + " cannot be checked: " + e.getMessage();
            }
        }
        return files == 0 ? "the manifest lists no library" : null;
    }

    /** The NVIDIA kernel driver's version from {@code /proc/driver/nvidia/version}'s text, or empty. */
    public static Optional<String> driverVersion(String procText) {
        if (procText == null) {
            return Optional.empty();
        }
        Matcher m = Pattern.compile("Kernel Module(?: for \\S+)?\\s+(\\d+\\.\\d+(?:\\.\\d+)?)").matcher(procText);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** Reads the driver's version from {@code /proc/driver/nvidia/version}, or empty when no driver is loaded. */
    public static Optional<String> installedDriver() {
        try {
            return driverVersion(Files.readString(Path.of("/proc/driver/nvidia/version")));
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
    }

    /** Whether driver {@code version} can run CUDA {@value #CUDA_VERSION} code (at least {@link #MIN_DRIVER}). */
    public static boolean driverSupportsCuda(String version) {
        return compareVersions(version, MIN_DRIVER) >= 0;
    }

    static int compareVersions(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            int p = i < x.length ? parse(x[i]) : 0;
            int q = i < y.length ? parse(y[i]) : 0;
            if (p != q) {
                return Integer.compare(p, q);
            }
        }
        return 0;
    }

    private static int parse(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
