package dev.noodle.engine.io;

import dev.noodle.engine.io.pickle.PickleCheckpoint;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Opens a model file by its content, never its extension (bad-inputs P8): a zip ({@code PK\3\4}) is a PyTorch
 * checkpoint, a plausible 8-byte header length followed by {@code {} is safetensors. Stateless and thread-safe.
 */
public final class ModelFiles {
    /** What a file's first bytes say it is. */
    public enum Format { SAFETENSORS, PYTORCH_ZIP, PYTORCH_LEGACY, GGUF, UNKNOWN }

    private ModelFiles() {}

    /** Opens a safetensors file or a zip PyTorch checkpoint; throws {@link ModelFormatException} for anything else. */
    public static ModelFile open(Path path) {
        return switch (detect(path)) {
            case SAFETENSORS -> SafetensorsFile.open(path);
            case PYTORCH_ZIP -> PickleCheckpoint.open(path);
            case PYTORCH_LEGACY -> throw new ModelFormatException(path + " uses PyTorch's legacy (pre-1.6) format,"
                    + " which Noodle does not read. Re-save it with a newer PyTorch or convert it to safetensors.");
            case GGUF -> throw new ModelFormatException(path + " is a GGUF file (stable-diffusion.cpp/llama.cpp),"
                    + " which Noodle does not read. Use the .safetensors version of the model.");
            case UNKNOWN -> throw new ModelFormatException(path + " is neither a safetensors file nor a PyTorch"
                    + " checkpoint (its first bytes match no known format). Re-download it.");
        };
    }

    /** Detects the format from the first 16 bytes. */
    public static Format detect(Path path) {
        byte[] head;
        long size;
        try (InputStream in = Files.newInputStream(path)) {
            head = in.readNBytes(16);
            size = Files.size(path);
        } catch (IOException e) {
            throw new ModelFormatException("Cannot open model file " + path + ": " + e.getMessage()
                    + ". Check that the file exists and is readable.", e);
        }
        if (head.length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
            return Format.PYTORCH_ZIP;
        }
        if (head.length >= 4 && head[0] == 'G' && head[1] == 'G' && head[2] == 'U' && head[3] == 'F') {
            return Format.GGUF;
        }
        if (head.length >= 2 && (head[0] & 0xff) == 0x80 && head[1] >= 2 && head[1] <= 5) {
            return Format.PYTORCH_LEGACY;
        }
        if (head.length >= 9) {
            long n = ByteBuffer.wrap(head, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (n >= 2 && n <= SafetensorsHeader.MAX_HEADER_SIZE && 8 + n <= size) {
                int first = head[8];
                if (first == '{' || first == ' ' || first == '\t' || first == '\n' || first == '\r') {
                    return Format.SAFETENSORS;
                }
            }
        }
        return head.length < 8 ? Format.SAFETENSORS : Format.UNKNOWN; // short files get safetensors' precise error
    }
}
