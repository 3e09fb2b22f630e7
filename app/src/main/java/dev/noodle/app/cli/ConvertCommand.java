package dev.noodle.app.cli;

import dev.noodle.nodes.host.ModelFileTools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code noodle convert IN.ckpt OUT.safetensors}: rewrites a pickle checkpoint (or any model file Noodle reads) as
 * safetensors, every tensor's dtype and values unchanged, through the safe unpickler (no code runs).
 */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = "Convert a .ckpt/.pt model file to .safetensors (same tensors, no pickle code executed).")
public final class ConvertCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "IN", description = "The model file to read (.ckpt, .pt, .safetensors).")
    Path in;

    @Parameters(index = "1", paramLabel = "OUT", description = "The .safetensors file to write.")
    Path out;

    @Option(names = "--force", description = "Overwrite OUT when it exists.")
    boolean force;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(in)) {
            System.err.println("noodle convert: " + in + " does not exist or is not a file");
            return 2;
        }
        if (Files.exists(out) && !force) {
            System.err.println("noodle convert: " + out + " exists; pass --force to overwrite it");
            return 2;
        }
        if (in.toAbsolutePath().normalize().equals(out.toAbsolutePath().normalize())) {
            System.err.println("noodle convert: IN and OUT are the same file");
            return 2;
        }
        ModelFileTools.Conversion c = ModelFileTools.convertToSafetensors(in, out);
        if (!c.converted()) {
            System.err.println("noodle convert: " + c.problem());
            return 1;
        }
        System.out.println("wrote " + c.tensors() + " tensors to " + out);
        return 0;
    }
}
