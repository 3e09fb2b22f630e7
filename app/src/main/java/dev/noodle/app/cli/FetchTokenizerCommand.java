package dev.noodle.app.cli;

import dev.noodle.nodes.host.ModelFileTools;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code noodle fetch-tokenizer}: downloads the CLIP vocabulary real checkpoints need into
 * {@code <models>/tokenizers/}, checked against its pinned SHA-256 and written atomically.
 */
@Command(name = "fetch-tokenizer", mixinStandardHelpOptions = true,
        description = "Download the CLIP vocabulary (bpe_simple_vocab_16e6.txt.gz, ~1.3 MB, SHA-256 checked).")
public final class FetchTokenizerCommand implements Callable<Integer> {
    @Option(names = "--models", paramLabel = "DIR", description = "Models root (default: ./models).")
    Path models = Path.of("models");

    @Override
    public Integer call() throws Exception {
        Path file = ModelFileTools.fetchTokenizer(models);
        System.out.println("saved " + file);
        return 0;
    }
}
