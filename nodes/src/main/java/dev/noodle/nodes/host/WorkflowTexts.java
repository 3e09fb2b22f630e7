package dev.noodle.nodes.host;

import dev.noodle.graph.json.ComfyApiFormat;
import dev.noodle.graph.json.ComfyUiFormat;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.nodes.interop.PngTextChunks;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The running workflow as ComfyUI embeds it in saved files: {@code prompt} (API JSON) and {@code workflow} (UI
 * JSON), ASCII-escaped like Python's json.dumps. Used for PNG text chunks and checkpoint metadata. Thread-safe.
 */
public final class WorkflowTexts {
    private final RunMetadata runs;
    private final NodeRegistry registry;

    WorkflowTexts(RunMetadata runs, NodeRegistry registry) {
        this.runs = runs;
        this.registry = registry;
    }

    /**
     * The {@code prompt} and {@code workflow} texts of the node's run, or an empty map when the host did not
     * register the run. Texts the client sent with the run ({@code extra_pnginfo}) are added as they came and win
     * over Noodle's own {@code workflow}, as ComfyUI's SaveImage writes them.
     *
     * @throws RuntimeException when the workflow cannot be written in ComfyUI's formats
     */
    public Map<String, String> of(NodeContext ctx) {
        Map<String, String> text = new LinkedHashMap<>();
        Workflow wf = runs.get(ctx.runId());
        if (wf != null) {
            text.put("prompt", PngTextChunks.asciiJson(ComfyApiFormat.write(wf)));
            text.put("workflow", PngTextChunks.asciiJson(ComfyUiFormat.write(wf, registry)));
            text.putAll(runs.extraTexts(ctx.runId()));
        }
        return text;
    }

    /** The run's workflow, or null. */
    Workflow workflow(NodeContext ctx) {
        return runs.get(ctx.runId());
    }
}
