package dev.noodle.graph.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.testing.FakeNodes;
import dev.noodle.graph.validate.ValidationError;
import dev.noodle.graph.validate.Validator;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Jazzer fuzz target for workflow JSON → model → validator (bad-inputs W1–W10), against the fake node set. Parsing
 * may only fail with {@link WorkflowFormatException}; a parsed workflow must validate without throwing (problems come
 * back as a list) and survive write → parse unchanged. Regression inputs live under
 * {@code WorkflowFuzzTestInputs/parseAndValidate/}.
 */
class WorkflowFuzzTest {
    private static final Validator VALIDATOR = new Validator(new FakeNodes().registry);

    @FuzzTest(maxDuration = "10m")
    void parseAndValidate(byte[] bytes) {
        String json = new String(bytes, StandardCharsets.UTF_8);
        Workflow wf;
        try {
            wf = WorkflowJson.parse(json, "fuzz.json");
        } catch (WorkflowFormatException expected) {
            return;
        }
        List<ValidationError> errors = VALIDATOR.validate(wf);
        for (ValidationError e : errors) {
            assertNotNull(e.message());
        }
        Workflow again = WorkflowJson.parse(WorkflowJson.write(wf), "rewritten");
        assertEquals(wf, again, "write → parse must give the same workflow");
    }
}
