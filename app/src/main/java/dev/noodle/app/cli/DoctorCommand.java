package dev.noodle.app.cli;

import dev.noodle.nodes.host.EngineDoctor;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * {@code noodle doctor}: the device the engine computes on and why (driver, GPUs, the CUDA libtorch, the libtorch DJL
 * loaded, float type, kernels, memory, DJL's cache). Exit code 0 when workflows can run as asked, 1 otherwise.
 */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = "Show the device the engine computes on and why (driver, GPU, libtorch, float type, memory).")
public final class DoctorCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        EngineDoctor.Report r = EngineDoctor.examine();
        r.lines().forEach(System.out::println);
        return r.usable() ? 0 : 1;
    }
}
