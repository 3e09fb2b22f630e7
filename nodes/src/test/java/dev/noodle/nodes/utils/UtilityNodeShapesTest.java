package dev.noodle.nodes.utils;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.noodle.graph.node.NodeDefinition;
import dev.noodle.graph.spec.BoolInput;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.InputSpec;
import dev.noodle.graph.spec.IntInput;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.spec.OutputSpec;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.graph.spec.StringInput;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The utility nodes have ComfyUI's shapes (comfy_extras/nodes_primitive.py, nodes_string.py, nodes_preview_any.py)
 * and give the text CPython gives (string_nodes.json, written by nodes/src/test/python/string_nodes_reference.py).
 */
class UtilityNodeShapesTest {
    /** Python's sys.maxsize on 64-bit builds, the bound ComfyUI gives PrimitiveInt and PrimitiveFloat. */
    static final long MAXSIZE = 9223372036854775807L;

    private static String ml(String name) {
        return "STRING " + name + " default='' multiline";
    }

    /** A compact, comparable line per input. */
    static String describe(InputSpec in) {
        String opt = in.optional() ? " optional" : "";
        return switch (in) {
            case IntInput i -> "INT " + i.name() + " default=" + i.defaultValue() + " min=" + i.min() + " max="
                    + i.max() + " step=" + i.step() + (i.controlAfterGenerate() ? " control_after_generate" : "") + opt;
            case FloatInput f -> "FLOAT " + f.name() + " default=" + f.defaultValue() + " min=" + f.min() + " max="
                    + f.max() + " step=" + f.step() + (f.round() > 0 ? " round=" + f.round() : "") + opt;
            case StringInput s -> "STRING " + s.name() + " default='" + s.defaultValue() + "'"
                    + (s.multiline() ? " multiline" : "") + opt;
            case BoolInput b -> "BOOLEAN " + b.name() + " default=" + b.defaultValue() + opt;
            case ComboInput c -> "COMBO " + c.name() + " " + c.currentOptions() + " default=" + c.effectiveDefault()
                    + opt;
            case SocketInput<?> s -> s.type().name() + " " + s.name() + opt;
        };
    }

    record Shape(String type, String display, String category, List<String> inputs, List<String> outputs,
            boolean outputNode) {}

    static Shape shape(NodeDefinition d) {
        NodeSchema s = d.schema();
        return new Shape(s.type(), s.displayName(), s.category(),
                s.inputs().stream().map(UtilityNodeShapesTest::describe).toList(),
                s.outputs().stream().map(o -> o.type().name() + " " + o.name()).toList(), s.outputNode());
    }

    @Test
    void shapesAreComfyUis() {
        double big = (double) MAXSIZE; // float(sys.maxsize) = 9.223372036854776e18
        Map<NodeDefinition, Shape> expected = new LinkedHashMap<>();
        expected.put(new PrimitiveNodes.PrimitiveInt(), new Shape("PrimitiveInt", "Int", "utils/primitive",
                List.of("INT value default=0 min=" + -MAXSIZE + " max=" + MAXSIZE + " step=1 control_after_generate"),
                List.of("INT INT"), false));
        expected.put(new PrimitiveNodes.PrimitiveFloat(), new Shape("PrimitiveFloat", "Float", "utils/primitive",
                List.of("FLOAT value default=0.0 min=" + -big + " max=" + big + " step=0.1"), List.of("FLOAT FLOAT"),
                false));
        expected.put(new PrimitiveNodes.PrimitiveString(), new Shape("PrimitiveString", "String", "utils/primitive",
                List.of("STRING value default=''"), List.of("STRING STRING"), false));
        expected.put(new PrimitiveNodes.PrimitiveStringMultiline(), new Shape("PrimitiveStringMultiline",
                "String (Multiline)", "utils/primitive", List.of(ml("value")), List.of("STRING STRING"), false));
        expected.put(new PrimitiveNodes.PrimitiveBoolean(), new Shape("PrimitiveBoolean", "Boolean", "utils/primitive",
                List.of("BOOLEAN value default=false"), List.of("BOOLEAN BOOLEAN"), false));
        expected.put(new StringNodes.StringConcatenate(), new Shape("StringConcatenate", "Concatenate", "utils/string",
                List.of(ml("string_a"), ml("string_b"), "STRING delimiter default=''"), List.of("STRING STRING"),
                false));
        expected.put(new StringNodes.StringLength(), new Shape("StringLength", "Length", "utils/string",
                List.of(ml("string")), List.of("INT length"), false));
        expected.put(new StringNodes.CaseConverter(), new Shape("CaseConverter", "Case Converter", "utils/string",
                List.of(ml("string"), "COMBO mode [UPPERCASE, lowercase, Capitalize, Title Case] default=UPPERCASE"),
                List.of("STRING STRING"), false));
        expected.put(new StringNodes.StringTrim(), new Shape("StringTrim", "Trim", "utils/string",
                List.of(ml("string"), "COMBO mode [Both, Left, Right] default=Both"), List.of("STRING STRING"), false));
        expected.put(new StringNodes.StringReplace(), new Shape("StringReplace", "Replace", "utils/string",
                List.of(ml("string"), ml("find"), ml("replace")), List.of("STRING STRING"), false));
        expected.put(new StringNodes.StringContains(), new Shape("StringContains", "Contains", "utils/string",
                List.of(ml("string"), ml("substring"), "BOOLEAN case_sensitive default=true"),
                List.of("BOOLEAN contains"), false));
        expected.put(new StringNodes.StringCompare(), new Shape("StringCompare", "Compare", "utils/string",
                List.of(ml("string_a"), ml("string_b"), "COMBO mode [Starts With, Ends With, Equal] default=Starts With",
                        "BOOLEAN case_sensitive default=true"),
                List.of("BOOLEAN BOOLEAN"), false));
        expected.put(new PreviewAny(), new Shape("PreviewAny", "Preview as Text", "utilities",
                List.of("* source"), List.of("STRING STRING"), true));
        for (Map.Entry<NodeDefinition, Shape> e : expected.entrySet()) {
            assertEquals(e.getValue(), shape(e.getKey()));
        }
        assertTrue(PortType.ANY.equals(((SocketInput<?>) new PreviewAny().schema().inputs().get(0)).type()));
    }

    static JsonNode reference() throws IOException {
        try (InputStream in = UtilityNodeShapesTest.class.getResourceAsStream("string_nodes.json")) {
            return new ObjectMapper().readTree(in);
        }
    }

    /** Runs {@code check} over every case, then fails once listing every mismatch. */
    private static void each(JsonNode cases, java.util.function.Function<JsonNode, String> mismatch) {
        List<String> bad = new ArrayList<>();
        for (JsonNode c : cases) {
            String m = mismatch.apply(c);
            if (m != null) {
                bad.add(m);
            }
        }
        assertTrue(bad.isEmpty(), String.join("\n", bad));
        assertFalse(cases.isEmpty());
    }

    private static String same(String what, Object expected, Object actual) {
        return expected.equals(actual) ? null : what + ": expected <" + expected + "> got <" + actual + ">";
    }

    @Test
    void textOperationsMatchCPython() throws IOException {
        JsonNode ref = reference();
        each(ref.get("length"), c -> same("len " + c.get(0), c.get(1).asLong(), PyText.length(c.get(0).asText())));
        each(ref.get("upper"), c -> same("upper", c.get(1).asText(),
                c.get(0).asText().toUpperCase(java.util.Locale.ROOT)));
        each(ref.get("lower"), c -> same("lower", c.get(1).asText(),
                c.get(0).asText().toLowerCase(java.util.Locale.ROOT)));
        each(ref.get("capitalize"), c -> same("capitalize", c.get(1).asText(), PyText.capitalize(c.get(0).asText())));
        each(ref.get("title"), c -> same("title", c.get(1).asText(), PyText.title(c.get(0).asText())));
        each(ref.get("strip"), c -> {
            String s = c.get(0).asText();
            String m = same("strip", c.get(1).asText(), PyText.strip(s, true, true));
            m = m != null ? m : same("lstrip", c.get(2).asText(), PyText.strip(s, true, false));
            return m != null ? m : same("rstrip", c.get(3).asText(), PyText.strip(s, false, true));
        });
        each(ref.get("replace"), c -> same("replace " + c.get(1) + " in " + c.get(0), c.get(3).asText(),
                PyText.replace(c.get(0).asText(), c.get(1).asText(), c.get(2).asText())));
    }

    static double fromHex(String hex) {
        return switch (hex) {
            case "nan" -> Double.NaN;
            case "inf" -> Double.POSITIVE_INFINITY;
            case "-inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(hex);
        };
    }

    @Test
    void previewTextIsWhatComfyUiShows() throws IOException {
        JsonNode ref = reference();
        each(ref.get("float_str"), c -> same("str(" + c.get(0).asText() + ")", c.get(1).asText(),
                PreviewAny.text(fromHex(c.get(0).asText()))));
        ObjectMapper mapper = new ObjectMapper();
        each(ref.get("json_dumps"), c -> {
            Object value = mapper.convertValue(c.get(0), Object.class);
            return same("json.dumps " + c.get(0), c.get(1).asText(), PreviewAny.text(normalise(value)));
        });
        assertEquals("None", PreviewAny.text(null));
        assertEquals("True", PreviewAny.text(true));
        assertEquals("False", PreviewAny.text(false));
        assertEquals("-9223372036854775807", PreviewAny.text(-MAXSIZE));
        assertEquals("a ☕\n", PreviewAny.text("a ☕\n"));
        // a value JSON cannot write is described instead, as ComfyUI falls back to str()
        Object handle = new Object() {
            @Override
            public String toString() {
                return "LatentValue[1, 4, 8, 8]";
            }
        };
        assertEquals("LatentValue[1, 4, 8, 8]", PreviewAny.text(handle));
        assertEquals(List.of(handle).toString(), PreviewAny.text(List.of(handle)));
    }

    /** Jackson reads JSON integers as Integer; wires carry Long (as the workflow reader makes them). */
    private static Object normalise(Object v) {
        return switch (v) {
            case null -> null;
            case Integer i -> (long) i;
            case List<?> l -> l.stream().map(UtilityNodeShapesTest::normalise).toList();
            case Map<?, ?> m -> {
                Map<Object, Object> out = new LinkedHashMap<>();
                m.forEach((k, x) -> out.put(k, normalise(x)));
                yield out;
            }
            default -> v;
        };
    }
}
