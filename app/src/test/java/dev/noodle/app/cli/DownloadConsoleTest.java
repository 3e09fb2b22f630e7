package dev.noodle.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a download shows on the command line, with and without a terminal. */
class DownloadConsoleTest {
    @Test
    void withoutATerminalOneLineEveryTenPercentAndNotesOnTheirOwnLines() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DownloadConsole c = new DownloadConsole(new PrintStream(bytes, true, StandardCharsets.UTF_8), false);
        long total = 50L << 20;
        for (long done = 0; done <= total; done += 1L << 20) {
            c.update(done, total);
        }
        c.note("resuming at 123 bytes");
        c.finish();
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(12, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith("    0% 0 KB of 50.0 MB, "), lines.get(0));
        assertTrue(lines.get(10).startsWith("  100% 50.0 MB of 50.0 MB, "), lines.get(10));
        assertTrue(lines.get(10).endsWith("/s"), lines.get(10));
        assertEquals("resuming at 123 bytes", lines.get(11));
    }

    @Test
    void onATerminalTheLineIsRedrawnAndClosedAtTheEnd() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DownloadConsole c = new DownloadConsole(new PrintStream(bytes, true, StandardCharsets.UTF_8), true);
        c.update(0, 3L << 30);
        c.update(3L << 29, 3L << 30);
        c.update(3L << 30, 3L << 30);
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(3, out.chars().filter(ch -> ch == '\r').count(), out);
        assertTrue(out.contains(" 50% 1.50 GB of 3.00 GB"), out);
        assertTrue(out.endsWith("\n"), "the finished line is closed");
        assertEquals(1, out.chars().filter(ch -> ch == '\n').count(), "one line, redrawn: " + out);
    }
}
