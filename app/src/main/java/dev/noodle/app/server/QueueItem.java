package dev.noodle.app.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noodle.graph.model.Workflow;
import java.util.List;

/**
 * One queued prompt. Ordered by {@code number} (lower first; {@code front} submissions get negative numbers), then
 * by arrival. Immutable.
 *
 * @param prompt the API prompt as posted (kept for history and {@code GET /queue})
 * @param extraData the client's {@code extra_data} with {@code client_id} added
 * @param outputs the output nodes that will run
 * @param workflow the parsed prompt
 */
record QueueItem(double number, long seq, String promptId, ObjectNode prompt, ObjectNode extraData,
        List<String> outputs, Workflow workflow) implements Comparable<QueueItem> {

    QueueItem {
        outputs = List.copyOf(outputs);
    }

    /** The client that submitted it, or null. */
    String clientId() {
        return extraData.hasNonNull("client_id") ? extraData.get("client_id").asText() : null;
    }

    @Override
    public int compareTo(QueueItem o) {
        int c = Double.compare(number, o.number);
        return c != 0 ? c : Long.compare(seq, o.seq);
    }

    /** ComfyUI's queue tuple: {@code [number, prompt_id, prompt, extra_data, outputs_to_execute]}. */
    ArrayNode toJson(ObjectMapper mapper) {
        ArrayNode a = mapper.createArrayNode();
        if (number == Math.rint(number) && Math.abs(number) < 1e15) {
            a.add((long) number);
        } else {
            a.add(number);
        }
        a.add(promptId);
        a.add(prompt.deepCopy());
        a.add(extraData.deepCopy());
        ArrayNode outs = a.addArray();
        outputs.forEach(outs::add);
        return a;
    }
}
