package dev.noodle.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad-inputs R3/R4 for {@link AtomicFiles}: a child JVM rewrites a file with {@link AtomicFiles#writeBytes} in a
 * loop and is SIGKILLed at random moments, 30 times; the file must always be one complete version and at most the
 * one in-flight temp file may remain. A write failing with "No space left on device" must report the error, keep the
 * previous file byte for byte and remove its temp file.
 */
class AtomicFilesKillTest {
    private static final int SIZE = 4 << 20;

    /** Version v: SIZE bytes of v, so a torn write would mix values or be short. */
    static byte[] version(int v) {
        byte[] b = new byte[SIZE];
        Arrays.fill(b, (byte) ('A' + v));
        return b;
    }

    /** Child process: writes versions 0 and 1 alternately to args[0] until killed; prints "saved" once. */
    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        byte[][] versions = {version(0), version(1)};
        for (long i = 0; ; i++) {
            AtomicFiles.writeBytes(file, versions[(int) (i & 1)]);
            if (i == 0) {
                System.out.println("saved");
                System.out.flush();
            }
        }
    }

    @Test
    @Timeout(300)
    void killedWritesNeverLeaveABrokenFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("image.png");
        Random random = new Random(7);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (int round = 0; round < 30; round++) {
            Process child = new ProcessBuilder(java, "-Xmx64m", "-XX:TieredStopAtLevel=1", "-cp",
                    System.getProperty("java.class.path"), AtomicFilesKillTest.class.getName(), file.toString())
                    .redirectErrorStream(true).start();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8))) {
                assertEquals("saved", out.readLine(), "child did not start writing");
                Thread.sleep(random.nextInt(1, 150));
                child.destroyForcibly();
                child.waitFor();
            }
            byte[] now = Files.readAllBytes(file);
            assertTrue(Arrays.equals(now, version(0)) || Arrays.equals(now, version(1)),
                    "round " + round + ": file is torn (" + now.length + " bytes)");
            try (Stream<Path> files = Files.list(dir)) {
                List<Path> temps = files.filter(p -> !p.equals(file)).toList();
                assertTrue(temps.size() <= 1, "round " + round + ": temp files pile up: " + temps);
            }
        }
    }

    @Test
    void diskFullKeepsThePreviousFileAndRemovesTheTemp(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("settings.json");
        byte[] before = "{\"old\":true}".getBytes(StandardCharsets.UTF_8);
        AtomicFiles.writeBytes(file, before);
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(file, ch -> {
            AtomicFiles.writeFully(ch, ByteBuffer.wrap(version(1), 0, 1000));
            throw new IOException("No space left on device");
        }));
        assertEquals("No space left on device", e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(file));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "temp file must be removed");
        }
    }
}
