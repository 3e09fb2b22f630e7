package dev.noodle.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code noodle doctor} and {@code noodle gpu} on a machine without an NVIDIA driver, run in-process. */
class DoctorCommandTest {
    @TempDir
    Path dir;

    private static void assumeNoDriver() {
        assumeFalse(Files.exists(Path.of("/proc/driver/nvidia/version")), "this machine has an NVIDIA driver");
    }

    @Test
    void doctorSaysTheCpuIsUsedAndWhy() {
        assumeNoDriver();
        ConvertCommandTest.Result r = ConvertCommandTest.run("doctor");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("device:    CPU, computing in float32"), r.out());
        assertTrue(r.out().contains("why cpu:   no NVIDIA driver found (/proc/driver/nvidia/version is absent)"),
                r.out());
    }

    @Test
    void gpuInstallRefusesWithoutADriverAndDownloadsNothing() {
        assumeNoDriver();
        Path target = dir.resolve("cuda");
        ConvertCommandTest.Result r = ConvertCommandTest.run("gpu", "install", "--dir", target.toString());
        assertEquals(1, r.code());
        assertTrue(r.out().startsWith("noodle gpu install: no NVIDIA driver found"), r.out());
        assertTrue(r.out().contains("nothing downloaded. Add --force"), r.out());
        assertFalse(Files.exists(target), "nothing is written");
    }

    @Test
    void gpuStatusSaysWhatIsMissing() {
        ConvertCommandTest.Result r = ConvertCommandTest.run("gpu", "status", "--dir", dir.toString());
        assertEquals(1, r.code());
        assertEquals("the CUDA libtorch is not installed in " + dir + " (./noodle gpu install)", r.out().strip());
        ConvertCommandTest.Result bad = ConvertCommandTest.run("gpu", "update");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("unknown action 'update'; use install, status or remove"), bad.err());
    }
}
