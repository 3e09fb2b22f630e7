package dev.noodle.nodes.host;

import dev.noodle.engine.runtime.CudaLibtorch;
import dev.noodle.engine.runtime.ElfLibrary;
import dev.noodle.engine.runtime.EngineStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * {@code ./noodle gpu install|status|remove}: the CUDA libtorch folder (see {@link CudaLibtorch}) from Maven Central
 * through the project's Maven wrapper, so the user's Maven mirrors, proxies and local repository apply and every
 * download is checksum-checked ({@code -C}); artifacts Maven already has are reused. Only on request: nothing runs it
 * during a build.
 */
public final class CudaLibtorchInstaller {
    /**
     * A jar to fetch and the folder inside it that holds its libraries.
     *
     * @param coordinates Maven's {@code group:artifact:version:jar:classifier}
     * @param folder where its libraries are inside the jar
     * @param bytes its size on Maven Central, or -1 when not recorded (then asked of Central before downloading)
     */
    public record Artifact(String coordinates, String folder, long bytes) {
        /** The path of the jar in a Maven repository. */
        public String repositoryPath() {
            String[] c = coordinates.split(":");
            return c[0].replace('.', '/') + "/" + c[1] + "/" + c[2] + "/" + c[1] + "-" + c[2]
                    + (c.length > 4 ? "-" + c[4] : "") + ".jar";
        }

        /** The jar's file name as Maven's dependency:copy writes it. */
        public String fileName() {
            return repositoryPath().substring(repositoryPath().lastIndexOf('/') + 1);
        }
    }

    private static final String CUDA = "12.9-9.10-1.5.12";
    private static final String CUDA_FOLDER = "org/bytedeco/cuda/linux-x86_64/";

    /**
     * What the install fetches for linux-x86_64: bytedeco's libtorch built with CUDA, the CUDA runtime libraries it
     * needs, OpenBLAS (libtorch_cpu needs it) and DJL's JNI jar (its {@code cu128} library). bytedeco's 1.5.12 CUDA
     * redistributable leaves cuBLAS, cuDNN, cuSPARSE and cuSOLVER to artifacts Maven Central does not serve, so those
     * come from the 1.5.11 redistributable (CUDA 12.6, cuDNN 9.5): same sonames, and every cuBLAS/cuDNN/cuSPARSE/
     * cuSOLVER function libtorch calls is in them ({@link CudaLibtorch#verify} checks that on every install). Later
     * jars replace files of earlier ones, so the 12.9 runtime wins where both carry a library.
     */
    public static final List<Artifact> ARTIFACTS = List.of(
            new Artifact("org.bytedeco:pytorch:2.7.1-1.5.12:jar:linux-x86_64-gpu",
                    "org/bytedeco/pytorch/linux-x86_64-gpu/", 615_519_857L),
            new Artifact("org.bytedeco:cuda:12.6-9.5-1.5.11:jar:linux-x86_64-redist", CUDA_FOLDER, 2_026_748_503L),
            new Artifact("org.bytedeco:cuda-redist:" + CUDA + ":jar:linux-x86_64", CUDA_FOLDER, 362_212_464L),
            new Artifact("org.bytedeco:openblas:0.3.30-1.5.12:jar:linux-x86_64",
                    "org/bytedeco/openblas/linux-x86_64/", 19_709_636L),
            new Artifact("ai.djl.pytorch:pytorch-jni:2.7.1-0.35.1:jar",
                    "jnilib/linux-x86_64/" + CudaLibtorch.FLAVOR + "/", -1));

    /** Libraries kept although nothing names them as needed: libtorch opens them itself when it first uses them. */
    private static final List<String> OPENED_LATER = List.of("libtorch_cuda_linalg.so", "libcudnn", "libnvrtc",
            "libcublasLt", "libnvJitLink");

    private final Path home;
    private final PrintStream out;

    /**
     * An installer run from the Noodle checkout {@code home} (its {@code mvnw}), printing to {@code out}.
     */
    public CudaLibtorchInstaller(Path home, PrintStream out) {
        this.home = home;
        this.out = out;
    }

    /** The folder used when none is given: {@code NOODLE_GPU_RUNTIME} or {@code runtime/} under the home. */
    public static Path defaultDir() {
        return EngineStatus.cudaDir();
    }

    /**
     * Installs into {@code dir}.
     *
     * @param force install without an NVIDIA driver (to check the libraries on a machine without a GPU)
     * @return the exit code: 0 installed, 1 failed or refused (the reason printed)
     */
    public int install(Path dir, boolean force) throws IOException, InterruptedException {
        Optional<String> driver = CudaLibtorch.installedDriver();
        if (driver.isEmpty() && !force) {
            out.println("noodle gpu install: no NVIDIA driver found (/proc/driver/nvidia/version is absent), so the"
                    + " CUDA libtorch (about 2 GB) would not be used here; nothing downloaded. Add --force to install"
                    + " it anyway.");
            return 1;
        }
        if (driver.isPresent() && !CudaLibtorch.driverSupportsCuda(driver.get()) && !force) {
            out.println("noodle gpu install: driver " + driver.get() + " is too old for CUDA "
                    + CudaLibtorch.CUDA_VERSION + " (needs ≥ " + CudaLibtorch.MIN_DRIVER + "); update the NVIDIA"
                    + " driver, or add --force.");
            return 1;
        }
        if (!System.getProperty("os.name", "").startsWith("Linux")
                || !Set.of("amd64", "x86_64").contains(System.getProperty("os.arch", ""))) {
            out.println("noodle gpu install: the CUDA libtorch on Maven Central is built for Linux x86-64 only; this"
                    + " is " + System.getProperty("os.name") + " " + System.getProperty("os.arch") + ".");
            return 1;
        }
        Path mvnw = home.resolve("mvnw");
        if (!Files.isExecutable(mvnw)) {
            out.println("noodle gpu install: " + mvnw + " not found; run it from the Noodle checkout.");
            return 1;
        }
        printSizes();
        Path download = dir.resolve("download");
        Files.createDirectories(download);
        for (Artifact a : ARTIFACTS) {
            Path jar = download.resolve(a.fileName());
            if (Files.isRegularFile(jar) && (a.bytes() < 0 || Files.size(jar) == a.bytes())) {
                continue;
            }
            out.println("fetching " + a.coordinates() + " ...");
            List<String> cmd = List.of(mvnw.toString(), "-B", "-C", "-U", "-N", "-q",
                    "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy", "-Dartifact=" + a.coordinates(),
                    "-DoutputDirectory=" + download.toAbsolutePath(), "-Dmdep.overWriteReleases=false");
            Process p = new ProcessBuilder(cmd).directory(home.toFile()).inheritIO().start();
            if (p.waitFor() != 0 || !Files.isRegularFile(jar)) {
                out.println("noodle gpu install: Maven could not fetch " + a.coordinates() + " (see its message"
                        + " above); check the network or your Maven mirror (~/.m2/settings.xml) and run the install"
                        + " again: what was fetched is kept.");
                return 1;
            }
        }
        List<String> problems = unpack(download, dir);
        if (!problems.isEmpty()) {
            out.println("noodle gpu install: the unpacked libraries are not usable:");
            problems.forEach(pr -> out.println("  " + pr));
            return 1;
        }
        deleteTree(download);
        out.println("installed the CUDA libtorch " + CudaLibtorch.TORCH_VERSION + " (CUDA " + CudaLibtorch.CUDA_VERSION
                + ") in " + dir.toAbsolutePath() + "; ./noodle doctor shows whether it is used.");
        return 0;
    }

    private void printSizes() {
        long total = 0;
        out.println("the CUDA libtorch comes from Maven Central through ./mvnw (Maven reuses what it already has):");
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NORMAL).build();
        for (Artifact a : ARTIFACTS) {
            long bytes = a.bytes() >= 0 ? a.bytes() : centralSize(http, a);
            total += Math.max(bytes, 0);
            out.println(String.format(Locale.ROOT, "  %-62s %s", a.coordinates(),
                    bytes < 0 ? "size unknown" : mb(bytes)));
        }
        out.println(String.format(Locale.ROOT, "  about %s to download, about 2.5 GB unpacked", mb(total)));
    }

    private static long centralSize(HttpClient http, Artifact a) {
        try {
            HttpRequest req = HttpRequest.newBuilder(URI.create("https://repo1.maven.org/maven2/"
                    + a.repositoryPath())).method("HEAD", HttpRequest.BodyPublishers.noBody())
                    .timeout(Duration.ofSeconds(10)).build();
            HttpResponse<Void> r = http.send(req, HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200 ? r.headers().firstValueAsLong("content-length").orElse(-1) : -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static String mb(long bytes) {
        return String.format(Locale.ROOT, "%,d MB", (bytes + 500_000) / 1_000_000);
    }

    /**
     * Unpacks the libraries of the jars in {@code download} into {@code dir/lib}, keeps those libtorch and DJL's JNI
     * library need (what they name, transitively, and what libtorch opens later), {@link CudaLibtorch#verify checks}
     * them, and writes the manifest last.
     *
     * @return the problems found; empty when installed
     */
    public static List<String> unpack(Path download, Path dir) throws IOException {
        Path staging = dir.resolve("lib.partial");
        deleteTree(staging);
        Files.createDirectories(staging);
        Map<String, String> source = new LinkedHashMap<>();
        for (Artifact a : ARTIFACTS) {
            Path jar = download.resolve(a.fileName());
            if (!Files.isRegularFile(jar)) {
                return List.of(jar.getFileName() + " was not fetched");
            }
            try (ZipFile zip = new ZipFile(jar.toFile())) {
                for (ZipEntry e : zip.stream().toList()) {
                    String name = e.getName();
                    if (e.isDirectory() || !name.startsWith(a.folder()) || name.indexOf('/', a.folder().length()) >= 0) {
                        continue;
                    }
                    String file = name.substring(a.folder().length());
                    // JavaCPP's own bindings (libjni*) are not used; the system provides the C runtime
                    if (!CudaLibtorch.isLibrary(file) || file.startsWith("libjni")
                            || CudaLibtorch.SYSTEM_SONAMES.contains(file)) {
                        continue;
                    }
                    try (InputStream in = zip.getInputStream(e)) {
                        Files.copy(in, staging.resolve(file), StandardCopyOption.REPLACE_EXISTING);
                    }
                    source.put(file, a.coordinates());
                }
            }
        }
        keepNeeded(staging);
        // DJL counts GPUs through JNA's "cudart", which looks for libcudart.so in the folder before the system's: the
        // name makes it take this CUDA 12.9 runtime rather than another CUDA version installed system-wide
        Path cudart = staging.resolve("libcudart.so.12");
        if (Files.isRegularFile(cudart)) {
            try {
                Files.createSymbolicLink(staging.resolve("libcudart.so"), cudart.getFileName());
            } catch (IOException | UnsupportedOperationException e) {
                // no links here (a copy would load a second CUDA runtime): GPUs are then counted by the system's
                // libcudart.so if there is one, else by this one (JNA finds libcudart.so.12 too)
            }
        }
        List<String> problems = CudaLibtorch.verify(staging);
        if (!problems.isEmpty()) {
            return problems;
        }
        Path lib = CudaLibtorch.lib(dir);
        Files.deleteIfExists(dir.resolve(CudaLibtorch.MANIFEST));
        deleteTree(lib);
        Files.move(staging, lib, StandardCopyOption.ATOMIC_MOVE);
        Map<String, String> facts = new LinkedHashMap<>();
        facts.put("torch", CudaLibtorch.TORCH_VERSION);
        facts.put("cuda", CudaLibtorch.CUDA_VERSION);
        facts.put("flavor", CudaLibtorch.FLAVOR);
        facts.put("installed", Instant.now().toString());
        facts.put("artifacts", String.join(",", ARTIFACTS.stream().map(Artifact::coordinates).toList()));
        try (Stream<Path> files = Files.list(lib)) {
            for (Path f : files.sorted().toList()) {
                facts.put("file." + f.getFileName(), Long.toString(Files.size(f)));
            }
        }
        CudaLibtorch.writeManifest(dir, facts);
        return List.of();
    }

    /** Deletes from {@code lib} every library that neither the roots need (transitively) nor libtorch opens later. */
    static void keepNeeded(Path lib) throws IOException {
        Map<String, Path> byName = new HashMap<>();
        try (Stream<Path> files = Files.list(lib)) {
            for (Path f : files.toList()) {
                byName.put(f.getFileName().toString(), f);
            }
        }
        Map<String, String> soname = new HashMap<>();
        Map<String, List<String>> needs = new HashMap<>();
        for (Map.Entry<String, Path> e : byName.entrySet()) {
            ElfLibrary l = ElfLibrary.read(e.getValue());
            needs.put(e.getKey(), l.needed());
            soname.put(l.soname() == null ? e.getKey() : l.soname(), e.getKey());
            soname.putIfAbsent(e.getKey(), e.getKey());
        }
        Deque<String> todo = new ArrayDeque<>(List.of("libtorch.so", "libdjl_torch.so"));
        for (String name : byName.keySet()) {
            if (OPENED_LATER.stream().anyMatch(name::startsWith)) {
                todo.add(name);
            }
        }
        Set<String> keep = new TreeSet<>();
        while (!todo.isEmpty()) {
            String name = soname.get(todo.pop());
            if (name != null && keep.add(name)) {
                todo.addAll(needs.get(name));
            }
        }
        for (Map.Entry<String, Path> e : byName.entrySet()) {
            if (!keep.contains(e.getKey())) {
                Files.delete(e.getValue());
            }
        }
    }

    /** Prints where the folder is and what is in it; returns 0 when installed and intact. */
    public int status(Path dir) {
        Optional<java.util.Properties> m = CudaLibtorch.manifest(dir);
        if (m.isEmpty()) {
            out.println("the CUDA libtorch is not installed in " + dir.toAbsolutePath() + " (./noodle gpu install)");
            return 1;
        }
        String problem = CudaLibtorch.quickCheck(dir, m.get());
        long bytes = m.get().stringPropertyNames().stream().filter(k -> k.startsWith("file."))
                .mapToLong(k -> Long.parseLong(m.get().getProperty(k).trim())).sum();
        out.println("CUDA libtorch " + m.get().getProperty("torch") + " (CUDA " + m.get().getProperty("cuda")
                + ", DJL flavor " + m.get().getProperty("flavor") + ") in " + dir.toAbsolutePath() + ", "
                + mb(bytes) + ", installed " + m.get().getProperty("installed"));
        out.println(problem == null ? "intact" : "damaged: " + problem + " (run ./noodle gpu install again)");
        return problem == null ? 0 : 1;
    }

    /** Deletes the folder's libraries, manifest and downloads; returns 0. */
    public int remove(Path dir) throws IOException {
        Files.deleteIfExists(dir.resolve(CudaLibtorch.MANIFEST));
        for (String sub : List.of("lib", "lib.partial", "download")) {
            deleteTree(dir.resolve(sub));
        }
        try {
            Files.deleteIfExists(dir);
        } catch (java.nio.file.DirectoryNotEmptyException e) {
            out.println("left " + dir + " (it holds other files)");
        }
        out.println("removed the CUDA libtorch from " + dir.toAbsolutePath()
                + " (Maven's local repository keeps the jars)");
        return 0;
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> all = Files.walk(p)) {
            for (Path f : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }
}
