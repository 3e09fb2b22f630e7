package dev.noodle.nodes.interop;

import dev.noodle.graph.json.WorkflowFormatException;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.NodeRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Opens whatever a user drops on Noodle as a workflow: a JSON file (Noodle, ComfyUI API prompt or ComfyUI UI
 * workflow) or a PNG carrying one (ComfyUI's {@code workflow} text preferred, then {@code prompt}, then
 * AUTOMATIC1111's {@code parameters}).
 *
 * <p>The file kind is told by its first bytes, not its name. Errors are {@link IOException}s whose message names the
 * file, the chunk and what to do. Thread-safe.
 */
public final class WorkflowSources {
    /** Largest workflow text taken from a PNG chunk. */
    public static final int MAX_WORKFLOW_TEXT = 32 << 20;

    private final NodeRegistry registry;
    private final List<String> checkpoints;

    /**
     * Sources reading ComfyUI widget values with {@code registry}'s schemas and matching A1111 "Model" names against
     * {@code checkpoints} (file names in the checkpoints folder; may be empty).
     */
    public WorkflowSources(NodeRegistry registry, List<String> checkpoints) {
        this.registry = registry;
        this.checkpoints = List.copyOf(checkpoints);
    }

    /** Opens a workflow file or an image that carries one. */
    public Workflow open(Path file) throws IOException {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(8);
        } catch (NoSuchFileException e) {
            throw new WorkflowFormatException(file.toString(), 0, 0, "the file does not exist", "Check the path.", e);
        }
        if (head.length == 8 && (head[0] & 0xFF) == 0x89 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G') {
            return openPng(file);
        }
        return WorkflowJson.read(file, registry);
    }

    private Workflow openPng(Path file) throws IOException {
        Map<String, String> texts = PngTextChunks.read(file);
        String name = file.getFileName().toString().replaceAll("\\.png$", "");
        List<String> problems = new ArrayList<>();
        for (String key : List.of("workflow", "prompt")) {
            String text = texts.get(key);
            if (text == null) {
                continue;
            }
            if (text.length() > MAX_WORKFLOW_TEXT) {
                problems.add("its '" + key + "' text is not a workflow: " + text.length() + " characters, more than "
                        + MAX_WORKFLOW_TEXT);
                continue;
            }
            try {
                return WorkflowJson.parse(text, file + " ('" + key + "' text)", registry).withName(name);
            } catch (WorkflowFormatException e) {
                problems.add("its '" + key + "' text is not a workflow (" + e.getMessage() + ")");
            }
        }
        String parameters = texts.get("parameters");
        if (parameters != null) {
            try {
                return InfotextGraph.toWorkflow(A1111Infotext.parse(parameters), checkpoints).withName(name);
            } catch (IllegalArgumentException e) {
                problems.add("its AUTOMATIC1111 'parameters' cannot be turned into a graph: " + e.getMessage());
            }
        }
        if (problems.isEmpty()) {
            throw new PngMetadataException(file + " holds no workflow: it has no 'workflow', 'prompt' or 'parameters'"
                    + " text. It was not saved by ComfyUI, AUTOMATIC1111 or Noodle, or a site stripped its metadata;"
                    + " open the original file instead.");
        }
        throw new PngMetadataException(file + " holds no usable workflow: " + String.join("; ", problems)
                + ". The canvas was left unchanged.");
    }
}
