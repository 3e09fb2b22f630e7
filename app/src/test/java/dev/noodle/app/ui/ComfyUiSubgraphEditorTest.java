package dev.noodle.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.noodle.app.ui.vm.GraphEditorViewModel;
import dev.noodle.graph.json.ComfyUiFormat;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.subgraph.SubgraphFlattener;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A ComfyUI workflow with three nested subgraphs (from the ComfyUI frontend's own fixtures) in the editor's
 * view-model: entering each level shows its inner nodes; an edit made two levels down reaches the flat graph that runs,
 * is saved into the right definition of the ComfyUI file (everything else stays as it was) and is one undo step.
 */
class ComfyUiSubgraphEditorTest {
    static final Path FIXTURE = Path.of("..", "workflows", "src", "test", "resources", "comfyui_subgraphs",
            "nested-subgraph-legacy-prefixed-proxy-widgets.json");

    @Test
    void nestedComfyUiSubgraphsOpenEditSaveAndRun(@TempDir Path dir) throws Exception {
        try (NoodleNodes nodes = NoodleNodes.create(NodeEnvironment.of(dir.resolve("models"), dir.resolve("out")))) {
            Workflow wf = WorkflowJson.read(FIXTURE, nodes.registry());
            GraphEditorViewModel vm = new GraphEditorViewModel(nodes.registry());
            vm.load(wf);
            assertTrue(vm.schema(wf.node("5").type()).isPresent(), "the host card has its schema");
            assertEquals("Outer Subgraph", vm.schema(wf.node("5").type()).orElseThrow().displayName());

            assertTrue(vm.enter("5"));
            assertTrue(vm.level().nodes().keySet().containsAll(java.util.Set.of("3", "4", "6")),
                    vm.level().nodes().keySet().toString());
            assertTrue(vm.enter("6"));
            assertTrue(vm.level().nodes().keySet().containsAll(java.util.Set.of("5", "6", "9")),
                    vm.level().nodes().keySet().toString());
            // "Inner 2\n" → "Second\n", two levels down
            vm.setInput("6", "value", "Second\n");
            vm.leave(2);
            assertTrue(vm.where().isRoot());

            Workflow edited = vm.workflow();
            String innerId = wf.subgraphOf(wf.subgraphs().get(wf.node("5").type()).body().node("6")).id();
            assertEquals(Literal.of("Second\n"), edited.subgraphs().get(innerId).body().node("6").input("value"));
            assertEquals(Literal.of("Second\n"), SubgraphFlattener.flatten(edited).workflow().node("5:6:6")
                    .input("value"));

            // saved as ComfyUI: the one widget changed, in the right definition; the rest of the file as it was
            String saved = ComfyUiFormat.write(edited, nodes.registry());
            ObjectMapper json = new ObjectMapper();
            JsonNode before = json.readTree(Files.readString(FIXTURE));
            JsonNode after = json.readTree(saved);
            assertEquals(before.get("nodes"), after.get("nodes"));
            assertEquals(before.get("links"), after.get("links"));
            JsonNode defs = after.at("/definitions/subgraphs");
            int changed = 0;
            for (int i = 0; i < defs.size(); i++) {
                if (!defs.get(i).equals(before.at("/definitions/subgraphs").get(i))) {
                    changed++;
                    assertEquals(innerId, defs.get(i).path("id").asText());
                }
            }
            assertEquals(1, changed, "only the inner definition changed");

            // one undo step takes it back to the file as opened
            vm.undo();
            assertEquals(json.readTree(Files.readString(FIXTURE)),
                    json.readTree(ComfyUiFormat.write(vm.workflow(), nodes.registry())));
        }
    }
}
