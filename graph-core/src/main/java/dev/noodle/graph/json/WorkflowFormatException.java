package dev.noodle.graph.json;

/**
 * A workflow file could not be read: names the file, the line/column when known, and what to do.
 *
 * <p>Unchecked, so callers (CLI, editor) can let it travel to the one place that shows it to the user.
 */
public class WorkflowFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String source;
    private final int line;
    private final int column;

    /** Creates the exception with a complete message (it should name the file and say what to do). */
    public WorkflowFormatException(String message) {
        super(message);
        this.source = null;
        this.line = 0;
        this.column = 0;
    }

    /** Creates the exception; {@code line}/{@code column} are 1-based, or 0 when unknown. */
    public WorkflowFormatException(String source, int line, int column, String problem, String hint, Throwable cause) {
        super(format(source, line, column, problem, hint), cause);
        this.source = source;
        this.line = line;
        this.column = column;
    }

    private static String format(String source, int line, int column, String problem, String hint) {
        StringBuilder sb = new StringBuilder("Cannot read workflow ").append(source);
        if (line > 0) {
            sb.append(" at line ").append(line).append(", column ").append(column);
        }
        sb.append(": ").append(problem);
        if (hint != null && !hint.isEmpty()) {
            sb.append(". ").append(hint);
        }
        return sb.toString();
    }

    /** The file or source name, or null when not given. */
    public String source() {
        return source;
    }

    /** The 1-based line, or 0 when unknown. */
    public int line() {
        return line;
    }

    /** The 1-based column, or 0 when unknown. */
    public int column() {
        return column;
    }
}
