package dev.noodle.bench;

import dev.noodle.app.cli.ProcessMemory;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;

/**
 * Reads the process's resident memory every {@value #PERIOD_MS} ms on a daemon thread and keeps the highest sample
 * with its parts (anonymous, file-backed, Java heap committed, Java direct buffers), so a peak can be explained: the
 * kernel's own peak figure (VmHWM) is exact but has no parts.
 */
final class ResidentSampler {
    static final long PERIOD_MS = 20;

    /** One reading: resident total and parts, Java heap committed and direct buffers in use, in bytes. */
    record Sample(ProcessMemory.Resident resident, long heapCommitted, long direct) {
        @Override
        public String toString() {
            return String.format("%.2f GB resident = %.2f GB anonymous (Java heap committed %.2f GB, direct buffers"
                    + " %.2f GB, native the rest) + %.2f GB file-backed + %.2f GB shared", resident.total() / 1e9,
                    resident.anon() / 1e9, heapCommitted / 1e9, direct / 1e9, resident.file() / 1e9,
                    resident.shmem() / 1e9);
        }
    }

    private Sample highest;

    private ResidentSampler() {
    }

    static ResidentSampler start() {
        ResidentSampler s = new ResidentSampler();
        Thread t = new Thread(() -> {
            while (true) {
                s.offer(read());
                try {
                    Thread.sleep(PERIOD_MS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "noodle-bench-memory");
        t.setDaemon(true);
        t.start();
        return s;
    }

    private static Sample read() {
        long direct = 0;
        for (BufferPoolMXBean b : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (b.getName().equals("direct")) {
                direct = b.getMemoryUsed();
            }
        }
        return new Sample(ProcessMemory.Resident.now(), Runtime.getRuntime().totalMemory(), direct);
    }

    private synchronized void offer(Sample s) {
        if (highest == null || s.resident().total() > highest.resident().total()) {
            highest = s;
        }
    }

    /** The highest sample since the last call (null before the first sample), starting a new period. */
    synchronized Sample takeHighest() {
        Sample s = highest;
        highest = null;
        return s;
    }
}
