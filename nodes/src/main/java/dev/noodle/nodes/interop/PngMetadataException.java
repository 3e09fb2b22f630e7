package dev.noodle.nodes.interop;

import java.io.IOException;

/** A PNG's metadata could not be read or holds no usable workflow; the message names the file and what to do. */
public class PngMetadataException extends IOException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception with a user-facing message. */
    public PngMetadataException(String message) {
        super(message);
    }

    /** Creates the exception with a user-facing message and its cause. */
    public PngMetadataException(String message, Throwable cause) {
        super(message, cause);
    }
}
