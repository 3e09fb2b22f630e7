package dev.noodle.nodes;

import dev.noodle.engine.image.PngText;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.MessageLevel;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.nodes.interop.InfotextGraph;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes output PNGs carrying their workflow, as ComfyUI and AUTOMATIC1111 do: {@code prompt} (API JSON),
 * {@code workflow} (ComfyUI UI JSON) and {@code parameters} (A1111 infotext), JSON ASCII-escaped like Python's
 * json.dumps. Opening such a PNG restores the graph; {@code ./noodle run image.png} re-runs it.
 */
final class MetadataPngWriter implements PngWriter {
    private final WorkflowTexts texts;

    MetadataPngWriter(WorkflowTexts texts) {
        this.texts = texts;
    }

    @Override
    public void write(BufferedImage image, Path file, NodeContext ctx) throws IOException {
        Map<String, String> text = new LinkedHashMap<>();
        Workflow wf = texts.workflow(ctx);
        if (wf != null) {
            try {
                text.putAll(texts.of(ctx));
                String params = InfotextGraph.toInfotext(wf).format();
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
