package dev.noodle.app.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Jazzer fuzz target for the server's path sanitiser ({@link FileRoots}, bad-inputs H1–H2): client-given
 * type/subfolder/filename triples against temp folders holding files, a symlinked folder and a symlinked file that
 * lead outside. A path {@link FileRoots#resolveExisting} accepts must be a regular file whose real path lies inside
 * its folder; one {@link FileRoots#writableFolder} accepts must be a folder whose real path lies inside, and nothing
 * may appear outside the roots; every refusal is a {@link FileRoots.PathRefused}. Any other throwable (an
 * {@code InvalidPathException}, an {@code IOException}) is a finding. Regression inputs live under
 * {@code FileRootsFuzzTestInputs/resolve/} (the provider's raw bytes: an op byte, then the strings).
 */
class FileRootsFuzzTest {
    private static final Path BASE;
    private static final Path OUTSIDE;
    private static final FileRoots ROOTS;
    private static final Set<Path> FIXTURE;
    private static final List<String> TYPES = List.of("output", "input", "temp", "", "OUTPUT", "models", "..");

    static {
        try {
            BASE = Files.createTempDirectory("fileroots-fuzz").toRealPath();
            OUTSIDE = Files.createDirectories(BASE.resolve("outside"));
            Files.writeString(OUTSIDE.resolve("secret.png"), "secret");
            Path root = BASE.resolve("root");
            Path output = Files.createDirectories(root.resolve("output/sub"));
            Files.writeString(root.resolve("output/a.png"), "a");
            Files.writeString(output.resolve("b.png"), "b");
            Path input = Files.createDirectories(root.resolve("input"));
            Files.writeString(input.resolve("in.png"), "in");
            Files.createSymbolicLink(input.resolve("leak.png"), OUTSIDE.resolve("secret.png"));
            Files.createSymbolicLink(input.resolve("out"), OUTSIDE);
            Files.createSymbolicLink(root.resolve("output/out"), OUTSIDE);
            Files.createSymbolicLink(root.resolve("output/dangling"), BASE.resolve("nowhere"));
            Files.createDirectories(root.resolve("temp"));
            ROOTS = new FileRoots(root.resolve("output"), root.resolve("input"), root.resolve("temp"));
            FIXTURE = tree(BASE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "10m")
    void resolve(FuzzedDataProvider data) throws IOException {
        int op = data.consumeInt(0, 2);
        String type = data.consumeBoolean() ? data.pickValue(TYPES) : data.consumeString(12);
        String subfolder = data.consumeBoolean() ? null : data.consumeString(64);
        String filename = data.consumeRemainingAsString();
        try {
            switch (op) {
                case 0 -> FileRoots.checkName(filename, subfolder != null);
                case 1 -> {
                    Path file = ROOTS.resolveExisting(type, subfolder, filename);
                    Path root = ROOTS.root(type, "output").toRealPath();
                    assertTrue(file.toRealPath().startsWith(root), file + " is outside " + root);
                    assertTrue(Files.isRegularFile(file), file + " is not a file");
                }
                default -> {
                    Path dir = ROOTS.writableFolder(type, subfolder);
                    Path root = ROOTS.root(type, "input").toRealPath();
                    assertTrue(dir.toRealPath().startsWith(root), dir + " is outside " + root);
                    assertTrue(Files.isDirectory(dir), dir + " is not a folder");
                    removeCreated(dir);
                }
            }
        } catch (FileRoots.PathRefused refused) {
            assertTrue(refused.status() >= 400 && refused.status() < 500, "status " + refused.status());
        } finally {
            if (op == 2) {
                assertEquals(Set.of(), diff(tree(OUTSIDE), FIXTURE), "created outside the roots");
            }
        }
    }

    /** Deletes the folders a successful writableFolder call made, so that iterations stay independent. */
    private static void removeCreated(Path dir) throws IOException {
        for (Path d = dir; d != null && !FIXTURE.contains(d) && d.startsWith(BASE); d = d.getParent()) {
            try (Stream<Path> s = Files.list(d)) {
                if (s.findAny().isPresent()) {
                    return;
                }
            }
            Files.delete(d);
        }
    }

    private static Set<Path> diff(Set<Path> now, Set<Path> before) {
        return now.stream().filter(p -> !before.contains(p)).collect(Collectors.toSet());
    }

    private static Set<Path> tree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.collect(Collectors.toSet());
        }
    }
}
