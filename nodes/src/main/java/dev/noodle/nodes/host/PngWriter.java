package dev.noodle.nodes.host;

import dev.noodle.graph.node.NodeContext;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;

/** Writes an output PNG (with whatever metadata the host adds, e.g. the workflow) atomically. */
public interface PngWriter {
    void write(BufferedImage image, Path file, NodeContext ctx) throws IOException;
}
