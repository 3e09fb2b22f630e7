package dev.noodle.nodes.library;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The library in use by another process is one clear line, and what an install reported as done survives that
 * process being killed (SIGKILL: nothing closed).
 */
class ModelLibraryCrashTest {
    @TempDir
    Path dir;

    /** Child process: installs args[1] into the models root args[0], says "ready", then waits to be killed. */
    public static void main(String[] args) throws Exception {
        ModelLibrary lib = ModelLibrary.open(Path.of(args[0]));
        System.out.println(lib.install(Path.of(args[1]), SourceInfo.fromUrl("https://example.org/x"), false)
                .summary());
        System.out.println("ready");
        System.out.flush();
        Thread.sleep(600_000);
    }

    @Test
    void anInstallSurvivesAKilledProcessAndABusyLibraryIsOneLine() throws Exception {
        Path models = dir.resolve("models");
        Path lora = LibraryFixtures.sdxlKohyaLora(dir.resolve("in/x.safetensors"), false, Map.of());
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                ModelLibraryCrashTest.class.getName(), models.toString(), lora.toString()).redirectErrorStream(true)
                .start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
            String line;
            StringBuilder seen = new StringBuilder();
            while ((line = out.readLine()) != null && !line.equals("ready")) {
                seen.append(line).append('\n');
            }
            assertEquals("ready", line, "the child process did not get ready: " + seen);
            LibraryException busy = assertThrows(LibraryException.class, () -> ModelLibrary.open(models));
            assertEquals(1, busy.getMessage().lines().count(), busy.getMessage());
            assertTrue(busy.getMessage().contains("in use by another Noodle program"), busy.getMessage());
        } finally {
            p.destroyForcibly();
            p.waitFor();
        }
        try (ModelLibrary lib = ModelLibrary.open(models)) {
            ModelEntry e = lib.find("loras/x.safetensors").orElseThrow();
            assertEquals(BaseModel.SDXL, e.base());
            assertEquals("https://example.org/x", e.sourceUrl());
        }
    }
}
