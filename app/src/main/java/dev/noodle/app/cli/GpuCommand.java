package dev.noodle.app.cli;

import dev.noodle.nodes.host.CudaLibtorchInstaller;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code noodle gpu install|status|remove}: the CUDA build of libtorch, fetched from Maven Central through the Maven
 * wrapper on request only.
 */
@Command(name = "gpu", mixinStandardHelpOptions = true,
        description = "Install, check or remove the CUDA libtorch (about 1.5 GB from Maven Central, through ./mvnw).")
public final class GpuCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "ACTION", description = "install, status or remove")
    String action;

    @Option(names = "--dir", paramLabel = "DIR", description = "Folder of the CUDA libtorch (default:"
            + " NOODLE_GPU_RUNTIME, else runtime/libtorch-2.7.1-cu129 in the Noodle checkout). Noodle finds a folder"
            + " elsewhere through NOODLE_GPU_RUNTIME or -Dnoodle.gpu.runtime.")
    Path dir;

    @Option(names = "--force", description = "Install even without an NVIDIA driver (to check the libraries).")
    boolean force;

    @Override
    public Integer call() throws Exception {
        String home = System.getProperty("noodle.home");
        CudaLibtorchInstaller installer = new CudaLibtorchInstaller(Path.of(home == null ? "." : home), System.out);
        Path target = dir != null ? dir.toAbsolutePath() : CudaLibtorchInstaller.defaultDir();
        return switch (action) {
            case "install" -> installer.install(target, force);
            case "status" -> installer.status(target);
            case "remove" -> installer.remove(target);
            default -> {
                System.err.println("noodle gpu: unknown action '" + action + "'; use install, status or remove");
                yield 2;
            }
        };
    }
}
