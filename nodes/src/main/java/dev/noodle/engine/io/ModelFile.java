package dev.noodle.engine.io;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;

/**
 * A {@link TensorSource} backed by an open model file (safetensors or pickle checkpoint). Thread-safe for reads;
 * {@link #close()} releases the file, after which reads fail.
 */
public interface ModelFile extends TensorSource, AutoCloseable {
    /** The file this source reads. */
    Path path();

    /** String metadata stored with the tensors (safetensors {@code __metadata__}; empty for pickles). */
    Map<String, String> metadata();

    /**
     * The tensor's raw contents as a new contiguous little-endian buffer in its storage dtype ({@link #info}),
     * row-major; used to copy tensors between formats without converting them.
     */
    ByteBuffer readBytes(String key);

    @Override
    default java.util.Optional<ByteBuffer> storedBytes(String key) {
        return java.util.Optional.of(readBytes(key));
    }

    @Override
    void close();
}
