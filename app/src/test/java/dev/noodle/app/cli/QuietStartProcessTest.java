package dev.noodle.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code noodle run} in its own process: a missing or invalid workflow is reported before the engine starts (no DJL
 * engine class is even loaded), and a normal run shows Noodle's lines only, no library warnings.
 */
class QuietStartProcessTest {
    record Outcome(int code, String log, String classes) {}

    private static Outcome noodle(Path dir, String... args) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Path classes = dir.resolve("classes.txt");
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED",
                "-Xlog:class+load=info:file=" + classes, "-cp", System.getProperty("java.class.path"),
                "dev.noodle.app.Main"));
        cmd.addAll(List.of(args));
        Path log = dir.resolve("log.txt");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "finishes");
        return new Outcome(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8),
                Files.readString(classes, StandardCharsets.UTF_8));
    }

    @Test
    void aMissingOrInvalidWorkflowIsReportedBeforeTheEngineStarts(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"3\": {\"class_type\": \"KSampler\", \"inputs\": {}}}");
        for (String file : new String[] {dir.resolve("missing.json").toString(), bad.toString()}) {
            Outcome o = noodle(dir, "run", file, "--models", dir.resolve("models").toString());
            assertEquals(2, o.code(), o.log());
            assertTrue(o.log().contains(Path.of(file).getFileName().toString()), o.log());
            assertFalse(o.classes().contains("ai.djl.engine.Engine "), "the engine was not touched: " + o.log());
            assertFalse(o.log().contains("WARN"), o.log());
        }
    }

    @Test
    void aNormalRunPrintsNoLibraryWarnings(@TempDir Path dir) throws Exception {
        Outcome o = noodle(dir, "run", Path.of("../workflows/txt2img.json").toAbsolutePath().toString(), "--models",
                dir.resolve("models").toString(), "--out", dir.resolve("out").toString(), "--set", "5.width=64",
                "--set", "5.height=64", "--set", "3.steps=1");
        assertEquals(0, o.code(), o.log());
        assertTrue(o.classes().contains("ai.djl.engine.Engine "), "the engine ran");
        for (String line : o.log().lines().toList()) {
            assertFalse(line.contains("WARN") || line.contains("ai.djl") || line.contains("SLF4J"), o.log());
        }
        assertTrue(o.log().contains("saved "), o.log());
    }
}
