package dev.noodle.graph.json;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** Null-tolerant iteration over JSON arrays that LiteGraph files may leave out or set to null. */
final class ComfyUiJsonLists {
    private ComfyUiJsonLists() {}

    /** The elements of {@code array}, or an empty list when it is missing, null or not an array. */
    static List<JsonNode> of(JsonNode array) {
        List<JsonNode> list = new ArrayList<>();
        if (array != null && array.isArray()) {
            array.forEach(list::add);
        }
        return list;
    }
}
