package dev.noodle.engine.io;

/**
 * A safetensors file that breaks one of the format's rules. {@link #kind()} names the rule with the error names of
 * the reference implementation (huggingface/safetensors {@code SafeTensorError}), so tests and callers can tell the
 * cases apart; the message names the file and, where there is one, the tensor.
 */
public final class SafetensorsException extends ModelFormatException {
    private static final long serialVersionUID = 1L;

    /** Which rule was broken. */
    public enum Kind {
        /** Fewer than 8 bytes: no header length. */
        HEADER_TOO_SMALL,
        /** Header length over 100,000,000 bytes (or negative as a signed long). */
        HEADER_TOO_LARGE,
        /** Header length runs past the end of the file. */
        INVALID_HEADER_LENGTH,
        /** Header bytes are not UTF-8. */
        INVALID_HEADER,
        /** Header is not a JSON object of the expected form. */
        INVALID_HEADER_DESERIALIZATION,
        /** The same tensor name (or {@code __metadata__}, or a metadata key) appears twice. */
        DUPLICATE_KEY,
        /** {@code __metadata__} is not a string-to-string map. */
        INVALID_METADATA,
        /** Tensors sorted by offset do not tile the data buffer (gap, overlap, or end before begin). */
        INVALID_OFFSET,
        /** The last tensor does not end exactly at the end of the file (missing or trailing bytes). */
        METADATA_INCOMPLETE_BUFFER,
        /** Byte length differs from shape x dtype size. */
        TENSOR_INVALID_INFO,
        /** Shape product or byte size overflows 64 bits. */
        VALIDATION_OVERFLOW,
        /** A dtype name the format does not define. */
        UNKNOWN_DTYPE,
        /** A sub-byte dtype whose element count does not fill whole bytes. */
        MISALIGNED_SLICE,
        /** The file changed size after it was opened. */
        FILE_CHANGED
    }

    private final Kind kind;

    public SafetensorsException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    /** The broken rule. */
    public Kind kind() {
        return kind;
    }
}
