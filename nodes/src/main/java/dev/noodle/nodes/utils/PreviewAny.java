package dev.noodle.nodes.utils;

import dev.noodle.nodes.host.NodeSupport;

import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * PreviewAny ("Preview as Text"): shows any value as text and passes that text on, as ComfyUI's
 * {@code comfy_extras/nodes_preview_any.py}.
 *
 * <p>The text is what ComfyUI shows: a string as it is; a number or boolean as Python's {@code str} ({@code 7},
 * {@code 0.5}, {@code True}); lists and maps of plain values as {@code json.dumps(value, indent=4)}; anything else
 * (a latent, a model, conditioning) by its description. The UI result is {@code {"text": [value]}}, the shape
 * ComfyUI's server sends. Stateless and thread-safe.
 */
public final class PreviewAny extends Node {
    static final SocketInput<Object> SOURCE = SocketInput.of("source", PortType.ANY);

    /** The UI key the text is shown under. */
    public static final String UI_TEXT = "text";

    public PreviewAny() {
        super(NodeSupport.schema("PreviewAny", "Preview as Text", "utilities",
                        "Shows the value it receives as text (numbers, text, settings or a description of the data).")
                .input(SOURCE)
                .output(PortType.STRING)
                .outputNode(true));
    }

    @Override
    public NodeOutputs execute(NodeContext ctx) {
        String text = text(ctx.inputs().get(SOURCE));
        return new NodeOutputs(List.of(text), Map.of(UI_TEXT, List.of(text)));
    }

    /** The text ComfyUI's PreviewAny shows for {@code value}. */
    static String text(Object value) {
        return switch (value) {
            case null -> "None";
            case String s -> s;
            case Boolean b -> b ? "True" : "False";
            case Double d -> PyText.floatRepr(d);
            case Float f -> PyText.floatRepr(f);
            case Long l -> Long.toString(l);
            case Integer i -> Integer.toString(i);
            default -> {
                StringBuilder json = new StringBuilder();
                yield json(value, 0, json) ? json.toString() : String.valueOf(value);
            }
        };
    }

    /**
     * Appends {@code json.dumps(v, indent=4)} (ASCII only, {@code ", "}-free separators, NaN as {@code NaN}); false
     * when {@code v} holds something JSON cannot write, as Python's dumps raises.
     */
    private static boolean json(Object v, int depth, StringBuilder out) {
        switch (v) {
            case null -> out.append("null");
            case String s -> quote(s, out);
            case Boolean b -> out.append(b);
            case Long l -> out.append(l);
            case Integer i -> out.append(i);
            case Double d -> out.append(Double.isNaN(d) ? "NaN" : Double.isInfinite(d)
                    ? (d > 0 ? "Infinity" : "-Infinity") : PyText.floatRepr(d));
            case Collection<?> c -> {
                return container(c, '[', ']', depth, out, (item, o) -> json(item, depth + 1, o));
            }
            case Map<?, ?> m -> {
                for (Object k : m.keySet()) {
                    if (!(k instanceof String)) {
                        return false;
                    }
                }
                return container(m.entrySet(), '{', '}', depth, out, (e, o) -> {
                    quote((String) e.getKey(), o);
                    o.append(": ");
                    return json(e.getValue(), depth + 1, o);
                });
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    private interface Item<T> {
        boolean write(T item, StringBuilder out);
    }

    private static <T> boolean container(Collection<T> items, char open, char close, int depth, StringBuilder out,
            Item<T> writer) {
        if (items.isEmpty()) {
            out.append(open).append(close);
            return true;
        }
        out.append(open);
        String indent = "    ".repeat(depth + 1);
        boolean first = true;
        for (T item : items) {
            out.append(first ? "\n" : ",\n").append(indent);
            first = false;
            if (!writer.write(item, out)) {
                return false;
            }
        }
        out.append('\n').append("    ".repeat(depth)).append(close);
        return true;
    }

    private static void quote(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || c > 0x7e) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
