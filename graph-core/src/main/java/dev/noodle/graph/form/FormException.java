package dev.noodle.graph.form;

import java.util.List;
import java.util.stream.Collectors;

/** Thrown when named form values cannot be applied; lists every problem, each naming its field. */
public final class FormException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final transient List<FormProblem> problems;

    /** An exception for these problems (at least one). */
    public FormException(List<FormProblem> problems) {
        super(problems.stream().map(FormProblem::toLine).collect(Collectors.joining("; ")));
        this.problems = List.copyOf(problems);
    }

    /** The problems, one per field. */
    public List<FormProblem> problems() {
        return problems;
    }
}
