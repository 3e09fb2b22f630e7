package dev.noodle.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code noodle soak --runs 3} on the demo checkpoint and LoRA: every run succeeds and the summary is printed. */
class SoakCommandTest {
    @Test
    void threeRunsPrintTheMemorySummary(@TempDir Path dir) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int code;
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            code = new CommandLine(new NoodleCommand())
                    .setExecutionExceptionHandler(NoodleCommand::handleExecutionException)
                    .execute("soak", "--runs", "3", "--workflow", Path.of("..", "workflows", "lora_stack.json")
                            .toString(), "--models", dir.resolve("models").toString(), "--out",
                            dir.resolve("out").toString());
        } finally {
            System.setOut(old);
        }
        String text = buf.toString(StandardCharsets.UTF_8);
        System.out.print(text);
        assertEquals(0, code, text);
        assertTrue(text.contains("soak: 3 runs of lora_stack.json") && text.contains("0 failed"), text);
        assertTrue(text.matches("(?s).*rss: warm-up \\(run 1\\) [0-9.]+ MB, end \\(run 3\\) [0-9.]+ MB, slope"
                + " [-+][0-9.]+ MB per 100 runs.*"), text);
        assertTrue(text.contains("djl native") && text.contains("result cache at the end: "), text);
    }
}
