package dev.noodle.app.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;

/** ComfyUI's {@code /history} answers from a history kept oldest first, as every {@link PromptQueue} keeps it. */
final class HistoryViews {
    private HistoryViews() {
    }

    /** The history (oldest first), the last {@code maxItems} when given; entries are copies. */
    static ObjectNode last(ObjectMapper mapper, LinkedHashMap<String, ObjectNode> history, Integer maxItems) {
        ObjectNode out = mapper.createObjectNode();
        int skip = maxItems == null ? 0 : Math.max(0, history.size() - maxItems);
        int i = 0;
        for (Map.Entry<String, ObjectNode> e : history.entrySet()) {
            if (i++ >= skip) {
                out.set(e.getKey(), e.getValue().deepCopy());
            }
        }
        return out;
    }

    /** {@code {id: entry}} for one prompt, or {@code {}} when unknown. */
    static ObjectNode one(ObjectMapper mapper, Map<String, ObjectNode> history, String promptId) {
        ObjectNode out = mapper.createObjectNode();
        ObjectNode e = history.get(promptId);
        if (e != null) {
            out.set(promptId, e.deepCopy());
        }
        return out;
    }
}
