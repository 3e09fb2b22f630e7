package dev.noodle.nodes.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.json.ComfyApiFormat;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.validate.ValidationCode;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import dev.noodle.nodes.values.ImageValue;
import dev.noodle.nodes.values.MaskValue;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LoadImage takes the names ComfyUI's mask editor writes ({@code clipspace/clipspace-mask-N.png [input]}) without
 * listing them, reads the mask from their alpha, and refuses names that leave their folder.
 */
class LoadImageClipspaceTest {
    @TempDir static Path dir;
    static NoodleNodes nodes;
    static GraphExecutor executor;
    static NodeEnvironment env;

    @BeforeAll
    static void setUp() throws Exception {
        env = NodeEnvironment.of(dir.resolve("models"), dir.resolve("output"));
        nodes = NoodleNodes.create(env);
        executor = new GraphExecutor(nodes.registry(), new ResultCache(1L << 26), nodes.services());
        Path clip = env.inputDir().resolve("clipspace");
        Files.createDirectories(clip);
        BufferedImage img = new BufferedImage(4, 2, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < 2; y++) {
            for (int x = 0; x < 4; x++) {
                int alpha = x == 1 && y == 0 ? 0 : x == 2 && y == 1 ? 51 : 255;
                img.setRGB(x, y, alpha << 24 | (10 * x) << 16 | (20 * y) << 8 | 200);
            }
        }
        ImageIO.write(img, "png", clip.resolve("clipspace-mask-1234.png").toFile());
    }

    @AfterAll
    static void tearDown() {
        nodes.close();
    }

    private static RunResult run(String image) {
        Workflow wf = ComfyApiFormat.read("""
                {"1": {"class_type": "LoadImage", "inputs": {"image": "%s"}}}""".formatted(image), "p.json");
        return executor.run(wf, new RunOptions(Set.of("1"), "t"), e -> { }, new CancellationToken());
    }

    @Test
    void aClipspaceNameIsAcceptedButNotListed() {
        ComboInput combo = (ComboInput) nodes.registry().find("LoadImage").orElseThrow().schema().input("image")
                .orElseThrow();
        assertFalse(combo.currentOptions().stream().anyMatch(o -> o.contains("clipspace")), combo.currentOptions()
                .toString());
        assertTrue(combo.accepts("clipspace/clipspace-mask-1234.png [input]"));
        assertTrue(combo.accepts("clipspace/clipspace-mask-1234.png"));
        assertFalse(combo.accepts("clipspace/clipspace-mask-9.png [input]"), "a missing file");
        assertFalse(combo.accepts("../output/x.png [input]"));
        assertFalse(combo.accepts("clipspace [input]"), "a folder is not an image");
    }

    @Test
    void itsMaskIsOneMinusAlpha() {
        RunResult r = run("clipspace/clipspace-mask-1234.png [input]");
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message() + " " + r.errors());
        ImageValue img = (ImageValue) r.outputs().get("1").value(0);
        MaskValue mask = (MaskValue) r.outputs().get("1").value(1);
        assertEquals(4, img.width());
        assertEquals(2, img.height());
        float[] m = mask.mask().data();
        assertEquals(1f, m[1], 0f);
        assertEquals(1f - 51 / 255f, m[4 + 2], 1e-6f);
        assertEquals(0f, m[0], 0f);
        // the RGB of a fully transparent pixel is kept: (10, 0, 200)
        float[] px = img.pixels().data();
        assertEquals(10 / 255f, px[3], 1e-6f);
        assertEquals(200 / 255f, px[5], 1e-6f);
    }

    @Test
    void loadImageMaskTakesTheSameNames() {
        Workflow wf = ComfyApiFormat.read("""
                {"1": {"class_type": "LoadImageMask", "inputs": {"image": "clipspace/clipspace-mask-1234.png [input]",
                       "channel": "alpha"}}}""", "p.json");
        RunResult r = executor.run(wf, new RunOptions(Set.of("1"), "m"), e -> { }, new CancellationToken());
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message() + " " + r.errors());
        float[] m = ((MaskValue) r.outputs().get("1").value(0)).mask().data();
        assertEquals(1f, m[1], 0f);
        assertEquals(0f, m[0], 0f);
    }

    @Test
    void namesOutsideTheFolderAreRefusedByValidation() {
        RunResult r = run("../../escape.png [input]");
        assertEquals(RunResult.Status.INVALID, r.status());
        assertEquals(ValidationCode.VALUE_NOT_IN_LIST, r.errors().get(0).code());
    }
}
