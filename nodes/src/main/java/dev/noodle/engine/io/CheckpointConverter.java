package dev.noodle.engine.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Converts a model file (a legacy pickle checkpoint or safetensors) to safetensors, keeping every tensor's dtype
 * and values bit for bit. The output is written atomically, one tensor in memory at a time. Stateless.
 */
public final class CheckpointConverter {
    private CheckpointConverter() {}

    /**
     * Converts {@code in} to a safetensors file at {@code out}.
     *
     * @return the number of tensors written
     */
    public static int toSafetensors(Path in, Path out) throws IOException {
        try (ModelFile src = ModelFiles.open(in)) {
            SafetensorsWriter w = new SafetensorsWriter();
            src.metadata().forEach(w::metadata);
            w.metadata("format", "pt");
            w.metadata("noodle_converted_from", String.valueOf(in.getFileName()));
            for (String key : src.keys()) {
                TensorInfo info = src.info(key);
                w.add(key, info.dtype(), info.shape(), () -> src.readBytes(key));
            }
            w.write(out);
            return src.keys().size();
        }
    }
}
