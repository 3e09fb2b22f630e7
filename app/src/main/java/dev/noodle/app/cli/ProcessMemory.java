package dev.noodle.app.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The process's resident memory as Linux reports it in {@code /proc/self/status}; -1 elsewhere. Stateless. */
public final class ProcessMemory {
    private ProcessMemory() {}

    /** Resident set size now (VmRSS), in bytes, or -1 off Linux. */
    public static long rss() {
        return procStatus("VmRSS:")[0];
    }

    /** Peak resident set size (VmHWM), in bytes, or -1 off Linux. */
    public static long peakRss() {
        return procStatus("VmHWM:")[0];
    }

    /**
     * Resident memory now split as Linux counts it: anonymous (what the program allocated), file-backed (mapped files,
     * the program's own code among them) and shared memory, in bytes; -1 each off Linux.
     */
    public record Resident(long total, long anon, long file, long shmem) {
        public static Resident now() {
            long[] v = procStatus("VmRSS:", "RssAnon:", "RssFile:", "RssShmem:");
            return new Resident(v[0], v[1], v[2], v[3]);
        }
    }

    /** The named fields of {@code /proc/self/status} in bytes, in the order asked; -1 for each one not found. */
    private static long[] procStatus(String... fields) {
        long[] v = new long[fields.length];
        java.util.Arrays.fill(v, -1);
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                for (int i = 0; i < fields.length; i++) {
                    if (line.startsWith(fields[i])) {
                        v[i] = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                    }
                }
            }
        } catch (IOException | NumberFormatException ignored) {
            // not Linux
        }
        return v;
    }
}
