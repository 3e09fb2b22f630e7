package dev.noodle.nodes.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.engine.image.ExifOrientationTest;
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
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Load Image and Load Image (as Mask) resolve the same names the same way: plain input-folder names, the mask
 * editor's {@code clipspace/clipspace-mask-N.png [input]}, and the {@code [output]} and {@code [temp]} annotations;
 * both give a photo with an EXIF Orientation upright, image and mask alike.
 */
class LoadImageNamesTest {
    @TempDir static Path dir;
    static NoodleNodes nodes;
    static GraphExecutor executor;
    static NodeEnvironment env;

    /** 3×2 ARGB: pixel (x, y) has red 40x, green 100y, blue 7 and alpha 50 + 60x + 20y. */
    static BufferedImage picture() {
        BufferedImage img = new BufferedImage(3, 2, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < 2; y++) {
            for (int x = 0; x < 3; x++) {
                img.setRGB(x, y, (50 + 60 * x + 20 * y) << 24 | (40 * x) << 16 | (100 * y) << 8 | 7);
            }
        }
        return img;
    }

    @BeforeAll
    static void setUp() throws Exception {
        env = NodeEnvironment.of(dir.resolve("models"), dir.resolve("output"));
        nodes = NoodleNodes.create(env);
        executor = new GraphExecutor(nodes.registry(), new ResultCache(1L << 26), nodes.services());
        byte[] plain = ExifOrientationTest.pngWithExif(picture(), ExifOrientationTest.tiff(1, ByteOrder.BIG_ENDIAN));
        Files.createDirectories(env.inputDir().resolve("clipspace"));
        Files.createDirectories(env.outputDir().resolve("sub"));
        Files.createDirectories(env.tempDir());
        Files.write(env.inputDir().resolve("plain.png"), plain);
        Files.write(env.inputDir().resolve("clipspace/clipspace-mask-77.png"), plain);
        Files.write(env.outputDir().resolve("sub/out.png"), plain);
        Files.write(env.tempDir().resolve("tmp.png"), plain);
        // rotated 90° clockwise when shown: EXIF orientation 6
        Files.write(env.inputDir().resolve("turned.png"),
                ExifOrientationTest.pngWithExif(picture(), ExifOrientationTest.tiff(6, ByteOrder.LITTLE_ENDIAN)));
    }

    @AfterAll
    static void tearDown() {
        nodes.close();
    }

    private static RunResult run(String node, String image) {
        String extra = node.equals("LoadImageMask") ? ", \"channel\": \"alpha\"" : "";
        Workflow wf = ComfyApiFormat.read("""
                {"1": {"class_type": "%s", "inputs": {"image": "%s"%s}}}""".formatted(node, image, extra), "p.json");
        return executor.run(wf, new RunOptions(Set.of("1"), "t"), e -> { }, new CancellationToken());
    }

    /** The mask of a run: output 1 of LoadImage, output 0 of LoadImageMask. */
    private static MaskValue mask(String node, RunResult r) {
        return (MaskValue) r.outputs().get("1").value(node.equals("LoadImage") ? 1 : 0);
    }

    @Test
    void bothNodesTakeTheSameNames() {
        for (String node : new String[] {"LoadImage", "LoadImageMask"}) {
            ComboInput combo = (ComboInput) nodes.registry().find(node).orElseThrow().schema().input("image")
                    .orElseThrow();
            assertTrue(combo.currentOptions().contains("plain.png"), node + " " + combo.currentOptions());
            assertFalse(combo.currentOptions().stream().anyMatch(o -> o.contains("clipspace")), node);
            for (String ok : new String[] {"plain.png", "plain.png [input]", "clipspace/clipspace-mask-77.png [input]",
                    "clipspace/clipspace-mask-77.png", "sub/out.png [output]", "tmp.png [temp]"}) {
                assertTrue(combo.accepts(ok), node + " accepts " + ok);
                RunResult r = run(node, ok);
                assertEquals(RunResult.Status.SUCCESS, r.status(), node + " " + ok + ": " + r.message() + r.errors());
                float[] m = mask(node, r).mask().data();
                assertEquals(6, m.length, node + " " + ok);
                for (int i = 0; i < 6; i++) {
                    int x = i % 3;
                    int y = i / 3;
                    assertEquals(1f - (50 + 60 * x + 20 * y) / 255f, m[i], 1e-6f, node + " " + ok + " pixel " + i);
                }
            }
            for (String bad : new String[] {"clipspace/clipspace-mask-9.png [input]", "../output/sub/out.png [input]",
                    "out.png [output]", "clipspace [input]", "/etc/passwd"}) {
                assertFalse(combo.accepts(bad), node + " refuses " + bad);
                RunResult r = run(node, bad);
                assertEquals(RunResult.Status.INVALID, r.status(), node + " " + bad);
                assertEquals(ValidationCode.VALUE_NOT_IN_LIST, r.errors().get(0).code(), node + " " + bad);
            }
        }
    }

    @Test
    void anExifOrientedImageIsUprightInImageAndMask() {
        // orientation 6 (turn 90° clockwise): the output is 2 wide, 3 tall; output (x, y) is source (y, 1 − x)
        RunResult img = run("LoadImage", "turned.png");
        assertEquals(RunResult.Status.SUCCESS, img.status(), img.message() + img.errors());
        RunResult alpha = run("LoadImageMask", "turned.png");
        assertEquals(RunResult.Status.SUCCESS, alpha.status(), alpha.message() + alpha.errors());
        ImageValue iv = (ImageValue) img.outputs().get("1").value(0);
        assertEquals(2, iv.width());
        assertEquals(3, iv.height());
        float[] px = iv.pixels().data();
        float[] m1 = mask("LoadImage", img).mask().data();
        float[] m2 = mask("LoadImageMask", alpha).mask().data();
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 2; x++) {
                int sx = y;
                int sy = 1 - x;
                int i = y * 2 + x;
                assertEquals(40 * sx / 255f, px[i * 3], 1e-6f, "red at " + x + "," + y);
                assertEquals(100 * sy / 255f, px[i * 3 + 1], 1e-6f, "green at " + x + "," + y);
                float want = 1f - (50 + 60 * sx + 20 * sy) / 255f;
                assertEquals(want, m1[i], 1e-6f);
                assertEquals(want, m2[i], 1e-6f);
            }
        }
        RunResult red = executor.run(ComfyApiFormat.read("""
                {"1": {"class_type": "LoadImageMask", "inputs": {"image": "turned.png", "channel": "red"}}}""",
                "p.json"), new RunOptions(Set.of("1"), "t"), e -> { }, new CancellationToken());
        float[] r = ((MaskValue) red.outputs().get("1").value(0)).mask().data();
        assertEquals(40 * 2 / 255f, r[5], 1e-6f, "bottom-right comes from source (2, 0)");
    }
}
