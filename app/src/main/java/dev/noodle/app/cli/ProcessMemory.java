package dev.noodle.app.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The process's resident memory as Linux reports it in {@code /proc/self/status}; -1 elsewhere. Stateless. */
public final class ProcessMemory {
    private ProcessMemory() {}

    /** Resident set size now (VmRSS), in bytes, or -1 off Linux. */
    public static long rss() {
        return procStatus("VmRSS:");
    }

    /** Peak resident set size (VmHWM), in bytes, or -1 off Linux. */
    public static long peakRss() {
        return procStatus("VmHWM:");
    }

    private static long procStatus(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException ignored) {
            // not Linux
        }
        return -1;
    }
}
