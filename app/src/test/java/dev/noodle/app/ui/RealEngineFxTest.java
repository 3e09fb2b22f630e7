package dev.noodle.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.app.ui.view.MainWindow;
import dev.noodle.app.ui.vm.NodeStatus;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javafx.application.Platform;
import javafx.scene.control.Label;
import javafx.scene.image.ImageView;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The editor as a new user meets it, with the real nodes and engine: it opens on the txt2img example from
 * {@code workflows/}, and pressing Run draws the demo model's image on the Save Image card (at 64², 2 steps).
 */
@ExtendWith(ApplicationExtension.class)
class RealEngineFxTest {
    static {
        System.setProperty("headless.geometry", "1600x1000-32");
    }

    @TempDir static Path home;
    private static NoodleNodes nodes;
    private MainWindow window;
    private Stage stage;

    @Start
    void start(Stage stage) {
        this.stage = stage;
        nodes = NoodleNodes.create(NodeEnvironment.of(home.resolve("models"), home.resolve("output")));
        window = TestWindows.open(stage, TestWindows.real(nodes, home));
    }

    @AfterEach
    void tearDown() {
        Platform.runLater(window::shutdown);
        WaitForAsyncUtils.waitForFxEvents();
    }

    @AfterAll
    static void closeNodes() {
        if (nodes != null) {
            nodes.close();
        }
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
