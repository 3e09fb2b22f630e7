package dev.noodle.app.cli;

import dev.noodle.graph.form.FormField;
import dev.noodle.graph.form.FormProblem;
import dev.noodle.graph.form.WorkflowForm;
import java.io.PrintStream;

/** Prints a workflow's form for {@code noodle run FILE --form}: one line per field, then the entries that broke. */
final class FormPrinter {
    private static final int MAX_TEXT = 70;

    private FormPrinter() {}

    /** Prints the form of {@code file}; says so in one line when the workflow has none. */
    static void print(String file, WorkflowForm form, PrintStream out) {
        if (form.isEmpty()) {
            out.println(file + " has no form. Add inputs to it with the editor's \"Add to form\", or set any input"
                    + " with --set NODE.INPUT=VALUE.");
            return;
        }
        String whose = form.hostId() == null ? "" : " (the inputs of subgraph node " + form.hostId() + ")";
        out.println("Form of " + file + whose + "; set a field with --set NAME=VALUE:");
        int width = 0;
        for (FormField f : form.fields()) {
            width = Math.max(width, f.name().length());
        }
        for (FormField f : form.fields()) {
            StringBuilder line = new StringBuilder("  ").append(pad(f.name(), width)).append("  ")
                    .append(pad(f.typeName(), 7)).append(" = ");
            line.append(f.wiredFrom() != null ? "(wired from node " + f.wiredFrom() + ")" : show(f.value()));
            line.append("   ").append(cut(f.constraint()));
            if (!f.label().equals(f.name())) {
                line.append("   \"").append(f.label()).append('"');
            }
            out.println(line);
        }
        for (FormProblem p : form.problems()) {
            out.println("  " + pad(p.name(), width) + "  broken: " + p.message());
        }
    }

    private static String show(Object value) {
        if (value instanceof String s) {
            return '"' + cut(s.replace("\\", "\\\\").replace("\n", "\\n").replace("\"", "\\\"")) + '"';
        }
        return String.valueOf(value);
    }

    private static String cut(String s) {
        return s.length() <= MAX_TEXT ? s : s.substring(0, MAX_TEXT) + "…";
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s : s + " ".repeat(width - s.length());
    }
}
