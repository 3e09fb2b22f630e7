package dev.noodle.nodes.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.noodle.graph.json.ComfyApiFormat;
import dev.noodle.graph.json.ComfyUiFormat;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.graph.validate.ValidationCode;
import dev.noodle.graph.validate.ValidationError;
import dev.noodle.graph.validate.Validator;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
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

    /** Every real ComfyUI UI file of graph-core's test resources (see the README there for their sources). */
    static final List<String> REAL_UI_FILES = List.of("default_graph.json", "img2img_workflow.json",
            "inpaint_example.json", "old_workflow_converted_input.json");

    @Test
    void realComfyFilesValidateAgainstTheRealRegistryAndRoundTripWithoutLoss() throws IOException {
        NodeRegistry registry = registry();
        Files.write(dir.resolve("models/checkpoints/STableDiffusionv2-1_768-ema-pruned.safetensors"), new byte[0]);
        Path input = Files.createDirectories(dir.resolve("input"));
        Files.write(input.resolve("example.png"), InteropTestSupport.tinyPng());
        Files.write(input.resolve("yosemite_inpaint_example.png"), InteropTestSupport.tinyPng());
        var mapper = WorkflowJson.newMapper();
        Validator validator = new Validator(registry);
        for (String name : REAL_UI_FILES) {
            Path file = DEFAULT_GRAPH.resolveSibling(name);
            String original = Files.readString(file);
            Workflow wf = WorkflowJson.read(file, registry);
            List<ValidationError> errors = validator.validate(wf);
            // custom/unknown nodes are reported by validation (one error each), never a crash; nothing else is wrong
            Set<String> unknown = new TreeSet<>();
            wf.nodes().values().stream().filter(n -> registry.find(n.type()).isEmpty())
                    .forEach(n -> unknown.add(n.id()));
            // the converted-input file is a fragment (one ControlNet node fed by a primitive): no output node
            boolean fragment = name.equals("old_workflow_converted_input.json");
            List<ValidationError> nodeErrors = errors.stream()
                    .filter(e -> !(fragment && e.code() == ValidationCode.PROMPT_NO_OUTPUTS)).toList();
            assertEquals(fragment ? 1 : 0, errors.size() - nodeErrors.size(), name + ": " + errors);
            for (ValidationError e : nodeErrors) {
                assertEquals(ValidationCode.UNKNOWN_NODE_TYPE, e.code(), name + ": " + e);
            }
            assertEquals(unknown, nodeErrors.stream().map(ValidationError::nodeId)
                    .collect(Collectors.toCollection(TreeSet::new)), name + ": " + errors);
            // export → import: the same file, the same graph, the same validation
            String ui = ComfyUiFormat.write(wf, registry);
            assertEquals(mapper.readTree(original), mapper.readTree(ui), name);
            Workflow again = WorkflowJson.parse(ui, name, registry);
            assertEquals(wf.nodes(), again.nodes(), name);
            assertEquals(wf.layout(), again.layout(), name);
            assertEquals(errors, validator.validate(again), name);
            // and through the API format (what a server queues): same nodes and inputs, and they validate the same
            Workflow api = WorkflowJson.parse(ComfyApiFormat.write(wf), name + " (api)", registry);
            assertEquals(wf.nodes().keySet(), api.nodes().keySet(), name);
            for (var n : wf.nodes().values()) {
                assertEquals(n.inputs(), api.node(n.id()).inputs(), name + " node " + n.id());
            }
        }
    }

    @Test
    void realA1111InfotextsBecomeValidGraphsAndRoundTrip() throws IOException {
        NodeRegistry registry = registry();
        for (String model : List.of("model", "Anime-Merged", "sd-v1-5-inpainting",
                "CF5_Counterfeit-V3.0_fix_fix_fix")) {
            Files.write(dir.resolve("models/checkpoints/" + model + ".safetensors"), new byte[0]);
        }
        List<String> checkpoints = new dev.noodle.nodes.host.ModelFolders(dir.resolve("models"))
                .list(dev.noodle.nodes.host.ModelKind.CHECKPOINTS);
        Validator validator = new Validator(registry);
        for (String text : A1111InfotextTest.REAL) {
            Workflow wf = InfotextGraph.toWorkflow(A1111Infotext.parse(text), checkpoints);
            assertEquals(List.of(), validator.validate(wf), text);
            String exported = InfotextGraph.toInfotext(wf).format();
            assertEquals(A1111InfotextTest.normalised(text), exported);
            Workflow again = InfotextGraph.toWorkflow(A1111Infotext.parse(exported), checkpoints);
            assertEquals(wf.nodes(), again.nodes(), text);
            // the graph also survives ComfyUI's UI format with the real schemas
            Workflow viaUi = WorkflowJson.parse(ComfyUiFormat.write(wf, registry), "infotext.json", registry);
            for (var n : wf.nodes().values()) {
                assertEquals(n.inputs(), viaUi.node(n.id()).inputs(), text + " node " + n.id() + " " + n.type());
            }
        }
    }

    @Test
    void a1111InfotextBecomesAValidGraph() throws IOException {
        NodeRegistry registry = registry();
        Workflow wf = InfotextGraph.toWorkflow(A1111Infotext.parse(A1111InfotextTest.A1111_DOCSTRING
                + ", Model: v1-5-pruned-emaonly"), List.of("v1-5-pruned-emaonly.safetensors"));
        assertEquals(List.of(), new Validator(registry).validate(wf));
    }
}
