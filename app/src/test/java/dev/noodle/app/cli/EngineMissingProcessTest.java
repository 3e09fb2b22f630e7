package dev.noodle.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad-inputs R6 for real: a {@code noodle run} whose DJL native cache cannot be written ({@code DJL_CACHE_DIR} under
 * /proc, where nobody can create folders, so DJL cannot unpack libtorch) exits 1 with one line saying the engine is
 * not installed and what to do, instead of DJL's bare "Failed to extract PyTorch native library" or a stack trace.
 */
class EngineMissingProcessTest {
    @Test
    void aRunWithoutALoadableEngineSaysSoInOneLine(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self")), "needs Linux /proc for an unwritable folder");
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder pb = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=off", "-cp", System.getProperty("java.class.path"),
                "dev.noodle.app.Main", "run", Path.of("../workflows/txt2img.json").toAbsolutePath().toString(),
                "--models", dir.resolve("models").toString(), "--out", dir.resolve("out").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("log.txt").toFile());
        pb.environment().put("DJL_CACHE_DIR", "/proc/noodle-no-djl-cache");
        pb.environment().remove("PYTORCH_LIBRARY_PATH");
        Process p = pb.start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "finishes");
        String log = Files.readString(dir.resolve("log.txt"), StandardCharsets.UTF_8);
        assertEquals(1, p.exitValue(), log);
        List<String> errors = log.lines().filter(l -> l.startsWith("error: ")).toList();
        assertEquals(1, errors.size(), log);
        assertTrue(errors.get(0).contains("PyTorch engine is not installed") && errors.get(0).contains("DJL_CACHE_DIR"),
                errors.get(0));
        assertFalse(log.contains("\tat "), "no stack trace: " + log);
        assertFalse(Files.exists(dir.resolve("out/ComfyUI_00001_.png")));
    }
}
