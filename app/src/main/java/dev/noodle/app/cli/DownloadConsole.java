package dev.noodle.app.cli;

import dev.noodle.nodes.library.DownloadProgress;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Prints a download's progress: a redrawn line with percent, size and speed on a terminal, a plain line every 10 %
 * (or every 100 MB when the size is unknown) otherwise; notes (resuming, retrying) on their own lines. Used from the
 * downloading thread only.
 */
final class DownloadConsole implements DownloadProgress {
    private final PrintStream out;
    private final boolean tty;
    private final long started = System.nanoTime();
    private long firstDone = -1;
    private long lastStep = -1;
    private boolean lineOpen;

    DownloadConsole(PrintStream out, boolean tty) {
        this.out = out;
        this.tty = tty;
    }

    @Override
    public void update(long done, long total) {
        if (firstDone < 0) {
            firstDone = done;
        }
        String text = text(done, total);
        if (tty) {
            out.print("\r" + text + "   ");
            out.flush();
            lineOpen = true;
            if (total > 0 && done >= total) {
                finish();
            }
            return;
        }
        long step = total > 0 ? done * 10 / total : done / (100L << 20);
        if (step != lastStep) {
            lastStep = step;
            out.println(text);
        }
    }

    @Override
    public void note(String line) {
        finish();
        out.println(line);
    }

    /** Ends the redrawn line, if one is open. */
    void finish() {
        if (lineOpen) {
            out.println();
            lineOpen = false;
        }
    }

    private String text(long done, long total) {
        double seconds = Math.max(1e-3, (System.nanoTime() - started) / 1e9);
        double rate = (done - Math.max(0, firstDone)) / seconds;
        String size = total > 0 ? String.format(Locale.ROOT, "%3d%% %s of %s", done * 100 / total, mb(done), mb(total))
                : mb(done);
        return "  " + size + ", " + mb((long) rate) + "/s";
    }

    static String mb(long bytes) {
        if (bytes < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.0f KB", bytes / 1024.0);
        }
        if (bytes < 1024L * 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f MB", bytes / (1024.0 * 1024));
        }
        return String.format(Locale.ROOT, "%.2f GB", bytes / (1024.0 * 1024 * 1024));
    }
}
