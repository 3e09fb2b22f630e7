package dev.noodle.engine.image;

/** An image or PNG metadata that cannot be read; the message names the file or chunk and is shown as is. */
public class ImageFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ImageFormatException(String message) {
        super(message);
    }

    public ImageFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
