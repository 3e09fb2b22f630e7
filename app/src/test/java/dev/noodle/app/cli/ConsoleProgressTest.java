package dev.noodle.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.graph.exec.RunEvent;
import dev.noodle.graph.node.MessageLevel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What {@code noodle run} prints while it works: a redrawn bar on a terminal, plain lines in a log. */
class ConsoleProgressTest {
    private static String play(boolean tty) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        ConsoleProgress p = new ConsoleProgress(new PrintStream(buf, true, StandardCharsets.UTF_8), tty, false);
        p.onEvent(new RunEvent.RunStarted("r", List.of("4", "3", "8")));
        p.onEvent(new RunEvent.NodeCached("r", "4"));
        p.onEvent(new RunEvent.NodeStarted("r", "3", "KSampler"));
        for (int i = 1; i <= 20; i++) {
            p.onEvent(new RunEvent.NodeProgress("r", "3", i, 20, null));
        }
        p.onEvent(new RunEvent.NodeFinished("r", "3", 2_500_000_000L, Map.of()));
        p.onEvent(new RunEvent.NodeStarted("r", "8", "VAEDecode"));
        p.onEvent(new RunEvent.NodeMessage("r", "8", MessageLevel.WARNING, "tiled decode used"));
        p.onEvent(new RunEvent.NodeFailed("r", "8", "VAEDecode", "out of memory", new IllegalStateException()));
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    void plainLinesWhenNotATerminal() {
        String out = play(false);
        assertFalse(out.contains("\r"), "no carriage returns in a log file");
        List<String> steps = out.lines().filter(l -> l.contains("step ")).toList();
        // a line at each quarter of the steps, not one per step
        assertEquals(List.of("  node 3 (KSampler): step 1/20", "  node 3 (KSampler): step 5/20",
                "  node 3 (KSampler): step 10/20", "  node 3 (KSampler): step 15/20",
                "  node 3 (KSampler): step 20/20"), steps);
        assertTrue(out.contains("[1/3] node 4: cached"), out);
        assertTrue(out.contains("[2/3] node 3 (KSampler): done in 2.50 s"), out);
        assertTrue(out.contains("warning: node 8 (VAEDecode): tiled decode used"), out);
        assertTrue(out.contains("error: node 8 (VAEDecode): out of memory"), out);
        assertFalse(out.contains("\tat "), "no stack trace without --debug");
    }

    @Test
    void aRedrawnBarOnATerminal() {
        String out = play(true);
        assertTrue(out.contains("\r  3 KSampler   [" + "#".repeat(15) + "-".repeat(15) + "] 10/20"), out);
        assertTrue(out.contains("[" + "#".repeat(30) + "] 20/20"), out);
        // the bar is cleared before the next line, so lines never mix with a half-drawn bar
        int done = out.indexOf("[2/3] node 3 (KSampler): done");
        assertTrue(done > 0 && out.substring(0, done).endsWith("\r"), out);
        assertFalse(out.contains("step 10/20"), "no per-step lines on a terminal");
    }
}
