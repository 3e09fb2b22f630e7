package dev.noodle.nodes.library;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.noodle.graph.json.ComfyUiFormat;
import dev.noodle.graph.json.WorkflowFormatException;
import dev.noodle.graph.model.Workflow;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Jazzer fuzz target for the model lists of UI workflows ({@code models}, {@code extra.noodle_models},
 * {@code properties.models}): any text either is refused as a workflow with a {@link WorkflowFormatException}, or
 * gives model references with a name and folder, whose re-recording reads back the same. Any other throwable or a
 * hang is a finding. The normal test run replays the committed inputs under
 * {@code WorkflowModelsFuzzTestInputs/recordedModels/}; {@code tools/fuzz.sh workflow-models} fuzzes.
 */
class WorkflowModelsFuzzTest {
    @FuzzTest(maxDuration = "10m")
    void recordedModels(byte[] json) {
        String text = new String(json, StandardCharsets.UTF_8);
        Workflow wf;
        try {
            wf = ComfyUiFormat.read(text, "fuzz.json", null);
        } catch (WorkflowFormatException expected) {
            return;
        }
        List<WorkflowModels.ModelRef> refs = WorkflowModels.recorded(wf);
        for (WorkflowModels.ModelRef r : refs) {
            assertFalse(r.name().isBlank());
            assertFalse(r.directory().isBlank());
            assertFalse(!r.sha256().isEmpty() && !r.sha256().matches("[0-9a-f]{64}"), r.sha256());
        }
        String again = WorkflowModels.record(text, refs);
        List<WorkflowModels.ModelRef> back = WorkflowModels.recorded(ComfyUiFormat.read(again, "again.json", null));
        assertEquals(refs.stream().map(r -> r.directory() + "/" + r.name()).sorted().toList(),
                back.stream().map(r -> r.directory() + "/" + r.name()).sorted().toList());
    }
}
