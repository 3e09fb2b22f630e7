package dev.noodle.app.packs;

import ai.djl.ndarray.NDArray;
import dev.noodle.graph.pack.NodePack;
import dev.noodle.nodes.host.NodePacks;
import dev.noodle.nodes.values.ImageValue;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Builds node pack jars for tests: the repository's example pack from its sources ({@code examples/node-pack}), and
 * small packs written inline, compiled against Noodle's classes as a pack author's build would.
 */
public final class PackJars {
    /** The example pack's module, from the app module's folder (where tests run). */
    public static final Path EXAMPLE = Path.of("..", "examples", "node-pack");

    private PackJars() {}

    /** Compiles the example pack from the repository and writes it as {@code jar}. */
    public static Path example(Path jar) throws IOException {
        Map<String, String> sources = new TreeMap<>();
        Path src = EXAMPLE.resolve("src/main/java");
        try (Stream<Path> files = Files.walk(src)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                sources.put(src.relativize(f).toString().replace('\\', '/'), Files.readString(f));
            }
        }
        String services = Files.readString(EXAMPLE.resolve("src/main/resources").resolve(NodePacks.SERVICE_FILE));
        return build(jar, sources, services, Set.of());
    }

    /**
     * Compiles {@code sources} (path → text) and writes the classes, minus those named in {@code leaveOut} (binary
     * names), with {@code services} as the pack's service file.
     */
    public static Path build(Path jar, Map<String, String> sources, String services, Set<String> leaveOut)
            throws IOException {
        Path work = Files.createTempDirectory("noodle-pack-build");
        try {
            return build(jar, sources, services, leaveOut, work);
        } finally {
            try (Stream<Path> files = Files.walk(work)) {
                for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }

    private static Path build(Path jar, Map<String, String> sources, String services, Set<String> leaveOut, Path work)
            throws IOException {
        Path srcDir = work.resolve("src");
        Path classes = Files.createDirectories(work.resolve("classes"));
        List<String> args = new ArrayList<>(List.of("--release", "21", "-proc:none", "-d", classes.toString(), "-cp",
                classPath()));
        for (Map.Entry<String, String> e : sources.entrySet()) {
            Path f = srcDir.resolve(e.getKey());
            Files.createDirectories(f.getParent());
            Files.writeString(f, e.getValue());
            args.add(f.toString());
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        java.io.ByteArrayOutputStream errors = new java.io.ByteArrayOutputStream();
        int rc = sources.isEmpty() ? 0 : javac.run(null, errors, errors, args.toArray(String[]::new));
        if (rc != 0) {
            throw new IllegalStateException("the test pack does not compile:\n" + errors);
        }
        Files.createDirectories(jar.getParent());
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out);
                Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                String name = classes.relativize(f).toString().replace('\\', '/');
                String binary = name.substring(0, name.length() - ".class".length()).replace('/', '.');
                if (leaveOut.contains(binary)) {
                    continue;
                }
                j.putNextEntry(new JarEntry(name));
                j.write(Files.readAllBytes(f));
                j.closeEntry();
            }
            if (services != null) {
                j.putNextEntry(new JarEntry(NodePacks.SERVICE_FILE));
                j.write(services.getBytes(StandardCharsets.UTF_8));
                j.closeEntry();
            }
        }
        return jar;
    }

    /** Noodle's graph-core and nodes classes and DJL's API: what a pack compiles against. */
    private static String classPath() {
        List<String> parts = new ArrayList<>();
        for (Class<?> c : new Class<?>[] {NodePack.class, ImageValue.class, NDArray.class}) {
            try {
                parts.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
            } catch (URISyntaxException e) {
                throw new UncheckedIOException(new IOException(e));
            }
        }
        return String.join(java.io.File.pathSeparator, parts);
    }
}
