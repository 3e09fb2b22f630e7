package dev.noodle.nodes.host;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noodle.engine.image.PngText;
import dev.noodle.graph.json.ComfyApiFormat;
import dev.noodle.graph.json.ComfyUiFormat;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.graph.sweep.Sweep;
import dev.noodle.graph.sweep.SweepAxis;
import dev.noodle.graph.sweep.SweepCellResult;
import dev.noodle.graph.sweep.SweepResult;
import dev.noodle.nodes.interop.PngTextChunks;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A sweep's labelled grid image, as AUTOMATIC1111's X/Y/Z plot draws it: X values as column headers above, Y values
 * as row headers on the left, one sub-grid per Z value placed side by side with the Z value as its title.
 *
 * <p>Each cell shows the first image its run saved or previewed (A1111 shows the first of a batch too); a cell that
 * failed or saved nothing is a grey box saying so. Headers read {@code strength_model: 0.5}; the font is at least 16
 * px (A1111's {@code (width + height) / 25} for larger cells), and columns widen to fit their header rather than
 * shrinking it, so labels stay legible over the tiny demo model's 64² images. Drawn with java.awt, headless.
 *
 * <p>The PNG carries the first cell's {@code prompt} and {@code workflow} (as A1111's grid carries the first cell's
 * infotext), so dropping the grid into an editor opens the sweep's workflow, and a {@code sweep} text: JSON with the
 * axes (node, input, label, values as written and as run) and each cell's indexes, values and image file. Each cell's
 * own PNG carries that cell's workflow. Stateless and thread-safe.
 */
public final class SweepGrid {
    /** The prefix grids are saved under (A1111 names them {@code xyz_grid-NNNN}). */
    public static final String PREFIX = "xyz_grid";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Color BACKGROUND = Color.WHITE;
    private static final Color TEXT = Color.BLACK;
    private static final Color EMPTY = new Color(0xd8, 0xd8, 0xd8);

    private SweepGrid() {}

    /** The first image file each cell's run saved or previewed, in grid order; null where there is none. */
    public static List<Path> cellFiles(SweepResult result) {
        List<Path> files = new ArrayList<>();
        for (SweepCellResult c : result.cells()) {
            files.add(c == null ? null : firstImage(c));
        }
        return files;
    }

    private static Path firstImage(SweepCellResult c) {
        for (NodeOutputs out : c.result().outputs().values()) {
            if (out.ui().get("images") instanceof Collection<?> images) {
                for (Object o : images) {
                    if (o instanceof Path p && p.getFileName().toString().toLowerCase().endsWith(".png")) {
                        return p;
                    }
                }
            }
        }
        return null;
    }

    /**
     * Draws the grid of {@code cells} (in grid order; null draws an empty cell with {@code missing}'s text for it).
     *
     * @param missing what an empty cell says, by grid index (e.g. "failed"); may be null
     */
    public static BufferedImage draw(Sweep sweep, List<BufferedImage> cells, List<String> missing) {
        int nx = sweep.size(0);
        int ny = sweep.size(1);
        int nz = sweep.size(2);
        if (cells.size() != sweep.cellCount()) {
            throw new IllegalArgumentException("a " + nx + "×" + ny + "×" + nz + " sweep has " + sweep.cellCount()
                    + " cells, not " + cells.size());
        }
        int cellW = 64;
        int cellH = 64;
        boolean first = true;
        for (BufferedImage img : cells) {
            if (img != null) {
                cellW = first ? img.getWidth() : Math.max(cellW, img.getWidth());
                cellH = first ? img.getHeight() : Math.max(cellH, img.getHeight());
                first = false;
            }
        }
        Font font = new Font(Font.SANS_SERIF, Font.PLAIN, Math.max(16, (cellW + cellH) / 25));
        BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D pg = probe.createGraphics();
        FontMetrics fm = pg.getFontMetrics(font);
        pg.dispose();
        int pad = Math.max(4, font.getSize() / 2);
        int line = fm.getHeight();

        SweepAxis x = sweep.x();
        SweepAxis y = sweep.y();
        SweepAxis z = sweep.z();
        int colW = cellW;
        for (int i = 0; i < nx; i++) {
            colW = Math.max(colW, fm.stringWidth(x.caption(i)) + 2 * pad);
        }
        int rowHeadW = 0;
        for (int i = 0; y != null && i < ny; i++) {
            rowHeadW = Math.max(rowHeadW, fm.stringWidth(y.caption(i)) + 2 * pad);
        }
        int rowH = Math.max(cellH, line + 2 * pad);
        int headH = line + 2 * pad;
        int titleH = z == null ? 0 : line + 2 * pad;
        int subW = rowHeadW + nx * colW;
        for (int i = 0; z != null && i < nz; i++) {
            subW = Math.max(subW, fm.stringWidth(z.caption(i)) + 2 * pad);
        }
        int gap = z == null ? 0 : 2 * pad;
        int width = nz * subW + (nz - 1) * gap;
        int height = titleH + headH + ny * rowH;

        BufferedImage grid = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = grid.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(BACKGROUND);
            g.fillRect(0, 0, width, height);
            g.setFont(font);
            for (int iz = 0; iz < nz; iz++) {
                int left = iz * (subW + gap);
                if (z != null) {
                    centered(g, fm, z.caption(iz), left, 0, subW, titleH);
                }
                for (int ix = 0; ix < nx; ix++) {
                    centered(g, fm, x.caption(ix), left + rowHeadW + ix * colW, titleH, colW, headH);
                }
                for (int iy = 0; iy < ny; iy++) {
                    int top = titleH + headH + iy * rowH;
                    if (y != null) {
                        centered(g, fm, y.caption(iy), left, top, rowHeadW, rowH);
                    }
                    for (int ix = 0; ix < nx; ix++) {
                        int index = ix + iy * nx + iz * nx * ny;
                        int cx = left + rowHeadW + ix * colW + (colW - cellW) / 2;
                        int cy = top + (rowH - cellH) / 2;
                        BufferedImage img = cells.get(index);
                        if (img != null) {
                            g.drawImage(img, cx + (cellW - img.getWidth()) / 2, cy + (cellH - img.getHeight()) / 2,
                                    null);
                        } else {
                            g.setColor(EMPTY);
                            g.fillRect(cx, cy, cellW, cellH);
                            String why = missing == null || missing.get(index) == null ? "no image"
                                    : missing.get(index);
                            centered(g, fm, why, cx, cy, cellW, cellH);
                        }
                    }
                }
            }
        } finally {
            g.dispose();
        }
        return grid;
    }

    private static void centered(Graphics2D g, FontMetrics fm, String text, int x, int y, int w, int h) {
        g.setColor(TEXT);
        int tx = x + Math.max(0, (w - fm.stringWidth(text)) / 2);
        int ty = y + (h - fm.getHeight()) / 2 + fm.getAscent();
        g.drawString(text, tx, ty);
    }

    /**
     * Draws the grid of a sweep's results and writes it as {@code PREFIX_NNNNN_.png} in {@code folder} (counting up
     * as SaveImage does), with the sweep's description and the first cell's workflow in its text chunks.
     *
     * @return the grid file
     */
    public static Path write(SweepResult result, NodeRegistry registry, Path folder) throws IOException {
        List<Path> files = cellFiles(result);
        List<BufferedImage> images = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            SweepCellResult c = result.cells().get(i);
            Path f = files.get(i);
            images.add(f == null || !Files.isRegularFile(f) ? null : ImageFiles.decode(f));
            missing.add(c == null ? "not run" : !c.succeeded() ? "failed" : "no image");
        }
        BufferedImage grid = draw(result.sweep(), images, missing);
        Files.createDirectories(folder);
        synchronized (SweepGrid.class) {
            Path file = folder.resolve(String.format("%s_%05d_.png", PREFIX, ImageFiles.nextCounter(folder, PREFIX)));
            PngText.write(file, grid, texts(result, registry, files));
            return file;
        }
    }

    /** The grid's text chunks: the first cell's {@code prompt} and {@code workflow}, and the {@code sweep} JSON. */
    static Map<String, String> texts(SweepResult result, NodeRegistry registry, List<Path> files) {
        Map<String, String> text = new LinkedHashMap<>();
        SweepCellResult first = result.cells().isEmpty() ? null : result.cells().get(0);
        if (first != null) {
            try {
                text.put("prompt", PngTextChunks.asciiJson(ComfyApiFormat.write(first.cell().workflow(), registry)));
                text.put("workflow", PngTextChunks.asciiJson(ComfyUiFormat.write(first.cell().workflow(), registry)));
            } catch (RuntimeException e) {
                // a workflow ComfyUI's formats cannot hold: the sweep text still describes the grid
            }
        }
        text.put("sweep", PngTextChunks.asciiJson(describe(result, files)));
        return text;
    }

    /** The {@code sweep} JSON: axes and cells. */
    static String describe(SweepResult result, List<Path> files) {
        Sweep sweep = result.sweep();
        ObjectNode root = JSON.createObjectNode();
        root.put("status", result.status().name().toLowerCase());
        ArrayNode axes = root.putArray("axes");
        for (int i = 0; i < sweep.axes().size(); i++) {
            SweepAxis a = sweep.axes().get(i);
            ObjectNode o = axes.addObject();
            o.put("axis", Sweep.AXIS_NAMES.get(i));
            o.put("node", a.nodeId());
            o.put("input", a.input());
            o.put("label", a.label());
            o.put("text", a.text());
            ArrayNode values = o.putArray("values");
            a.values().forEach(v -> values.addPOJO(v));
        }
        ArrayNode cells = root.putArray("cells");
        for (int i = 0; i < result.cells().size(); i++) {
            SweepCellResult c = result.cells().get(i);
            ObjectNode o = cells.addObject();
            o.put("index", i);
            if (c != null) {
                o.put("x", c.cell().x()).put("y", c.cell().y()).put("z", c.cell().z());
                o.put("values", c.cell().describe());
                o.put("status", c.result().status().name().toLowerCase());
                o.put("executed", c.executed().size()).put("cached", c.cached().size());
            } else {
                o.put("status", "not run");
            }
            Path f = files.get(i);
            if (f != null) {
                o.put("file", f.getFileName().toString());
            }
        }
        try {
            return JSON.writeValueAsString(root);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("the sweep could not be described as JSON", e);
        }
    }
}
