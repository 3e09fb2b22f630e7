package dev.noodle.graph.spec;

/**
 * The declaration of one node input: a widget value (int, float, string, bool, combo) or a socket.
 *
 * <p>Sealed so that editors and validators can switch over it exhaustively. Implementations are immutable.
 */
public sealed interface InputSpec
        permits IntInput, FloatInput, StringInput, BoolInput, ComboInput, SocketInput {
    /** The input's name, unique within its node. */
    String name();

    /** Whether the input may be left out (ComfyUI's "optional" section). */
    boolean optional();

    /** A short help text for the editor, possibly empty. */
    String tooltip();

    /** The ComfyUI type name of this input ({@code INT}, {@code FLOAT}, {@code STRING}, {@code BOOLEAN}, {@code COMBO} or the socket type). */
    default String typeName() {
        return switch (this) {
            case IntInput i -> "INT";
            case FloatInput f -> "FLOAT";
            case StringInput s -> "STRING";
            case BoolInput b -> "BOOLEAN";
            case ComboInput c -> "COMBO";
            case SocketInput s -> s.type().name();
        };
    }
}
