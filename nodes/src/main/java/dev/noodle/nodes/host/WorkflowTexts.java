package dev.noodle.nodes.host;

import dev.noodle.graph.json.ComfyApiFormat;
import dev.noodle.graph.json.ComfyUiFormat;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.MessageLevel;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.nodes.interop.PngTextChunks;
import dev.noodle.nodes.library.WorkflowModels;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The running workflow as ComfyUI embeds it in saved files: {@code prompt} (API JSON) and {@code workflow} (UI
 * JSON), ASCII-escaped like Python's json.dumps. Used for PNG text chunks and checkpoint metadata. Thread-safe.
 */
public final class WorkflowTexts {
    private final NodeRegistry registry;
    private final ModelFolders folders;
    private final dev.noodle.nodes.interop.ModelHashCache hashes;

    /**
     * Texts whose UI workflow records the model files the run used (name, folder, SHA-256 and the source URL the model
     * library knows, see {@link WorkflowModels}); with null {@code folders} nothing is recorded.
     */
    WorkflowTexts(NodeRegistry registry, ModelFolders folders, dev.noodle.nodes.interop.ModelHashCache hashes) {
        this.registry = registry;
        this.folders = folders;
        this.hashes = hashes;
    }

    /**
     * The {@code prompt} and {@code workflow} texts of the node's run (from its context: ComfyUI's hidden
     * {@code PROMPT}), or an empty map when the run carries no workflow. Texts the client sent with the run
     * ({@code EXTRA_PNGINFO}) are added as they came and win over Noodle's own {@code workflow}, as ComfyUI's
     * SaveImage writes them.
     *
     * @throws RuntimeException when the workflow cannot be written in ComfyUI's formats
     */
    public Map<String, String> of(NodeContext ctx) {
        Map<String, String> text = new LinkedHashMap<>();
        Workflow wf = ctx.workflow();
        if (wf != null) {
            text.put("prompt", PngTextChunks.asciiJson(ComfyApiFormat.write(wf, registry)));
            String ui = ComfyUiFormat.write(wf, registry);
            if (folders != null) {
                ui = WorkflowModels.record(ui, WorkflowModels.collect(wf, folders, hashes,
                        WorkflowModels.libraryUrls(folders.root(), hashes)));
            }
            text.put("workflow", PngTextChunks.asciiJson(ui));
            text.putAll(ctx.extraPngInfo());
        }
        return text;
    }

    /**
     * The metadata ComfyUI writes into a saved model or latent file: {@code prompt} (empty when the run has none)
     * and {@code workflow}. A workflow that cannot be written is left out with a warning on the node naming
     * {@code file} (e.g. "the file"), so the save itself still happens.
     */
    public static Map<String, String> forSavedFile(NodeContext ctx, String file) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("prompt", "");
        try {
            m.putAll(ctx.service(WorkflowTexts.class).of(ctx));
        } catch (RuntimeException e) {
            ctx.message(MessageLevel.WARNING,
                    "the workflow could not be stored in " + file + ": " + e.getMessage());
        }
        return m;
    }
}
