package dev.noodle.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.graph.form.FormField;
import dev.noodle.graph.form.WorkflowForm;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every example's form resolves: no entry points at a missing node or input, and every field can be set. */
class ExampleFormsTest {
    @TempDir
    Path tmp;

    @Test
    void everyExampleFormResolvesToSettableFields() throws Exception {
        NodeRegistry registry = NoodleNodes.standardRegistry(NodeEnvironment.of(tmp.resolve("models"),
                tmp.resolve("output")));
        int withForm = 0;
        for (Path f : ExampleWorkflowsTest.workflows()) {
            Workflow wf = WorkflowJson.read(f, registry);
            WorkflowForm form = WorkflowForm.of(wf, registry);
            assertEquals(List.of(), form.problems(), "form of " + f);
            for (FormField field : form.fields()) {
                assertTrue(field.settable(), f + ": " + field.name() + " is a value people can set");
            }
            withForm += form.fields().isEmpty() ? 0 : 1;
        }
        assertTrue(withForm >= 1, "txt2img has a form");
        Workflow txt2img = WorkflowJson.read(Path.of("txt2img.json"), registry);
        WorkflowForm form = WorkflowForm.of(txt2img, registry);
        assertEquals(List.of("prompt", "negative", "seed", "steps", "cfg", "width", "height"), form.names());
        assertFalse(form.apply(java.util.Map.of("steps", 12L)).equals(txt2img));
    }

    @Test
    void aComfyUiWorkflowOfOneSubgraphNodeIsTheFormOfItsPromotedWidgets() throws Exception {
        NodeRegistry registry = NoodleNodes.standardRegistry(NodeEnvironment.of(tmp.resolve("models"),
                tmp.resolve("output")));
        Workflow wf = WorkflowJson.read(Path.of("src/test/resources/comfyui_subgraphs/"
                + "subgraph-three-promoted-widgets.json"), registry);
        WorkflowForm form = WorkflowForm.of(wf, registry);
        assertEquals(List.of("text", "text_1", "text_2"), form.names(), "the STRING widgets, not the sockets");
        assertEquals(List.of("first", "second", "third"), form.fields().stream().map(FormField::value).toList());
        Workflow set = form.apply(java.util.Map.of("text_1", "a lighthouse"));
        assertEquals("a lighthouse", WorkflowForm.of(set, registry).field("text_1").orElseThrow().value());
    }
}
