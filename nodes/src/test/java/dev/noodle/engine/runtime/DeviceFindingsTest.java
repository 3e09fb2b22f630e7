package dev.noodle.engine.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The device reasoning of {@code ./noodle doctor} and of the engine's start, over simulated findings. */
class DeviceFindingsTest {
    private static final Path DIR = Path.of("/opt/noodle/runtime/libtorch-2.7.1-cu129");

    private static DeviceFindings found(boolean cpu, String driver, boolean installed, String installProblem) {
        return new DeviceFindings(cpu, driver, DIR, installed, installProblem, null, false, null, -1);
    }

    @Test
    void noDriverKeepsDjlsCpuLibtorchAndSaysSo() {
        DeviceFindings f = found(false, null, true, null);
        assertFalse(f.useCudaLibtorch(), "an installed CUDA libtorch is not loaded without a driver");
        assertEquals(Optional.of("no NVIDIA driver found (/proc/driver/nvidia/version is absent)"),
                f.loaded(null, 0).cpuReason());
    }

    @Test
    void driverWithoutTheInstallSaysWhatToRun() {
        DeviceFindings f = found(false, "550.54.15", false, null);
        assertFalse(f.useCudaLibtorch());
        assertEquals("driver found but the CUDA libtorch is not installed: run ./noodle gpu install",
                f.loaded(null, 0).cpuReason().orElseThrow());
    }

    @Test
    void driverAndInstallUseTheGpu() {
        DeviceFindings f = found(false, "550.54.15", true, null);
        assertTrue(f.useCudaLibtorch());
        assertEquals(Optional.empty(), f.loaded(null, 1).cpuReason(), "a GPU in use needs no reason");
        assertTrue(f.loaded(null, 0).cpuReason().orElseThrow().startsWith("the CUDA libtorch loaded but sees no GPU"));
    }

    @Test
    void cpuAskedWinsOverEverything() {
        DeviceFindings f = found(true, "550.54.15", true, null);
        assertFalse(f.useCudaLibtorch(), "-Dnoodle.device=cpu keeps the CPU libtorch");
        assertEquals("-Dnoodle.device=cpu given", f.loaded(null, 0).cpuReason().orElseThrow());
    }

    @Test
    void loadFailureOfTheInstalledLibtorchIsReportedWithTheWayOut() {
        DeviceFindings f = found(false, "550.54.15", true, null);
        String why = f.loaded("libcudnn_cnn.so.9: cannot open shared object file", 0).cpuReason().orElseThrow();
        assertTrue(why.startsWith("installed libtorch failed to load: libcudnn_cnn.so.9"), why);
        assertTrue(why.contains("-Dnoodle.device=cpu"), why);
    }

    @Test
    void oldDriverNamesTheMinimum() {
        DeviceFindings f = found(false, "470.223.02", true, null);
        assertFalse(f.useCudaLibtorch());
        assertEquals("driver 470.223.02 is too old for CUDA 12.9: needs ≥ 525.60.13 (≥ 575.51.03 recommended)",
                f.loaded(null, 0).cpuReason().orElseThrow());
    }

    @Test
    void damagedInstallIsNotLoaded() {
        DeviceFindings f = found(false, "550.54.15", true, "libtorch_cuda.so is missing");
        assertFalse(f.useCudaLibtorch());
        assertTrue(f.loaded(null, 0).cpuReason().orElseThrow().contains("libtorch_cuda.so is missing"));
    }

    @Test
    void theUsersOwnLibtorchIsLeftAlone() {
        DeviceFindings f = new DeviceFindings(false, "550.54.15", DIR, true, null, "/usr/lib/torch", false, null, -1);
        assertFalse(f.useCudaLibtorch(), "PYTORCH_LIBRARY_PATH in the environment wins");
        assertTrue(f.loaded(null, 0).cpuReason().orElseThrow().contains("/usr/lib/torch"));
        assertEquals(Optional.empty(), f.loaded(null, 2).cpuReason());
    }

    @Test
    void forceLoadsTheFolderWithoutADriver() {
        DeviceFindings f = new DeviceFindings(false, null, DIR, true, null, null, true, null, -1);
        assertTrue(f.useCudaLibtorch());
        assertTrue(f.loaded(null, 0).cpuReason().orElseThrow().contains("loaded anyway (forced)"));
        DeviceFindings cpu = new DeviceFindings(true, null, DIR, true, null, null, true, null, -1);
        assertTrue(cpu.useCudaLibtorch(), "forced with the CPU asked for: the CUDA build computes on the CPU");
        assertEquals("-Dnoodle.device=cpu given", cpu.loaded(null, 0).cpuReason().orElseThrow());
    }

    @Test
    void driverVersionIsReadFromBothKernelModuleKinds() {
        assertEquals(Optional.of("550.54.15"), CudaLibtorch.driverVersion(
                "NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15  Tue Mar  5 22:23:56 UTC 2024\n"
                        + "GCC version:  gcc version 12.3.0"));
        assertEquals(Optional.of("570.86.15"), CudaLibtorch.driverVersion(
                "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  570.86.15  Release Build  (dvs-builder@U16)"));
        assertEquals(Optional.empty(), CudaLibtorch.driverVersion("no module here"));
        assertTrue(CudaLibtorch.driverSupportsCuda("525.60.13"));
        assertTrue(CudaLibtorch.driverSupportsCuda("580.1"));
        assertFalse(CudaLibtorch.driverSupportsCuda("525.60.11"));
        assertFalse(CudaLibtorch.driverSupportsCuda("470.223.02"));
    }
}
