package dev.noodle.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.noodle.engine.runtime.Devices;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Models are loaded once and shared; over the memory budget the least recently used checkpoint nobody holds is
 * unloaded before the next one loads, never one still in use; a file changed on disk is loaded afresh.
 */
class ModelManagerTest {
    @TempDir
    static Path dir;

    private static Path tiny(String name) throws Exception {
        Path p = dir.resolve(name);
        if (!Files.exists(p)) {
            DemoCheckpoint.ensure(p);
        }
        return p;
    }

    private static void touch(Path p) throws Exception {
        Files.setLastModifiedTime(p, FileTime.fromMillis(Files.getLastModifiedTime(p).toMillis() + 5000));
    }

    @Test
    void aBudgetSmallerThanOneModelUnloadsTheIdleOneButNeverAHeldOne() throws Exception {
        Path a = tiny("a.safetensors");
        Path b = Files.copy(tiny("a.safetensors"), dir.resolve("b.safetensors"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        try (ModelManager m = new ModelManager(dir, Devices.Target.cpu(), 1)) {
            m.acquire(a, s -> { }).release();
            m.acquire(b, s -> { }).release(); // a is idle and over budget: unloaded first
            assertEquals(2, m.loadCount());
            m.acquire(a, s -> { }).release();
            assertEquals(3, m.loadCount(), "a was unloaded to make room, so it is read again");

            ModelManager.Lease held = m.acquire(a, s -> { }); // a is now in use
            m.acquire(b, s -> { }).release();
            ModelManager.Lease again = m.acquire(a, s -> { });
            assertEquals(4, m.loadCount(), "b was read again, a (held) was kept: " + m.loadCount());
            held.release();
            again.release();
        }
    }

    @Test
    void aLargeBudgetKeepsBothAndAChangedFileIsReadAgain() throws Exception {
        Path c = tiny("c.safetensors");
        Path d = Files.copy(c, dir.resolve("d.safetensors"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        try (ModelManager m = new ModelManager(dir, Devices.Target.cpu(), Long.MAX_VALUE)) {
            m.acquire(c, s -> { }).release();
            m.acquire(d, s -> { }).release();
            m.acquire(c, s -> { }).release();
            m.acquire(d, s -> { }).release();
            assertEquals(2, m.loadCount(), "both stay loaded and shared");
            touch(c);
            m.acquire(c, s -> { }).release();
            assertEquals(3, m.loadCount(), "the changed file is loaded afresh");
            assertEquals(2, m.freeUnused(), "the old version of c went when the new one loaded: d and c remain");
        }
    }

    @Test
    void itSaysWhichFilesAreLoadedAndWhichLoadsNowWithoutWaitingForTheLoad() throws Exception {
        Path e = tiny("e.safetensors");
        Path f = Files.copy(e, dir.resolve("f.safetensors"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        try (ModelManager m = new ModelManager(dir, Devices.Target.cpu(), Long.MAX_VALUE)) {
            assertEquals(java.util.List.of(), m.loadedFiles());
            assertEquals(null, m.loadingNow());
            java.util.List<Object> seenMeanwhile = new java.util.concurrent.CopyOnWriteArrayList<>();
            m.acquire(e, s -> { }).release();
            m.acquire(f, s -> {
                if (seenMeanwhile.isEmpty()) { // another thread asks while this one loads under the lock
                    Thread t = new Thread(() -> {
                        seenMeanwhile.add(m.loadingNow());
                        seenMeanwhile.add(m.loadedFiles());
                    });
                    t.start();
                    try {
                        t.join(10_000);
                    } catch (InterruptedException ex) {
                        Thread.currentThread().interrupt();
                    }
                }
            }).release();
            assertEquals(java.util.List.of(f, java.util.List.of(e)), seenMeanwhile,
                    "answered at once, during the load: f loading, e loaded");
            assertEquals(null, m.loadingNow());
            assertEquals(java.util.Set.of(e, f), java.util.Set.copyOf(m.loadedFiles()));
            m.freeUnused();
            assertEquals(java.util.List.of(), m.loadedFiles());
        }
    }
}
