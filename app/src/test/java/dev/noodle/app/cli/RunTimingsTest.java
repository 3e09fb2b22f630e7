package dev.noodle.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code noodle run --timings}: every phase of a cold run is listed, and the phases add up to the total. */
class RunTimingsTest {
    private static final Pattern ROW = Pattern.compile("^  (.+?)\\s+(\\d+\\.\\d{3})$");

    @Test
    void theTimingsListEveryPhaseAndAddUpToTheTotal(@TempDir Path dir) throws Exception {
        RunCommandTest.Result r = RunCommandTest.run("run", "../workflows/txt2img.json", "--models",
                dir.resolve("models").toString(), "--out", dir.resolve("out").toString(), "--set", "5.width=64",
                "--set", "5.height=64", "--set", "3.steps=3", "--timings");
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.exists(dir.resolve("out/ComfyUI_00001_.png")), r.err());
        List<String> lines = r.err().lines().toList();
        int head = lines.indexOf(lines.stream().filter(l -> l.startsWith("timings (wall seconds")).findFirst()
                .orElseThrow(() -> new AssertionError("no timings: " + r.err())));
        Map<String, Double> rows = new LinkedHashMap<>();
        for (String l : lines.subList(head + 1, lines.size())) {
            Matcher m = ROW.matcher(l);
            if (!m.matches()) {
                break;
            }
            assertFalse(rows.containsKey(m.group(1)), "one row per phase: " + l);
            rows.put(m.group(1), Double.parseDouble(m.group(2)));
        }
        List<String> names = new ArrayList<>(rows.keySet());
        // in-process there is no launcher script: the clock starts at the JVM's own start
        List<String> expected = List.of("JVM start to main()", "command line, folders, node set",
                "read and validate the workflow", "engine start (libtorch)", "run start (plan, cache)",
                "node 4 CheckpointLoaderSimple", "node 6 CLIPTextEncode", "node 7 CLIPTextEncode",
                "node 5 EmptyLatentImage", "node 3 KSampler: to step 1 done", "node 3 KSampler: steps 2-3",
                "node 8 VAEDecode", "node 9 SaveImage", "run end", "after the run", "total",
                "to the first step (done)", "to the image saved");
        assertEquals(expected, names, r.err());
        double sum = 0;
        for (String n : names.subList(0, names.indexOf("total"))) {
            assertTrue(rows.get(n) >= 0, n + " is not negative: " + r.err());
            sum += rows.get(n);
        }
        double total = rows.get("total");
        // each row is rounded to a millisecond: the sum may differ from the total by half of one per row
        assertEquals(total, sum, 0.0005 * names.indexOf("total") + 1e-9, r.err());
        double before = 0;
        for (String n : names.subList(0, names.indexOf("node 3 KSampler: to step 1 done") + 1)) {
            before += rows.get(n);
        }
        assertEquals(before, rows.get("to the first step (done)"), 0.0005 * names.size(), r.err());
        assertTrue(rows.get("to the first step (done)") <= rows.get("to the image saved")
                && rows.get("to the image saved") <= total, r.err());
    }

    @Test
    void theLauncherStartCountsOnlyInTheProcessItWasPassedTo() {
        long pid = ProcessHandle.current().pid();
        long now = System.currentTimeMillis();
        String secs = (now / 1000) + "." + String.format("%06d", (now % 1000) * 1000);
        long atMain = StartClock.mainNanos();
        long launched = StartClock.launcherStartNanos(pid + ":" + secs).orElseThrow();
        // now (wall) on the nanoTime scale: within a second of the nanoTime clock read here, at millisecond precision
        assertEquals(System.nanoTime(), launched, 1e9, "placed on the nanoTime scale near " + atMain);
        assertTrue(StartClock.launcherStartNanos((pid + 1) + ":" + secs).isEmpty(), "another process's start");
        assertTrue(StartClock.launcherStartNanos(secs).isEmpty(), "no pid");
        assertTrue(StartClock.launcherStartNanos(pid + ":").isEmpty(), "no time (bash before 5)");
        assertTrue(StartClock.launcherStartNanos(null).isEmpty());
    }
}
