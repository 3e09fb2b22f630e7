package dev.noodle.graph.form;

/**
 * A problem with one form entry or one named value: the name it concerns and what is wrong, in plain words.
 *
 * @param name the form name (or the unknown name a caller gave)
 * @param message what is wrong and what to do, naming the node and input where there is one
 */
public record FormProblem(String name, String message) {
    /** One line: {@code NAME: message}. */
    public String toLine() {
        return name + ": " + message;
    }
}
