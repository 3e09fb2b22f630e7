package dev.noodle.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.app.ui.vm.NodeStatus;
import dev.noodle.graph.model.Literal;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import javafx.geometry.Bounds;
import javafx.scene.Node;
import javafx.scene.Scene;
import javafx.scene.control.Slider;
import javafx.scene.image.Image;
import javafx.scene.image.ImageView;
import javafx.scene.image.PixelReader;
import javafx.scene.input.MouseButton;
import javafx.scene.shape.Line;
import javafx.stage.Stage;
import javafx.stage.Window;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The editor's image tools end to end on the real nodes and the demo model: paint a mask on a loaded image with the
 * mouse (and erase part of it), save it as ComfyUI does (input/clipspace, alpha = 1 − mask), run the inpaint example
 * with it (64², 2 steps), and see the source and the result in the before/after view, the masked area changed.
 */
class MaskInpaintFxTest extends RealEditorFx {
    private static final int SIZE = 64;

    @Start
    void start(Stage stage) throws Exception {
        open(stage);
    }

    /** A source with a colour in every pixel (gradients), so "unchanged" is checked everywhere. */
    private static BufferedImage source() {
        BufferedImage img = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                img.setRGB(x, y, (x * 4) << 16 | (y * 4) << 8 | ((x + y) * 2 + 3));
            }
        }
        return img;
    }

    @Test
    void paintAMaskSaveItRunAnInpaintAndCompareTheResultWithTheSource(FxRobot robot) throws Exception {
        Path input = home.resolve("input");
        Files.createDirectories(input);
        BufferedImage src = source();
        ImageIO.write(src, "png", input.resolve("tfx-source.png").toFile());
        var vm = window.canvasViewModel();
        fx(() -> {
            window.open(Path.of("..", "workflows", "inpaint.json").toAbsolutePath().normalize());
            vm.setInputs("small", Map.of("20", Map.of("image", "tfx-source.png"), "3", Map.of("steps", 2L)));
            window.canvas().fitToView();
            return null;
        });
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals("LoadImage", vm.workflow().node("20").type());

        // open the mask editor from the Load Image card and paint a stroke across the middle with the mouse
        Shots.take(window.scene(), "canvas-before-mask");
        robot.clickOn("#mask-editor-20");
        try {
            WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> robot.lookup("#mask-canvas").tryQuery().isPresent());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("no mask editor opened; the editor says: " + vm.messageProperty().get(), e);
        }
        WaitForAsyncUtils.waitForFxEvents();
        Node canvas = robot.lookup("#mask-canvas").query();
        fx(() -> {
            ((Slider) canvas.getScene().lookup("#mask-size")).setValue(12);
            ((Slider) canvas.getScene().lookup("#mask-hardness")).setValue(1);
            return null;
        });
        Bounds b = fx(() -> canvas.localToScreen(canvas.getBoundsInLocal()));
        double scale = b.getWidth() / SIZE;
        double y = b.getMinY() + 32 * scale;
        robot.moveTo(new javafx.geometry.Point2D(b.getMinX() + 12 * scale, y));
        robot.press(MouseButton.PRIMARY);
        for (int x = 14; x <= 52; x += 2) {
            robot.moveTo(new javafx.geometry.Point2D(b.getMinX() + x * scale, y));
        }
        robot.release(MouseButton.PRIMARY);
        // erase the right end again with the right button
        robot.moveTo(new javafx.geometry.Point2D(b.getMinX() + 44 * scale, y));
        robot.press(MouseButton.SECONDARY);
        for (int x = 46; x <= 60; x += 2) {
            robot.moveTo(new javafx.geometry.Point2D(b.getMinX() + x * scale, y));
        }
        robot.release(MouseButton.SECONDARY);
        WaitForAsyncUtils.waitForFxEvents();
        Shots.take(canvas.getScene(), "mask-editor");
        robot.clickOn("#mask-save");
        WaitForAsyncUtils.waitForFxEvents();

        // the Load Image now names the clipspace copy, which holds the mask in its alpha and the pixels unchanged
        Object value = ((Literal) vm.workflow().node("20").inputs().get("image")).value();
        var m = Pattern.compile("clipspace/(clipspace-mask-\\d+\\.png) \\[input]").matcher(String.valueOf(value));
        assertTrue(m.matches(), String.valueOf(value));
        BufferedImage saved = ImageIO.read(input.resolve("clipspace").resolve(m.group(1)).toFile());
        assertEquals(SIZE, saved.getWidth());
        for (int py = 0; py < SIZE; py++) {
            for (int px = 0; px < SIZE; px++) {
                assertEquals(src.getRGB(px, py) & 0xFFFFFF, saved.getRGB(px, py) & 0xFFFFFF, "pixel " + px + "," + py);
            }
        }
        assertEquals(0, saved.getRGB(20, 32) >>> 24, "painted: transparent");
        assertEquals(0, saved.getRGB(36, 32) >>> 24, "painted: transparent");
        assertEquals(255, saved.getRGB(52, 32) >>> 24, "erased again: opaque");
        assertEquals(255, saved.getRGB(20, 10) >>> 24, "never painted: opaque");
        assertEquals(255, saved.getRGB(5, 5) >>> 24);

        // run the inpaint with it
        robot.clickOn("#run-button");
        WaitForAsyncUtils.waitFor(240, TimeUnit.SECONDS, () -> {
            var st = window.runViewModel().states().get("9");
            boolean failed = window.runViewModel().states().values().stream()
                    .anyMatch(s -> s.status() == NodeStatus.FAILED || s.status() == NodeStatus.INVALID);
            return failed || (st != null && st.status() == NodeStatus.DONE);
        });
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(NodeStatus.DONE, window.runViewModel().states().get("9").status(),
                () -> window.runViewModel().states().toString());
        // every image node previews its output: the loaded image (and its mask), the decoded result
        ImageView loaded = robot.lookup("#image-20").queryAs(ImageView.class);
        assertNotNull(loaded.getImage());
        assertEquals(SIZE, loaded.getImage().getWidth());
        assertEquals("1 / 2", robot.lookup("#image-count-20").queryLabeled().getText(), "the image and its mask");
        ImageView decoded = robot.lookup("#image-8").queryAs(ImageView.class);
        assertNotNull(decoded.getImage());
        Shots.take(window.scene(), "canvas-after-run");

        // the before/after view of the result
        robot.clickOn("#compare-8");
        WaitForAsyncUtils.waitForFxEvents();
        ImageView before = robot.lookup("#compare-before").queryAs(ImageView.class);
        ImageView after = robot.lookup("#compare-after").queryAs(ImageView.class);
        Image bi = before.getImage();
        Image ai = after.getImage();
        assertEquals(SIZE, bi.getWidth());
        assertEquals(SIZE, ai.getWidth());
        PixelReader br = bi.getPixelReader();
        PixelReader ar = ai.getPixelReader();
        for (int py = 0; py < SIZE; py += 7) {
            for (int px = 0; px < SIZE; px += 7) {
                assertEquals(src.getRGB(px, py) & 0xFFFFFF, br.getArgb(px, py) & 0xFFFFFF, "before = the source");
            }
        }
        double diff = 0;
        int n = 0;
        for (int py = 28; py <= 36; py++) {
            for (int px = 16; px <= 40; px++) {
                int s = br.getArgb(px, py);
                int r = ar.getArgb(px, py);
                for (int shift = 0; shift <= 16; shift += 8) {
                    diff += Math.abs((s >> shift & 0xFF) - (r >> shift & 0xFF));
                }
                n += 3;
            }
        }
        assertTrue(diff / n > 8, "the masked area was repainted: mean difference " + diff / n);
        assertTrue(robot.lookup("#compare-before-label").queryLabeled().getText().contains("Load Image"));

        // the divider follows a drag
        Node view = robot.lookup("#compare-view").query();
        Bounds vb = fx(() -> view.localToScreen(view.getBoundsInLocal()));
        robot.drag(new javafx.geometry.Point2D(vb.getMinX() + vb.getWidth() / 2, vb.getMinY() + vb.getHeight() / 2),
                MouseButton.PRIMARY).dropTo(new javafx.geometry.Point2D(vb.getMinX() + vb.getWidth() / 4,
                vb.getMinY() + vb.getHeight() / 2));
        WaitForAsyncUtils.waitForFxEvents();
        Line divider = robot.lookup("#compare-divider").queryAs(Line.class);
        assertEquals(vb.getWidth() / 4, divider.getStartX(), vb.getWidth() / 20);
        Shots.take(view.getScene(), "before-after");
        fx(() -> {
            for (Window w : Window.getWindows().toArray(Window[]::new)) {
                if (w != stage && w instanceof Stage s) {
                    s.close();
                }
            }
            return null;
        });
    }

    /** Snapshots of the windows for looking at, written only when {@code noodle.shots} names a folder. */
    static final class Shots {
        static void take(Scene scene, String name) throws Exception {
            String dir = System.getProperty("noodle.shots");
            if (dir == null) {
                return;
            }
            var img = fx(() -> scene.snapshot(null));
            Files.createDirectories(Path.of(dir));
            ImageIO.write(javafx.embed.swing.SwingFXUtils.fromFXImage(img, null), "png",
                    Path.of(dir, name + ".png").toFile());
        }
    }
}
