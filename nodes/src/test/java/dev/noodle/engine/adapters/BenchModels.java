package dev.noodle.engine.adapters;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the generated bench models ({@code noodle.benchModels}, default {@code ../../bench-models}); skips without. */
final class BenchModels {
    private BenchModels() {}

    static Path file(String relative) {
        Path p = Path.of(System.getProperty("noodle.benchModels", "../../bench-models")).resolve(relative);
        assumeTrue(Files.isRegularFile(p), "bench model not present: " + p);
        return p;
    }
}
