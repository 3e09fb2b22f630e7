package dev.noodle.nodes.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.noodle.graph.json.ComfyApiFormat;
import dev.noodle.graph.json.ComfyUiFormat;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.graph.validate.Validator;
import dev.noodle.nodes.NodeEnvironment;
import dev.noodle.nodes.NoodleNodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ComfyUI's default workflow and an A1111 infotext against Noodle's real node schemas. */
class RealRegistryInteropTest {
    /** ComfyUI frontend's defaultGraph (see graph-core's test resources README for its source). */
    static final Path DEFAULT_GRAPH = Path.of("../graph-core/src/test/resources/dev/noodle/graph/json/comfyui/"
            + "default_graph.json");

    @TempDir
    Path dir;

    private NodeRegistry registry() throws IOException {
        Path ckpts = Files.createDirectories(dir.resolve("models/checkpoints"));
        Files.write(ckpts.resolve("v1-5-pruned-emaonly-fp16.safetensors"), new byte[0]);
        Files.write(ckpts.resolve("v1-5-pruned-emaonly.safetensors"), new byte[0]);
        return NoodleNodes.standardRegistry(NodeEnvironment.of(dir.resolve("models"), dir.resolve("output")));
    }

    @Test
    void comfyDefaultGraphValidatesAndRoundTrips() throws IOException {
        NodeRegistry registry = registry();
        String original = Files.readString(DEFAULT_GRAPH);
        Workflow wf = WorkflowJson.read(DEFAULT_GRAPH, registry);
        assertEquals(List.of(), new Validator(registry).validate(wf));
        assertEquals(new Literal("euler"), wf.node("3").input("sampler_name"));
        assertEquals(new Literal("ComfyUI"), wf.node("9").input("filename_prefix"), "missing widget → default");
        var mapper = WorkflowJson.newMapper();
        assertEquals(mapper.readTree(original), mapper.readTree(ComfyUiFormat.write(wf, registry)));
        Workflow api = WorkflowJson.parse(ComfyApiFormat.write(wf), "api.json", registry);
        assertEquals(List.of(), new Validator(registry).validate(api));
    }

    @Test
    void a1111InfotextBecomesAValidGraph() throws IOException {
        NodeRegistry registry = registry();
        Workflow wf = InfotextGraph.toWorkflow(A1111Infotext.parse(A1111InfotextTest.A1111_DOCSTRING
                + ", Model: v1-5-pruned-emaonly"), List.of("v1-5-pruned-emaonly.safetensors"));
        assertEquals(List.of(), new Validator(registry).validate(wf));
    }
}
