package dev.noodle.nodes.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.noodle.engine.image.PngText;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.graph.sweep.Sweep;
import dev.noodle.graph.sweep.SweepAxis;
import dev.noodle.graph.sweep.SweepCell;
import dev.noodle.graph.sweep.SweepCellResult;
import dev.noodle.graph.sweep.SweepResult;
import java.awt.Color;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sweep grid: cells where their values put them, legible headers, and the sweep in the PNG's text. */
class SweepGridTest {
    static final SweepAxis LORA = new SweepAxis("10", "strength_model", null, "0,1", List.of(0.0, 1.0));
    static final SweepAxis SKIP = new SweepAxis("11", "stop_at_clip_layer", null, "-1,-2", List.of(-1L, -2L));
    static final SweepAxis SEED = new SweepAxis("3", "seed", null, "1,2", List.of(1L, 2L));
    static final Color[] COLORS = {Color.RED, Color.GREEN, Color.BLUE, Color.MAGENTA, Color.CYAN, Color.ORANGE,
        Color.YELLOW, new Color(0x80, 0, 0x80)};

    static BufferedImage solid(Color c) {
        BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                img.setRGB(x, y, c.getRGB());
            }
        }
        return img;
    }

    /** Where pixels of exactly this colour are. */
    static Rectangle find(BufferedImage img, Color c) {
        Rectangle r = null;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                if ((img.getRGB(x, y) & 0xffffff) == (c.getRGB() & 0xffffff)) {
                    r = r == null ? new Rectangle(x, y, 1, 1) : r.union(new Rectangle(x, y, 1, 1));
                }
            }
        }
        return r;
    }

    /** The box of dark (text) pixels inside {@code area}. */
    static Rectangle ink(BufferedImage img, Rectangle area) {
        Rectangle r = null;
        for (int y = area.y; y < area.y + area.height; y++) {
            for (int x = area.x; x < area.x + area.width; x++) {
                int rgb = img.getRGB(x, y);
                int lum = ((rgb >> 16) & 0xff) + ((rgb >> 8) & 0xff) + (rgb & 0xff);
                if (lum < 200) {
                    r = r == null ? new Rectangle(x, y, 1, 1) : r.union(new Rectangle(x, y, 1, 1));
                }
            }
        }
        return r;
    }

    @Test
    void xRunsAcrossYDownWithLegibleHeaders() {
        Sweep s = new Sweep(List.of(LORA, SKIP));
        List<BufferedImage> cells = List.of(solid(COLORS[0]), solid(COLORS[1]), solid(COLORS[2]), solid(COLORS[3]));
        BufferedImage grid = SweepGrid.draw(s, cells, null);
        Rectangle c00 = find(grid, COLORS[0]);
        Rectangle c10 = find(grid, COLORS[1]);
        Rectangle c01 = find(grid, COLORS[2]);
        Rectangle c11 = find(grid, COLORS[3]);
        assertEquals(new Rectangle(c00.x, c00.y, 64, 64), c00, "cells are drawn whole, unscaled");
        assertTrue(c10.x > c00.x + 64 && c10.y == c00.y, "X across: " + c00 + " " + c10);
        assertTrue(c01.y >= c00.y + 64 && c01.x == c00.x, "Y down: " + c00 + " " + c01);
        assertEquals(new Rectangle(c10.x, c01.y, 64, 64), c11);
        // column headers above each column: text as wide as "strength_model: 0.0" at 16 px, not squeezed to 64 px
        Rectangle header = ink(grid, new Rectangle(0, 0, grid.getWidth(), c00.y));
        assertNotNull(header, "column headers are drawn");
        assertTrue(header.height >= 10, "legible height: " + header);
        Rectangle firstHeader = ink(grid, new Rectangle(c00.x - 60, 0, c10.x - c00.x + 60 - 1, c00.y));
        assertTrue(firstHeader.width > 100, "the header is written out in full: " + firstHeader);
        // row headers left of the first column
        Rectangle rowHeader = ink(grid, new Rectangle(0, c00.y, c00.x - 1, 64));
        assertNotNull(rowHeader, "row headers are drawn");
        assertTrue(rowHeader.width > 100, "stop_at_clip_layer: -1 written out: " + rowHeader);
    }

    @Test
    void zMakesOneTitledSubGridPerValueSideBySide() {
        Sweep s = new Sweep(List.of(LORA, SKIP, SEED));
        List<BufferedImage> cells = new ArrayList<>();
        for (Color c : COLORS) {
            cells.add(solid(c));
        }
        BufferedImage grid = SweepGrid.draw(s, cells, null);
        Rectangle z0 = find(grid, COLORS[0]);
        Rectangle z1 = find(grid, COLORS[4]);
        assertEquals(z0.y, z1.y, "sub-grids side by side");
        assertTrue(z1.x > find(grid, COLORS[1]).x + 64, "the second Z value's grid is right of the first's");
        assertTrue(z0.y > 40, "a title row and a header row above the cells: " + z0);
        assertNotNull(ink(grid, new Rectangle(0, 0, grid.getWidth(), 20)), "Z titles on top");
    }

    @Test
    void aMissingCellIsAGreyBoxSayingWhy() {
        Sweep s = new Sweep(List.of(LORA));
        BufferedImage grid = SweepGrid.draw(s, Arrays.asList(solid(Color.RED), null), List.of("", "failed"));
        Rectangle red = find(grid, Color.RED);
        Rectangle grey = find(grid, new Color(0xd8, 0xd8, 0xd8));
        assertNotNull(grey);
        assertEquals(red.y, grey.y);
        assertNotNull(ink(grid, grey), "the box says why");
    }

    @Test
    void theGridPngCarriesTheSweepAndTheFirstCellsWorkflow(@TempDir Path dir) throws Exception {
        NodeRegistry registry = NoodleNodes.standardRegistry(NodeEnvironment.of(dir.resolve("models"),
                dir.resolve("output")));
        Workflow wf = WorkflowJson.read(Path.of("../workflows/txt2img.json"), registry);
        Sweep s = Sweep.parse(wf, registry, List.of("3.steps=2,3", "3.cfg=5,7"));
        List<SweepCellResult> cells = new ArrayList<>();
        for (SweepCell c : s.cells(wf)) {
            Path png = dir.resolve("cell" + c.index() + ".png");
            ImageIO.write(solid(COLORS[c.index()]), "png", png.toFile());
            RunResult r = new RunResult("r" + c.index(), RunResult.Status.SUCCESS, List.of(),
                    Map.of("9", new NodeOutputs(List.of(), Map.of("images", List.of(png)))), 1, 0, null, "ok");
            cells.add(new SweepCellResult(c, r, List.of("3"), List.of("4")));
        }
        SweepResult result = new SweepResult(s, SweepResult.Status.SUCCESS, cells, List.of(0, 1, 2, 3), "ok");
        Path file = SweepGrid.write(result, registry, dir.resolve("grids"));
        assertEquals("xyz_grid_00001_.png", file.getFileName().toString());
        assertEquals("xyz_grid_00002_.png", SweepGrid.write(result, registry, dir.resolve("grids"))
                .getFileName().toString());
        Map<String, String> text = PngText.read(file);
        JsonNode sweep = new ObjectMapper().readTree(text.get("sweep"));
        assertEquals("steps", sweep.get("axes").get(0).get("input").asText());
        assertEquals("[5.0,7.0]", sweep.get("axes").get(1).get("values").toString());
        assertEquals("cell3.png", sweep.get("cells").get(3).get("file").asText());
        assertEquals("steps: 3, cfg: 7.0", sweep.get("cells").get(3).get("values").asText());
        // the first cell's workflow: its steps and cfg
        JsonNode prompt = new ObjectMapper().readTree(text.get("prompt"));
        assertEquals(2, prompt.get("3").get("inputs").get("steps").asInt());
        assertEquals(5.0, prompt.get("3").get("inputs").get("cfg").asDouble());
        assertTrue(text.containsKey("workflow"));
        BufferedImage back = ImageIO.read(file.toFile());
        assertNotNull(find(back, COLORS[3]));
        assertFalse(Files.exists(dir.resolve("output")), "the grid goes where it is told");
    }
}
