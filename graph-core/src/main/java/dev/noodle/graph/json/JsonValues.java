package dev.noodle.graph.json;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeMode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Conversions between JSON trees and model values shared by the Noodle and ComfyUI codecs. */
final class JsonValues {
    /** Largest workflow file accepted (W10: 100 MB JSON is refused). */
    static final long MAX_DOCUMENT_BYTES = 64L << 20;
    /** Deepest JSON nesting accepted (W10: deeply nested JSON is refused). */
    static final int MAX_NESTING = 200;

    private JsonValues() {}

    /** The mapper the codecs use: bounded size and depth, stable pretty output. */
    static ObjectMapper newMapper() {
        // A number too large for a double (1e999) reads as Infinity. Jackson would write that back as the string
        // "Infinity", so a saved file would not read back the same (a WorkflowFuzzTest finding); like Python's json,
        // which ComfyUI uses, Infinity and NaN are written and read as the bare tokens instead.
        ObjectMapper mapper = new ObjectMapper(com.fasterxml.jackson.core.JsonFactory.builder()
                .disable(com.fasterxml.jackson.core.json.JsonWriteFeature.WRITE_NAN_AS_STRINGS)
                .enable(com.fasterxml.jackson.core.json.JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                .build());
        mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(MAX_NESTING)
                .maxDocumentLength(MAX_DOCUMENT_BYTES)
                .build());
        mapper.enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
        mapper.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS); // garbage after the JSON = damaged file
        mapper.enable(SerializationFeature.INDENT_OUTPUT);
        return mapper;
    }

    /** An input value: a 2-element [id, index] array is a link; anything else is a literal. */
    static InputValue toInput(ObjectMapper mapper, JsonNode node) {
        if (node.isArray() && node.size() == 2) {
            JsonNode id = node.get(0);
            JsonNode index = node.get(1);
            boolean idOk = id.isTextual() || id.isIntegralNumber();
            if (idOk && index.isIntegralNumber() && index.canConvertToInt()) {
                return new Link(id.asText(), index.intValue());
            }
        }
        return new Literal(toJava(mapper, node));
    }

    /** A plain Java value (Map, List, Long, BigInteger, Double, String, Boolean, null). */
    static Object toJava(ObjectMapper mapper, JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        if (node.isIntegralNumber()) {
            return node.canConvertToLong() ? (Object) node.longValue() : node.bigIntegerValue();
        }
        if (node.isNumber()) {
            return node.doubleValue();
        }
        if (node.isTextual()) {
            return node.textValue();
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isArray()) {
            List<Object> list = new ArrayList<>(node.size());
            for (JsonNode e : node) {
                list.add(toJava(mapper, e)); // depth bounded by MAX_NESTING
            }
            return list;
        }
        if (node.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            Iterator<Map.Entry<String, JsonNode>> it = node.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                map.put(e.getKey(), toJava(mapper, e.getValue()));
            }
            return map;
        }
        return mapper.convertValue(node, Object.class);
    }

    /** The JSON form of an input value. */
    static JsonNode fromInput(ObjectMapper mapper, InputValue value) {
        return switch (value) {
            case Link l -> {
                ArrayNode a = mapper.createArrayNode();
                a.add(l.nodeId());
                a.add(l.outputIndex());
                yield a;
            }
            case Literal lit -> mapper.valueToTree(lit.value());
        };
    }

    /** The fields of {@code obj} not in {@code known}, as plain Java values, in order. */
    /** A field's text, or null when the field is missing or JSON null. */
    static String text(JsonNode obj, String field) {
        JsonNode v = obj.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    static Map<String, Object> extra(ObjectMapper mapper, JsonNode obj, Set<String> known) {
        Map<String, Object> extra = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = obj.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!known.contains(e.getKey())) {
                extra.put(e.getKey(), toJava(mapper, e.getValue()));
            }
        }
        return extra;
    }

    /** A node mode from "normal"/"muted"/"bypassed" or LiteGraph's 0/2/4. */
    static NodeMode mode(JsonNode node) {
        if (node == null || node.isNull()) {
            return NodeMode.NORMAL;
        }
        if (node.isIntegralNumber()) {
            return switch (node.intValue()) {
                case 2 -> NodeMode.MUTED;
                case 4 -> NodeMode.BYPASSED;
                default -> NodeMode.NORMAL;
            };
        }
        return switch (node.asText().toLowerCase(java.util.Locale.ROOT)) {
            case "muted", "never" -> NodeMode.MUTED;
            case "bypassed", "bypass" -> NodeMode.BYPASSED;
            case "normal", "always", "" -> NodeMode.NORMAL;
            default -> throw new IllegalArgumentException(
                    "unknown mode '" + node.asText() + "' (use normal, muted or bypassed)");
        };
    }

    /** The JSON name of a mode. */
    static String modeName(NodeMode mode) {
        return mode.name().toLowerCase(java.util.Locale.ROOT);
    }

    /** A list copy helper for JSON arrays of objects. */
    static List<JsonNode> elements(JsonNode array) {
        List<JsonNode> list = new ArrayList<>();
        if (array != null && array.isArray()) {
            array.forEach(list::add);
        }
        return list;
    }
}
