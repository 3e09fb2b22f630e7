package dev.noodle.nodes.host;

import dev.noodle.engine.io.CheckpointConverter;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.text.TokenizerDownloader;
import java.io.IOException;
import java.nio.file.Path;

/**
 * File tools the command line offers beside running workflows: converting a model file to safetensors and fetching
 * the CLIP vocabulary. Stateless; each call reads and writes only the files it names.
 */
public final class ModelFileTools {
    private ModelFileTools() {}

    /**
     * What a conversion did.
     *
     * @param tensors how many tensors were written (0 when it failed)
     * @param problem why the input is not a model file Noodle can read, or null when the conversion worked
     */
    public record Conversion(int tensors, String problem) {
        /** Whether the output was written. */
        public boolean converted() {
            return problem == null;
        }
    }

    /**
     * Rewrites {@code in} (a pickle checkpoint or any model file Noodle reads) as safetensors at {@code out}, every
     * tensor's dtype and values unchanged, through the safe unpickler (no code runs); the output is written
     * atomically.
     *
     * @return the tensors written, or the problem with the input (the output is then left as it was)
     * @throws IOException when a file cannot be read or written
     */
    public static Conversion convertToSafetensors(Path in, Path out) throws IOException {
        try {
            return new Conversion(CheckpointConverter.toSafetensors(in, out), null);
        } catch (ModelFormatException e) {
            return new Conversion(0, e.getMessage());
        }
    }

    /**
     * Downloads the OpenAI CLIP vocabulary into {@code <modelsRoot>/tokenizers/}, checked against its pinned SHA-256
     * and written atomically.
     *
     * @return the file written
     * @throws IOException on network or disk failure, or a download whose hash does not match
     */
    public static Path fetchTokenizer(Path modelsRoot) throws IOException {
        return TokenizerDownloader.downloadOpenAi(modelsRoot);
    }
}
