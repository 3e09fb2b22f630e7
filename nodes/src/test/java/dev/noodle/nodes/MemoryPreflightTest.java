package dev.noodle.nodes;

import dev.noodle.nodes.host.MemoryPreflight;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Bad-inputs R1: impossible jobs are refused before anything is allocated, with the estimate in the message. */
class MemoryPreflightTest {
    @Test
    void refuses16kBatch64WithTheEstimate() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MemoryPreflight.check("VAE Decode", 64, 16384, 16384));
        String m = e.getMessage();
        assertTrue(m.contains("VAE Decode") && m.contains("16384×16384") && m.contains("64"), m);
        assertTrue(m.matches("(?s).*needs about [0-9.]+ GB.*"), "estimate missing: " + m);
        assertTrue(m.contains("smaller"), "no advice: " + m);
    }

    @Test
    void ordinaryJobsPass() {
        assertDoesNotThrow(() -> MemoryPreflight.check("VAE Decode", 1, 512, 512));
        assertDoesNotThrow(() -> MemoryPreflight.check("VAE Decode", 4, 64, 64));
    }

    @Test
    void sizesWhoseProductOverflowsAreRefusedNotWrappedAround() {
        long[][] cases = {{1L << 40, 1L << 20, 1L << 20}, {1, 1L << 31, 1L << 31}, {1, 3037000500L, 3037000500L},
                {Long.MAX_VALUE, 8, 8}};
        for (long[] c : cases) {
            assertThrows(IllegalArgumentException.class, () -> MemoryPreflight.check("Empty Latent", c[0], c[1], c[2]),
                    c[0] + "x" + c[1] + "x" + c[2]);
        }
    }

    @Test
    void workThatNeedsMoreThanTheAvailableMemoryIsRefusedWithTheEstimateAndAdvice() {
        String old = System.getProperty("noodle.memoryPreflight.availableBytes");
        System.setProperty("noodle.memoryPreflight.availableBytes", String.valueOf(3_000_000_000L));
        try {
            assertTrue(MemoryPreflight.availableBytes() == 3_000_000_000L);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> MemoryPreflight.checkAvailable(
                    "Loading big.safetensors", 5_100_000_000L, "Use fp16 files."));
            String m = e.getMessage();
            assertTrue(m.contains("Loading big.safetensors") && m.contains("5.1 GB") && m.contains("3.0 GB"), m);
            assertTrue(m.contains("MemAvailable") && m.endsWith("Use fp16 files."), m);
            assertDoesNotThrow(() -> MemoryPreflight.checkAvailable("Loading small", 2_000_000_000L, "-"));
        } finally {
            if (old == null) {
                System.clearProperty("noodle.memoryPreflight.availableBytes");
            } else {
                System.setProperty("noodle.memoryPreflight.availableBytes", old);
            }
        }
    }

    @Test
    void availableMemoryIsReadFromTheSystemWhereItIsKnown() {
        long a = MemoryPreflight.availableBytes();
        if (java.nio.file.Files.isReadable(java.nio.file.Path.of("/proc/meminfo"))) {
            assertTrue(a > 0, "MemAvailable read: " + a);
        } else {
            assertTrue(a == -1, "unknown: " + a);
        }
    }
}
