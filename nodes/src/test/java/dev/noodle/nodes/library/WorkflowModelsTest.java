package dev.noodle.nodes.library;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.noodle.graph.json.ComfyUiFormat;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.Workflow;
import dev.noodle.nodes.host.ModelFolders;
import dev.noodle.nodes.interop.ModelHashCache;
import dev.noodle.nodes.library.WorkflowModels.ModelRef;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a workflow's model files are written into and read back from ComfyUI UI workflows, and found again. */
class WorkflowModelsTest {
    private static final String SHA_A = "a".repeat(64);
    private static final String SHA_B = "b".repeat(64);
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String UI = """
            {"last_node_id": 2, "last_link_id": 0, "nodes": [
              {"id": 1, "type": "CheckpointLoaderSimple", "pos": [0, 0], "size": [300, 100], "flags": {}, "order": 0,
               "mode": 0, "outputs": [], "properties": {"Node name for S&R": "CheckpointLoaderSimple"},
               "widgets_values": ["base.safetensors"]},
              {"id": 2, "type": "LoraLoaderModelOnly", "pos": [0, 200], "size": [300, 100], "flags": {}, "order": 1,
               "mode": 0, "inputs": [], "outputs": [],
               "properties": {"models": [{"name": "detail.safetensors", "url": "https://example.org/detail.safetensors",
                  "directory": "loras"}]},
               "widgets_values": ["detail.safetensors", 1.0]}],
             "links": [], "groups": [], "config": {}, "extra": {"ds": {"scale": 1, "offset": [0, 0]}}, "version": 0.4}
            """;

    @Test
    void modelsWithASourceGoToComfyUisListAndTheOthersToExtra() throws Exception {
        String out = WorkflowModels.record(UI, List.of(
                new ModelRef("base.safetensors", "checkpoints", SHA_A, "https://civitai.com/api/download/models/1"),
                new ModelRef("detail.safetensors", "loras", SHA_B, "")));
        JsonNode root = JSON.readTree(out);
        JsonNode models = root.get("models");
        assertEquals(1, models.size(), out);
        List<String> fields = new ArrayList<>();
        models.get(0).fieldNames().forEachRemaining(fields::add);
        assertEquals(List.of("name", "url", "hash", "hash_type", "directory"), fields);
        assertEquals("SHA256", models.get(0).get("hash_type").asText());
        JsonNode unpublished = root.path("extra").path("noodle_models");
        assertEquals(1, unpublished.size(), out);
        fields.clear();
        unpublished.get(0).fieldNames().forEachRemaining(fields::add);
        assertEquals(List.of("name", "hash", "hash_type", "directory"), fields, "no empty url ComfyUI would refuse");
        assertEquals(1.0, root.path("extra").path("ds").path("scale").asDouble(), "the rest of extra is kept");
        assertEquals(2, root.get("nodes").size());

        // recording nothing removes both lists
        JsonNode none = JSON.readTree(WorkflowModels.record(out, List.of()));
        assertFalse(none.has("models"));
        assertFalse(none.path("extra").has("noodle_models"));
    }

    @Test
    void recordedModelsAreReadFromTheListExtraAndNodeProperties() {
        String out = WorkflowModels.record(UI, List.of(
                new ModelRef("base.safetensors", "checkpoints", SHA_A, "https://civitai.com/api/download/models/1")));
        Workflow wf = ComfyUiFormat.read(out, "t.json", null);
        List<ModelRef> refs = WorkflowModels.recorded(wf);
        assertEquals(List.of(
                new ModelRef("base.safetensors", "checkpoints", SHA_A, "https://civitai.com/api/download/models/1"),
                new ModelRef("detail.safetensors", "loras", "", "https://example.org/detail.safetensors")), refs);
    }

    @Test
    void noodlesOwnJsonKeepsTheListAtTheTopAndReadsItBack() throws Exception {
        List<ModelRef> refs = List.of(
                new ModelRef("base.safetensors", "checkpoints", SHA_A, "https://civitai.com/api/download/models/1"),
                new ModelRef("detail.safetensors", "loras", SHA_B, ""));
        Workflow wf = WorkflowModels.withRecorded(Workflow.empty("w"), refs);
        String json = dev.noodle.graph.json.WorkflowJson.write(wf);
        JsonNode models = JSON.readTree(json).get("models");
        List<String> fields = new ArrayList<>();
        models.get(0).fieldNames().forEachRemaining(fields::add);
        assertEquals(List.of("name", "url", "hash", "hash_type", "directory"), fields, json);
        assertFalse(models.get(1).has("url"), json);
        assertEquals(refs, WorkflowModels.recorded(dev.noodle.graph.json.WorkflowJson.parse(json, "w.json")));
        assertEquals(List.of(), WorkflowModels.recorded(WorkflowModels.withRecorded(wf, List.of())));
    }

    @Test
    void garbageInTheListIsSkipped() {
        String ui = UI.replace("\"version\": 0.4", "\"version\": 0.4, \"models\": [1, null, {\"name\": 3},"
                + " {\"name\": \"x.safetensors\", \"directory\": \"loras\", \"hash\": \"not-a-hash\"}]");
        Workflow wf = ComfyUiFormat.read(ui, "t.json", null);
        List<ModelRef> refs = WorkflowModels.recorded(wf);
        assertEquals(new ModelRef("x.safetensors", "loras", "", ""), refs.get(0), "a bad hash is no hash");
        assertEquals(2, refs.size());
    }

    @Test
    void aRenamedFileIsFoundByHashAndAMissingOneNamedWithItsHint(@TempDir Path dir) throws Exception {
        Path root = dir.resolve("models");
        Files.createDirectories(root.resolve("checkpoints"));
        Files.writeString(root.resolve("checkpoints/local-name.safetensors"), "checkpoint bytes");
        String sha = dev.noodle.nodes.interop.ModelHashes.sha256(root.resolve("checkpoints/local-name.safetensors"));
        String ui = WorkflowModels.record(UI, List.of(
                new ModelRef("base.safetensors", "checkpoints", sha, ""),
                new ModelRef("detail.safetensors", "loras", SHA_B, "https://example.org/detail.safetensors")));
        Workflow read = ComfyUiFormat.read(ui, "t.json", null);
        java.util.Map<String, dev.noodle.graph.model.NodeInstance> nodes = new java.util.LinkedHashMap<>(read.nodes());
        nodes.put("1", nodes.get("1").withInput("ckpt_name", Literal.of("base.safetensors")));
        nodes.put("2", nodes.get("2").withInput("lora_name", Literal.of("detail.safetensors")));
        Workflow wf = read.withNodes(nodes);
        WorkflowModels.Resolution r = WorkflowModels.resolve(wf, new ModelFolders(root), new ModelHashCache(), null,
                (k, n) -> false);
        assertEquals(Literal.of("local-name.safetensors"), r.workflow().nodes().get("1").input("ckpt_name"));
        assertEquals(List.of("checkpoints/base.safetensors was found by its SHA-256 as"
                + " checkpoints/local-name.safetensors; the workflow now uses that file"), r.notices());
        assertEquals(1, r.missing().size());
        assertEquals("loras/detail.safetensors (sha256 " + SHA_B + ", source https://example.org/detail.safetensors)",
                r.missing().get(0).describe());
        assertTrue(r.missing().get(0).hint().contains("./noodle models add https://example.org/detail.safetensors"));
    }
}
