package dev.noodle.engine.io.pickle;

import dev.noodle.engine.io.ModelFormatException;

/** A pickle referring to a global outside the allow-list (e.g. {@code posix.system}); the file is refused. */
public final class ForbiddenGlobalException extends ModelFormatException {
    private static final long serialVersionUID = 1L;
    private final String global;

    public ForbiddenGlobalException(String source, String global) {
        super(source + " was refused: it asks to run forbidden global " + global + ", which a model file never"
                + " needs (the file may be malicious). Nothing was executed. Use a .safetensors version of the model.");
        this.global = global;
    }

    /** The forbidden global as {@code module.name}. */
    public String global() {
        return global;
    }
}
