package dev.noodle.engine.runtime;

import java.nio.file.Path;
import java.util.Optional;

/**
 * What decides whether the engine computes on a GPU, found before and after the engine loads, and the reasoning over
 * it: whether to point DJL at the installed CUDA libtorch ({@link #useCudaLibtorch}) and, when the CPU is used, the
 * one line that says why ({@link #cpuReason}). Pure, so every case is testable without a GPU. Immutable.
 *
 * @param cpuAsked the options ask for the CPU ({@code -Dnoodle.device=cpu})
 * @param driver the NVIDIA driver's version, or null when none is loaded
 * @param cudaDir the CUDA libtorch folder looked at
 * @param installed the folder has a manifest (the installer finished)
 * @param installProblem what {@link CudaLibtorch#verify} found wrong with an installed folder, or null
 * @param userLibtorch the {@code PYTORCH_LIBRARY_PATH} or {@code PYTORCH_FLAVOR} the user set in the environment
 *     (DJL then follows the user, not Noodle), or null
 * @param force use the folder even without a driver or with the CPU asked for ({@code -Dnoodle.gpu.force=true}: the
 *     installed-folder test, which compares the CUDA libtorch's CPU results with the stock CPU libtorch's)
 * @param loadProblem why the engine failed to load, or null (also null before it was tried)
 * @param gpuCount how many GPUs the loaded engine sees, -1 before it loaded
 */
public record DeviceFindings(boolean cpuAsked, String driver, Path cudaDir, boolean installed, String installProblem,
        String userLibtorch, boolean force, String loadProblem, int gpuCount) {

    /** A copy after the engine loaded (or failed to). */
    public DeviceFindings loaded(String problem, int gpus) {
        return new DeviceFindings(cpuAsked, driver, cudaDir, installed, installProblem, userLibtorch, force, problem,
                gpus);
    }

    /** Whether the driver is new enough for CUDA {@value CudaLibtorch#CUDA_VERSION}. */
    public boolean driverUsable() {
        return driver != null && CudaLibtorch.driverSupportsCuda(driver);
    }

    /** Whether Noodle points DJL at the installed CUDA libtorch (else DJL uses its own CPU libtorch). */
    public boolean useCudaLibtorch() {
        return userLibtorch == null && installed && installProblem == null && (force || !cpuAsked && driverUsable());
    }

    /**
     * Why the engine computes on the CPU, as one line; empty when it uses a GPU. Checked in the order a user fixes
     * them: an explicit request, their own libtorch, the driver, the install, the load, the devices.
     */
    public Optional<String> cpuReason() {
        if (gpuCount > 0 && loadProblem == null && !cpuAsked) {
            return Optional.empty();
        }
        if (cpuAsked) {
            return Optional.of("-Dnoodle.device=cpu given");
        }
        if (loadProblem != null && useCudaLibtorch()) {
            return Optional.of("installed libtorch failed to load: " + loadProblem + " (run ./noodle gpu install"
                    + " again, or use -Dnoodle.device=cpu)");
        }
        if (loadProblem != null) {
            return Optional.of("the engine failed to load: " + loadProblem);
        }
        if (userLibtorch != null) {
            return Optional.of("PYTORCH_LIBRARY_PATH/PYTORCH_FLAVOR in the environment choose DJL's libtorch ("
                    + userLibtorch + ") and it sees no GPU; unset them to use ./noodle gpu install's");
        }
        if (driver == null && !(force && installed)) {
            return Optional.of("no NVIDIA driver found (/proc/driver/nvidia/version is absent)");
        }
        if (driver != null && !driverUsable()) {
            return Optional.of("driver " + driver + " is too old for CUDA " + CudaLibtorch.CUDA_VERSION + ": needs ≥ "
                    + CudaLibtorch.MIN_DRIVER + " (≥ " + CudaLibtorch.CUDA_DRIVER + " recommended)");
        }
        if (!installed) {
            return Optional.of("driver found but the CUDA libtorch is not installed: run ./noodle gpu install");
        }
        if (installProblem != null) {
            return Optional.of("the CUDA libtorch in " + cudaDir + " is incomplete (" + installProblem
                    + "): run ./noodle gpu install again");
        }
        if (driver == null) {
            return Optional.of("no NVIDIA driver found; the CUDA libtorch was loaded anyway (forced) and computes on"
                    + " the CPU");
        }
        return Optional.of(gpuCount < 0 ? "the engine has not loaded yet"
                : "the CUDA libtorch loaded but sees no GPU (driver " + driver + "; check nvidia-smi and the device"
                        + " permissions)");
    }
}
