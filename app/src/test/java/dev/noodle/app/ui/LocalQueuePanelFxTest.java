package dev.noodle.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.engine.model.DemoCheckpoint;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The Queue tab of an editor running locally: one worker, this editor, that counts its runs and names the checkpoint
 * it holds; pausing and reordering are not offered, and the tab says they need a server.
 */
class LocalQueuePanelFxTest extends RealEditorFx {
    @Start
    void start(Stage stage) throws Exception {
        open(stage);
    }

    private static boolean cellShows(FxRobot robot, String list, String text) {
        WaitForAsyncUtils.waitForFxEvents();
        return robot.lookup(list + " .list-cell").queryAllAs(ListCell.class).stream()
                .anyMatch(cell -> cell.getText() != null && cell.getText().contains(text));
    }

    @Test
    void theTabShowsTheEditorAsItsOneWorkerAndCountsItsRuns(FxRobot robot) throws Exception {
        robot.clickOn("#queue-tab");
        Label headline = robot.lookup("#queue-headline").queryAs(Label.class);
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> headline.getText().contains("idle"));
        assertEquals("This editor — idle, 0 running, 0 waiting", headline.getText());
        assertTrue(robot.lookup("#queue-pause").queryAs(Button.class).isDisabled());
        assertTrue(robot.lookup("#queue-note").queryAs(Label.class).isVisible());
        assertTrue(cellShows(robot, "#queue-workers", "editor @ "));
        assertTrue(cellShows(robot, "#queue-workers", "— idle\n0 done\nloaded: none"));

        var vm = window.canvasViewModel();
        WaitForAsyncUtils.asyncFx(() -> vm.setInputs("small", Map.of("5", Map.of("width", 64L, "height", 64L),
                "3", Map.of("steps", 2L)))).get(10, TimeUnit.SECONDS);
        robot.clickOn("#run-button");
        WaitForAsyncUtils.waitFor(180, TimeUnit.SECONDS,
                () -> cellShows(robot, "#queue-workers", "— idle\n1 done\nloaded: " + DemoCheckpoint.FILE_NAME));
        assertTrue(cellShows(robot, "#queue-list", "run-1 · txt2img — success"));
        assertEquals("This editor — idle, 0 running, 0 waiting", headline.getText());
    }
}
