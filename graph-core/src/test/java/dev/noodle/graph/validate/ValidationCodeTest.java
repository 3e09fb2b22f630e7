package dev.noodle.graph.validate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ValidationCodeTest {

    @Test
    void codesCarryComfyUisSpelling() {
        assertEquals(List.of("required_input_missing", "return_type_mismatch", "value_smaller_than_min",
                        "value_bigger_than_max", "value_not_in_list", "invalid_input_type", "bad_linked_input",
                        "dependency_cycle", "prompt_no_outputs", "unknown_node_type", "exception_during_validation",
                        // Noodle's own: ComfyUI's server never sees subgraphs (its frontend flattens them)
                        "invalid_subgraph"),
                java.util.Arrays.stream(ValidationCode.values()).map(ValidationCode::comfyName).toList());
    }

    @Test
    void jsonAndTextUseTheWireSpelling() throws Exception {
        ValidationError e = new ValidationError(ValidationCode.VALUE_NOT_IN_LIST, "4", "Save", "format",
                "Value not in list: format: 'gif' not in [png]", Map.of());
        String json = new ObjectMapper().writeValueAsString(e);
        assertEquals("value_not_in_list", new ObjectMapper().readTree(json).get("code").asText(), json);
        assertEquals("node 4 (Save) input 'format': Value not in list: format: 'gif' not in [png] [value_not_in_list]",
                e.toLine());
        assertEquals("value_not_in_list", ValidationCode.VALUE_NOT_IN_LIST.toString());
    }
}
