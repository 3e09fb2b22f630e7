package dev.noodle.engine.text;

/** A tokenizer vocabulary file that cannot be used; the message names the file and what to do. */
public class TokenizerFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TokenizerFormatException(String message) {
        super(message);
    }

    public TokenizerFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
