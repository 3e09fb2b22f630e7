package dev.noodle.nodes.host;

import dev.noodle.engine.image.PngText;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.MessageLevel;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.nodes.interop.A1111Infotext;
import dev.noodle.nodes.interop.InfotextGraph;
import dev.noodle.nodes.interop.InfotextHashes;
import dev.noodle.nodes.interop.ModelHashCache;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes output PNGs carrying their workflow, as ComfyUI and AUTOMATIC1111 do: {@code prompt} (API JSON),
 * {@code workflow} (ComfyUI UI JSON) and {@code parameters} (A1111 infotext), JSON ASCII-escaped like Python's
 * json.dumps. Opening such a PNG restores the graph; {@code ./noodle run image.png} re-runs it. The infotext carries
 * A1111's {@code Model hash} and {@code Lora hashes} of the files the run used, hashed once per file version through
 * the shared {@link ModelHashCache}.
 */
final class MetadataPngWriter implements PngWriter {
    private final WorkflowTexts texts;
    private final ModelFolders folders;
    private final ModelHashCache hashes;

    MetadataPngWriter(WorkflowTexts texts, ModelFolders folders, ModelHashCache hashes) {
        this.texts = texts;
        this.folders = folders;
        this.hashes = hashes;
    }

    @Override
    public void write(BufferedImage image, Path file, NodeContext ctx) throws IOException {
        Map<String, String> text = new LinkedHashMap<>();
        Workflow wf = ctx.workflow();
        if (wf != null) {
            try {
                text.putAll(texts.of(ctx));
                A1111Infotext info = InfotextHashes.withHashes(InfotextGraph.toInfotext(wf), wf,
                        name -> folders.resolve(ModelKind.CHECKPOINTS, name),
                        name -> folders.resolve(ModelKind.LORAS, name), hashes,
                        warning -> ctx.message(MessageLevel.WARNING, warning));
                String params = info.format();
                if (!params.isBlank()) {
                    text.put("parameters", params);
                }
            } catch (RuntimeException e) {
                ctx.message(MessageLevel.WARNING, "the workflow could not be embedded in " + file.getFileName()
                        + ": " + e.getMessage());
            }
        }
        PngText.write(file, image, text);
    }
}
