package dev.noodle.nodes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.json.ComfyApiFormat;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.graph.validate.ValidationError;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import dev.noodle.nodes.values.ImageValue;
import dev.noodle.nodes.values.MaskValue;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The MASK nodes in real runs with the standard registry: Load Image (as Mask) on PNG files with and without alpha
 * and in grey, checked against the pixel values written; a missing or corrupt file and out-of-range values refused
 * naming the node; Join Image with Alpha saved as a transparent PNG and split again.
 */
class MaskNodesRunTest {
    @TempDir
    static Path dir;

    static NoodleNodes nodes;
    static GraphExecutor executor;
    static NodeEnvironment env;

    /** RGBA 3×2: red, green, blue, alpha per pixel, row by row. */
    static final int[][] RGBA = {
        {255, 0, 0, 255}, {0, 128, 0, 0}, {10, 20, 30, 64},
        {200, 100, 50, 128}, {1, 2, 3, 4}, {255, 255, 255, 255}};

    /** 16-bit grey samples, row by row. */
    static final int[] GREY16 = {0, 65535, 32768, 257, 1000, 65000};

    @BeforeAll
    static void setUp() throws Exception {
        env = NodeEnvironment.of(dir.resolve("models"), dir.resolve("output"));
        nodes = NoodleNodes.create(env);
        executor = new GraphExecutor(nodes.registry(), new ResultCache(1L << 28), nodes.services());
        Files.createDirectories(env.inputDir());
        BufferedImage argb = new BufferedImage(3, 2, BufferedImage.TYPE_INT_ARGB);
        BufferedImage rgb = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
        BufferedImage grey = new BufferedImage(3, 2, BufferedImage.TYPE_BYTE_GRAY);
        for (int i = 0; i < 6; i++) {
            int[] p = RGBA[i];
            argb.setRGB(i % 3, i / 3, p[3] << 24 | p[0] << 16 | p[1] << 8 | p[2]);
            rgb.setRGB(i % 3, i / 3, p[0] << 16 | p[1] << 8 | p[2]);
            grey.getRaster().setSample(i % 3, i / 3, 0, p[0]);
        }
        ImageIO.write(argb, "png", env.inputDir().resolve("rgba.png").toFile());
        ImageIO.write(rgb, "png", env.inputDir().resolve("rgb.png").toFile());
        ImageIO.write(grey, "png", env.inputDir().resolve("grey.png").toFile());
        // a palette image with a transparent entry, and 16-bit grey
        byte[] r = {(byte) 255, 0, 10};
        byte[] g = {0, (byte) 128, 20};
        byte[] b = {0, 0, 30};
        byte[] a = {(byte) 255, 0, 64};
        BufferedImage palette = new BufferedImage(3, 2, BufferedImage.TYPE_BYTE_INDEXED,
                new java.awt.image.IndexColorModel(2, 3, r, g, b, a));
        BufferedImage grey16 = new BufferedImage(3, 2, BufferedImage.TYPE_USHORT_GRAY);
        for (int i = 0; i < 6; i++) {
            palette.getRaster().setSample(i % 3, i / 3, 0, i % 3);
            grey16.getRaster().setSample(i % 3, i / 3, 0, GREY16[i]);
        }
        ImageIO.write(palette, "png", env.inputDir().resolve("palette.png").toFile());
        ImageIO.write(grey16, "png", env.inputDir().resolve("grey16.png").toFile());
        Files.write(env.inputDir().resolve("broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0});
    }

    @AfterAll
    static void tearDown() {
        nodes.close();
    }

    static RunResult run(String prompt, String... outputs) {
        Workflow wf = ComfyApiFormat.read("{" + prompt + "}", "prompt.json");
        return executor.run(wf, new RunOptions(Set.of(outputs), "t"), e -> { }, new CancellationToken());
    }

    static float[] loadMask(String file, String channel) {
        RunResult r = run("\"1\": {\"class_type\": \"LoadImageMask\", \"inputs\": {\"image\": \"" + file
                + "\", \"channel\": \"" + channel + "\"}}", "1");
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message() + " " + r.errors());
        MaskValue m = (MaskValue) r.outputs().get("1").value(0);
        assertArrayEquals(new long[] {1, 2, 3}, m.mask().shape(), file + " " + channel);
        return m.mask().data();
    }

    @Test
    void loadImageMaskGivesEachChannelAndInvertedAlpha() {
        String[] channels = {"red", "green", "blue"};
        for (int c = 0; c < 3; c++) {
            float[] rgba = loadMask("rgba.png", channels[c]);
            float[] rgb = loadMask("rgb.png", channels[c]);
            float[] grey = loadMask("grey.png", channels[c]);
            for (int i = 0; i < 6; i++) {
                assertEquals(RGBA[i][c] / 255f, rgba[i], "rgba " + channels[c] + " #" + i);
                assertEquals(RGBA[i][c] / 255f, rgb[i], "rgb " + channels[c] + " #" + i);
                assertEquals(RGBA[i][0] / 255f, grey[i], "grey " + channels[c] + " #" + i);
            }
        }
        float[] alpha = loadMask("rgba.png", "alpha");
        for (int i = 0; i < 6; i++) {
            assertEquals(1f - RGBA[i][3] / 255f, alpha[i], "alpha #" + i);
        }
        // an opaque image (no alpha channel) masks nothing, at its own size (ComfyUI converts it to RGBA first)
        assertArrayEquals(new float[6], loadMask("rgb.png", "alpha"));
        assertArrayEquals(new float[6], loadMask("grey.png", "alpha"));
    }

    @Test
    void paletteTransparencyAndSixteenBitGreyAreRead() {
        // palette entries: opaque red, transparent green, 64/255-opaque (10, 20, 30); columns use entries 0, 1, 2
        float[] alpha = loadMask("palette.png", "alpha");
        float[] green = loadMask("palette.png", "green");
        float[] expectedAlpha = {0f, 1f, 1f - 64 / 255f};
        float[] expectedGreen = {0f, 128 / 255f, 20 / 255f};
        for (int i = 0; i < 6; i++) {
            assertEquals(expectedAlpha[i % 3], alpha[i], "palette alpha #" + i);
            assertEquals(expectedGreen[i % 3], green[i], "palette green #" + i);
        }
        // 16-bit grey keeps its precision, as Load Image reads it; no alpha channel, so nothing is masked
        float[] grey = loadMask("grey16.png", "blue");
        for (int i = 0; i < 6; i++) {
            assertEquals(GREY16[i] / 65535f, grey[i], "16-bit grey #" + i);
        }
        assertArrayEquals(new float[6], loadMask("grey16.png", "alpha"));
    }

    @Test
    void aComfyUiWorkflowWithItsUploadWidgetValueRuns() {
        // ComfyUI's frontend stores LoadImageMask's widgets as [image, channel, "image"]: the last is the upload
        // button's, UI-only
        String ui = """
                {"last_node_id": 3, "last_link_id": 2, "version": 0.4,
                 "nodes": [
                  {"id": 1, "type": "LoadImageMask", "pos": [0, 0], "size": [315, 318], "flags": {}, "order": 0,
                   "mode": 0, "inputs": [], "outputs": [{"name": "MASK", "type": "MASK", "links": [1, 2]}],
                   "properties": {"Node name for S&R": "LoadImageMask"},
                   "widgets_values": ["rgba.png", "red", "image"]},
                  {"id": 2, "type": "GrowMask", "pos": [400, 0], "size": [315, 82], "flags": {}, "order": 1,
                   "mode": 0, "inputs": [{"name": "mask", "type": "MASK", "link": 1}],
                   "outputs": [{"name": "MASK", "type": "MASK", "links": null}],
                   "properties": {"Node name for S&R": "GrowMask"}, "widgets_values": [-1, true]},
                  {"id": 3, "type": "ThresholdMask", "pos": [400, 200], "size": [315, 58], "flags": {}, "order": 2,
                   "mode": 0, "inputs": [{"name": "mask", "type": "MASK", "link": 2}],
                   "outputs": [{"name": "MASK", "type": "MASK", "links": null}],
                   "properties": {"Node name for S&R": "ThresholdMask"}, "widgets_values": [0.5]}],
                 "links": [[1, 1, 0, 2, 0, "MASK"], [2, 1, 0, 3, 0, "MASK"]], "groups": [], "config": {},
                 "extra": {}}
                """;
        Workflow wf = dev.noodle.graph.json.ComfyUiFormat.read(ui, "masks.json", nodes.registry());
        RunResult r = executor.run(wf, new RunOptions(Set.of("2", "3"), "t"), e -> { }, new CancellationToken());
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message() + " " + r.errors());
        // red channel 255 0 10 / 200 1 255 (/255); one erosion with the cross: each pixel is the least of itself and
        // its left, right, upper and lower neighbours
        float[] shrunk = ((MaskValue) r.outputs().get("2").value(0)).mask().data();
        assertArrayEquals(new float[] {0f, 0f, 0f, 1 / 255f, 0f, 1 / 255f}, shrunk);
        float[] hard = ((MaskValue) r.outputs().get("3").value(0)).mask().data();
        assertArrayEquals(new float[] {1f, 0f, 0f, 1f, 0f, 1f}, hard);
    }

    @Test
    void aMissingOrCorruptFileIsRefusedNamingIt() {
        RunResult r = run("\"1\": {\"class_type\": \"LoadImageMask\", \"inputs\": {\"image\": \"gone.png\","
                + " \"channel\": \"alpha\"}}", "1");
        assertEquals(RunResult.Status.INVALID, r.status(), r.message());
        ValidationError e = r.errors().getFirst();
        assertEquals("image", e.input());
        assertTrue(e.message().contains("gone.png"), e.message());

        r = run("\"1\": {\"class_type\": \"LoadImageMask\", \"inputs\": {\"image\": \"broken.png\","
                + " \"channel\": \"red\"}}", "1");
        assertEquals(RunResult.Status.FAILED, r.status(), r.message());
        assertEquals("1", r.failedNode());
        assertTrue(r.message().contains("Load Image (as Mask)") && r.message().contains("broken.png")
                && r.message().contains("replace it with a PNG"), r.message());

        r = run("\"1\": {\"class_type\": \"LoadImageMask\", \"inputs\": {\"image\": \"../outside.png\","
                + " \"channel\": \"red\"}}", "1");
        assertEquals(RunResult.Status.INVALID, r.status(), r.message());
    }

    @Test
    void outOfRangeValuesAreRefusedNamingTheInput() {
        RunResult r = run("""
                "1": {"class_type": "SolidMask", "inputs": {"value": 1.5, "width": 0, "height": 8}},
                "2": {"class_type": "GrowMask", "inputs": {"mask": ["1", 0], "expand": -20000, "tapered_corners": true}},
                "3": {"class_type": "MaskComposite", "inputs": {"destination": ["1", 0], "source": ["1", 0],
                      "x": -1, "y": 0, "operation": "nand"}},
                "4": {"class_type": "ThresholdMask", "inputs": {"mask": ["1", 0], "value": -0.5}},
                "5": {"class_type": "ImageToMask", "inputs": {"channel": "purple"}}
                """, "2", "3", "4", "5");
        assertEquals(RunResult.Status.INVALID, r.status());
        List<String> got = r.errors().stream().map(e -> e.nodeId() + " " + e.input() + " " + e.code()).sorted()
                .toList();
        assertEquals(List.of("1 value value_bigger_than_max", "1 width value_smaller_than_min",
                "2 expand value_smaller_than_min", "3 operation value_not_in_list", "3 x value_smaller_than_min",
                "4 value value_smaller_than_min", "5 channel value_not_in_list", "5 image required_input_missing"),
                got);
    }

    @Test
    void previewMaskShowsTheMaskAsAGreyPicture() throws Exception {
        RunResult r = run("""
                "1": {"class_type": "LoadImageMask", "inputs": {"image": "rgba.png", "channel": "green"}},
                "2": {"class_type": "MaskPreview", "inputs": {"mask": ["1", 0]}}
                """, "2");
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message() + " " + r.errors());
        Path png = (Path) ((List<?>) r.outputs().get("2").ui().get("images")).getFirst();
        assertTrue(png.startsWith(env.tempDir()), png.toString());
        BufferedImage shown = ImageIO.read(png.toFile());
        for (int i = 0; i < 6; i++) {
            int g = RGBA[i][1];
            assertEquals(g << 16 | g << 8 | g, shown.getRGB(i % 3, i / 3) & 0xffffff, "grey #" + i);
        }
    }

    @Test
    void anImageWithoutAlphaHasNoAlphaToTake() {
        RunResult r = run("""
                "1": {"class_type": "LoadImage", "inputs": {"image": "rgba.png"}},
                "2": {"class_type": "ImageToMask", "inputs": {"image": ["1", 0], "channel": "alpha"}}
                """, "2");
        assertEquals(RunResult.Status.FAILED, r.status(), r.message());
        assertTrue(r.message().contains("Convert Image to Mask: the image has no alpha channel"), r.message());
    }

    @Test
    void joinedAlphaIsSavedAsATransparentPngAndSplitsBack() throws Exception {
        RunResult r = run("""
                "1": {"class_type": "LoadImage", "inputs": {"image": "rgba.png"}},
                "2": {"class_type": "JoinImageWithAlpha", "inputs": {"image": ["1", 0], "alpha": ["1", 1]}},
                "3": {"class_type": "SaveImage", "inputs": {"images": ["2", 0], "filename_prefix": "alpha"}},
                "4": {"class_type": "SplitImageWithAlpha", "inputs": {"image": ["2", 0]}},
                "5": {"class_type": "ImageToMask", "inputs": {"image": ["2", 0], "channel": "alpha"}}
                """, "3", "4", "5");
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message() + " " + r.errors());
        Path png = (Path) ((List<?>) r.outputs().get("3").ui().get("images")).getFirst();
        BufferedImage saved = ImageIO.read(png.toFile());
        assertTrue(saved.getColorModel().hasAlpha(), "saved with alpha");
        float[] split = ((MaskValue) r.outputs().get("4").value(1)).mask().data();
        float[] alpha = ((MaskValue) r.outputs().get("5").value(0)).mask().data();
        for (int i = 0; i < 6; i++) {
            int[] p = RGBA[i];
            int argb = saved.getRGB(i % 3, i / 3);
            // the byte is ComfyUI's truncating clip(255 · alpha): 1 − (1 − 64/255) in float32 is just below 64/255
            float a = 1f - (1f - p[3] / 255f);
            assertEquals((int) Math.min(255f, 255f * a), argb >>> 24, "alpha #" + i);
            if (p[3] > 0) {
                assertEquals(p[0] << 16 | p[1] << 8 | p[2], argb & 0xffffff, "colour #" + i);
            }
            // LoadImage's mask is 1 − a; joining gives alpha 1 − (1 − a); splitting gives 1 − alpha again
            assertEquals(a, alpha[i], "alpha plane #" + i);
            assertEquals(1f - alpha[i], split[i], "split mask #" + i);
        }
        ImageValue colours = (ImageValue) r.outputs().get("4").value(0);
        assertEquals(false, colours.hasAlpha());
        assertEquals(RGBA[3][1] / 255f, colours.pixels().data()[3 * 3 + 1]);
    }
}
