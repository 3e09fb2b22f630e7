package dev.noodle.nodes.utils;

import dev.noodle.nodes.host.NodeSupport;

import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.BoolInput;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.StringInput;
import java.util.Locale;

/**
 * The text nodes of ComfyUI's {@code comfy_extras/nodes_string.py} ({@code utils/string}), with its input names,
 * order, defaults and Python's string semantics (see {@link PyText}).
 *
 * <p>Stateless and thread-safe.
 */
public final class StringNodes {
    private StringNodes() {}

    private static final String CATEGORY = "utils/string";

    static StringInput text(String name) {
        return StringInput.multiline(name, "");
    }

    /** StringConcatenate: {@code delimiter.join((string_a, string_b))}. */
    public static final class StringConcatenate extends Node {
        static final StringInput STRING_A = text("string_a");
        static final StringInput STRING_B = text("string_b");
        static final StringInput DELIMITER = StringInput.of("delimiter", "");

        public StringConcatenate() {
            super(NodeSupport.schema("StringConcatenate", "Concatenate", CATEGORY,
                            "Joins two texts with the delimiter between them.")
                    .input(STRING_A)
                    .input(STRING_B)
                    .input(DELIMITER)
                    .output(PortType.STRING));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            var in = ctx.inputs();
            return NodeOutputs.of(in.get(STRING_A) + in.get(DELIMITER) + in.get(STRING_B));
        }
    }

    /** StringLength: the number of characters (code points). */
    public static final class StringLength extends Node {
        static final StringInput STRING = text("string");

        public StringLength() {
            super(NodeSupport.schema("StringLength", "Length", CATEGORY, "Counts the characters of the text.")
                    .input(STRING)
                    .output(PortType.INT, "length"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            return NodeOutputs.of(PyText.length(ctx.inputs().get(STRING)));
        }
    }

    /** CaseConverter: UPPERCASE, lowercase, Capitalize or Title Case, as Python's str methods. */
    public static final class CaseConverter extends Node {
        static final StringInput STRING = text("string");
        static final ComboInput MODE = ComboInput.of("mode", "UPPERCASE", "lowercase", "Capitalize", "Title Case");

        public CaseConverter() {
            super(NodeSupport.schema("CaseConverter", "Case Converter", CATEGORY,
                            "Changes the text to upper, lower, capitalized or title case.")
                    .input(STRING)
                    .input(MODE)
                    .output(PortType.STRING));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            String s = ctx.inputs().get(STRING);
            return NodeOutputs.of(switch (ctx.inputs().get(MODE)) {
                case "UPPERCASE" -> s.toUpperCase(Locale.ROOT);
                case "lowercase" -> s.toLowerCase(Locale.ROOT);
                case "Capitalize" -> PyText.capitalize(s);
                case "Title Case" -> PyText.title(s);
                default -> s; // validation keeps other values out; ComfyUI passes them through
            });
        }
    }

    /** StringTrim: whitespace removed from both ends, the left or the right. */
    public static final class StringTrim extends Node {
        static final StringInput STRING = text("string");
        static final ComboInput MODE = ComboInput.of("mode", "Both", "Left", "Right");

        public StringTrim() {
            super(NodeSupport.schema("StringTrim", "Trim", CATEGORY,
                            "Removes spaces, tabs and line breaks from the ends of the text.")
                    .input(STRING)
                    .input(MODE)
                    .output(PortType.STRING));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            String s = ctx.inputs().get(STRING);
            String mode = ctx.inputs().get(MODE);
            return NodeOutputs.of(PyText.strip(s, !mode.equals("Right"), !mode.equals("Left")));
        }
    }

    /** StringReplace: every occurrence of {@code find} replaced (plain text, not a pattern). */
    public static final class StringReplace extends Node {
        static final StringInput STRING = text("string");
        static final StringInput FIND = text("find");
        static final StringInput REPLACE = text("replace");

        public StringReplace() {
            super(NodeSupport.schema("StringReplace", "Replace", CATEGORY,
                            "Replaces every occurrence of one text with another.")
                    .input(STRING)
                    .input(FIND)
                    .input(REPLACE)
                    .output(PortType.STRING));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            var in = ctx.inputs();
            return NodeOutputs.of(PyText.replace(in.get(STRING), in.get(FIND), in.get(REPLACE)));
        }
    }

    /** StringContains: whether {@code substring} occurs in {@code string}. */
    public static final class StringContains extends Node {
        static final StringInput STRING = text("string");
        static final StringInput SUBSTRING = text("substring");
        static final BoolInput CASE_SENSITIVE = BoolInput.of("case_sensitive", true);

        public StringContains() {
            super(NodeSupport.schema("StringContains", "Contains", CATEGORY,
                            "Tells whether the text contains the substring.")
                    .input(STRING)
                    .input(SUBSTRING)
                    .input(CASE_SENSITIVE)
                    .output(PortType.BOOLEAN, "contains"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            var in = ctx.inputs();
            boolean exact = in.get(CASE_SENSITIVE);
            String s = exact ? in.get(STRING) : in.get(STRING).toLowerCase(Locale.ROOT);
            String sub = exact ? in.get(SUBSTRING) : in.get(SUBSTRING).toLowerCase(Locale.ROOT);
            return NodeOutputs.of(s.contains(sub));
        }
    }

    /** StringCompare: whether string_a starts with, ends with or equals string_b. */
    public static final class StringCompare extends Node {
        static final StringInput STRING_A = text("string_a");
        static final StringInput STRING_B = text("string_b");
        static final ComboInput MODE = ComboInput.of("mode", "Starts With", "Ends With", "Equal");
        static final BoolInput CASE_SENSITIVE = BoolInput.of("case_sensitive", true);

        public StringCompare() {
            super(NodeSupport.schema("StringCompare", "Compare", CATEGORY,
                            "Tells whether the first text starts with, ends with or equals the second.")
                    .input(STRING_A)
                    .input(STRING_B)
                    .input(MODE)
                    .input(CASE_SENSITIVE)
                    .output(PortType.BOOLEAN));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            var in = ctx.inputs();
            boolean exact = in.get(CASE_SENSITIVE);
            String a = exact ? in.get(STRING_A) : in.get(STRING_A).toLowerCase(Locale.ROOT);
            String b = exact ? in.get(STRING_B) : in.get(STRING_B).toLowerCase(Locale.ROOT);
            return NodeOutputs.of(switch (in.get(MODE)) {
                case "Starts With" -> a.startsWith(b);
                case "Ends With" -> a.endsWith(b);
                case "Equal" -> a.equals(b);
                default -> throw new IllegalArgumentException("StringCompare: mode '" + in.get(MODE)
                        + "' is not one of Starts With, Ends With, Equal");
            });
        }
    }
}
