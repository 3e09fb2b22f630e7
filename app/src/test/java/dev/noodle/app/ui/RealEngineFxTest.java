package dev.noodle.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.app.ui.vm.NodeStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javafx.scene.control.Label;
import javafx.scene.image.ImageView;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.testfx.framework.junit5.Start;
import org.testfx.api.FxRobot;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The editor as a new user meets it, with the real nodes and engine: it opens on the txt2img example from
 * {@code workflows/}, and pressing Run draws the demo model's image on the Save Image card (at 64², 2 steps).
 */
class RealEngineFxTest extends RealEditorFx {
    @Start
    void start(Stage stage) throws Exception {
        open(stage);
    }

    @Test
    void opensTxt2imgAndRunDrawsTheDemoImageOnTheSaveImageCard(FxRobot robot) throws Exception {
        assertTrue(Files.isRegularFile(Path.of("..", "workflows", "txt2img.json")));
        assertTrue(stage.getTitle().startsWith("Noodle — txt2img"), stage.getTitle());
        var vm = window.canvasViewModel();
        assertEquals("SaveImage", vm.workflow().node("9").type());
        // a new user would press Run at once; the test makes the image small so it finishes in seconds
        WaitForAsyncUtils.asyncFx(() -> vm.setInputs("small", Map.of("5", Map.of("width", 64L, "height", 64L),
                "3", Map.of("steps", 2L)))).get(10, TimeUnit.SECONDS);
        robot.clickOn("#run-button");
        WaitForAsyncUtils.waitFor(180, TimeUnit.SECONDS, () -> {
            var st = window.runViewModel().states().get("9");
            boolean failed = window.runViewModel().states().values().stream()
                    .anyMatch(s -> s.status() == NodeStatus.FAILED || s.status() == NodeStatus.INVALID);
            return failed || (st != null && st.status() == NodeStatus.DONE);
        });
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(NodeStatus.DONE, window.runViewModel().states().get("9").status(),
                () -> window.runViewModel().states().toString());
        ImageView image = robot.lookup("#image-9").queryAs(ImageView.class);
        assertNotNull(image.getImage());
        assertEquals(64, image.getImage().getWidth());
        assertTrue(Files.isRegularFile(home.resolve("output/ComfyUI_00001_.png")), "the image was saved too");
        assertTrue(robot.lookup("#node-3 .node-status").queryAs(Label.class).getText().startsWith("done"));
    }
}
