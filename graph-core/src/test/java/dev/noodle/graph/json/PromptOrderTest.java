package dev.noodle.graph.json;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.graph.testing.ComfyLikeNodes;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The {@code prompt} text written for a graph depends on the graph alone: an API prompt written in any input order,
 * and the UI workflow made from it and read back (what re-running a saved PNG does), give the same bytes.
 */
class PromptOrderTest {
    private final NodeRegistry registry = ComfyLikeNodes.registry(List.of("model.safetensors"));

    /** KSampler's inputs in an order of the author's choosing, a widget value among the links. */
    private static final String SHUFFLED = """
            {
              "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "model.safetensors"}},
              "6": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["4", 1], "text": "a cat"}},
              "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "", "clip": ["4", 1]}},
              "5": {"class_type": "EmptyLatentImage", "inputs": {"batch_size": 1, "width": 64, "height": 64}},
              "3": {"class_type": "KSampler", "inputs": {"positive": ["6", 0], "cfg": 8, "negative": ["7", 0],
                    "steps": 2, "latent_image": ["5", 0], "denoise": 1, "seed": 42, "model": ["4", 0],
                    "sampler_name": "euler", "scheduler": "normal"}},
              "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
              "9": {"class_type": "SaveImage", "inputs": {"images": ["8", 0], "filename_prefix": "x"}}
            }
            """;

    private static List<String> inputNames(String prompt, String node) throws Exception {
        JsonNode inputs = new ObjectMapper().readTree(prompt).get(node).get("inputs");
        List<String> names = new ArrayList<>();
        inputs.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void widgetsComeFirstInSchemaOrderThenSockets() throws Exception {
        Workflow wf = WorkflowJson.parse(SHUFFLED, "shuffled.json", registry);
        String prompt = ComfyApiFormat.write(wf, registry);
        assertEquals(List.of("seed", "steps", "cfg", "sampler_name", "scheduler", "denoise", "model", "positive",
                "negative", "latent_image"), inputNames(prompt, "3"), prompt);
        assertEquals(List.of("filename_prefix", "images"), inputNames(prompt, "9"));
        assertEquals(List.of("width", "height", "batch_size"), inputNames(prompt, "5"));
    }

    @Test
    void aWorkflowReadBackFromItsUiJsonWritesTheSamePrompt() {
        Workflow first = WorkflowJson.parse(SHUFFLED, "shuffled.json", registry);
        String ui = ComfyUiFormat.write(first, registry);
        Workflow again = WorkflowJson.parse(ui, "image.png", registry);
        assertEquals(ComfyApiFormat.write(first, registry), ComfyApiFormat.write(again, registry));
        assertEquals(ui, ComfyUiFormat.write(again, registry));
    }

    @Test
    void inputsTheSchemaDoesNotDeclareAndUnknownNodesKeepTheirOrder() throws Exception {
        Workflow wf = WorkflowJson.parse("""
                {"1": {"class_type": "SaveImage", "inputs": {"zz": 1, "images": ["2", 0], "aa": 2,
                       "filename_prefix": "p"}},
                 "2": {"class_type": "NotInstalled", "inputs": {"b": 1, "a": 2}}}
                """, "extra.json", registry);
        String prompt = ComfyApiFormat.write(wf, registry);
        assertEquals(List.of("filename_prefix", "images", "zz", "aa"), inputNames(prompt, "1"));
        assertEquals(List.of("b", "a"), inputNames(prompt, "2"));
    }
}
