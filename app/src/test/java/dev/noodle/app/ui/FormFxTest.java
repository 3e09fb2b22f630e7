package dev.noodle.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.graph.model.FormInput;
import dev.noodle.graph.model.Literal;
import java.nio.file.Files;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import javafx.scene.control.ContextMenu;
import javafx.scene.control.Menu;
import javafx.scene.control.MenuItem;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.Spinner;
import javafx.scene.control.TextField;
import javafx.scene.image.ImageView;
import javafx.scene.input.KeyCode;
import javafx.stage.Window;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.testfx.framework.junit5.Start;
import org.testfx.api.FxRobot;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The txt2img example opened as a form, as a user would: add an input to the form from a node's menu, open the form,
 * change values there, run on the demo model and see the image in the form; then remove the input again.
 */
class FormFxTest extends RealEditorFx {
    @Start
    void start(Stage stage) throws Exception {
        open(stage);
    }

    @Test
    void openTheFormChangeValuesRunAndTheImageShowsInTheForm(FxRobot robot) throws Exception {
        var vm = window.canvasViewModel();
        assertEquals("txt2img", vm.workflow().name());
        assertEquals(7, vm.workflow().form().size(), "the example comes with a form");

        robot.rightClickOn("#node-9");
        choose("Add to Form", "filename_prefix");
        assertEquals(new FormInput("filename_prefix", "9", "filename_prefix", null),
                vm.workflow().form().get(7));

        robot.clickOn("View").clickOn("Open as Form");
        WaitForAsyncUtils.waitForFxEvents();
        assertNotNull(robot.lookup("#form-fields").query());
        Spinner<?> steps = robot.lookup("#form-field-steps").queryAs(Spinner.class);
        assertEquals(20L, steps.getValue());
        robot.doubleClickOn(steps.getEditor()).eraseText(4).write("2").type(KeyCode.ENTER);
        Spinner<?> width = robot.lookup("#form-field-width").queryAs(Spinner.class);
        robot.doubleClickOn(width.getEditor()).eraseText(4).write("64").type(KeyCode.ENTER);
        Spinner<?> height = robot.lookup("#form-field-height").queryAs(Spinner.class);
        robot.doubleClickOn(height.getEditor()).eraseText(4).write("64").type(KeyCode.ENTER);
        TextField prefix = robot.lookup("#form-field-filename_prefix").queryAs(TextField.class);
        robot.clickOn(prefix).press(KeyCode.CONTROL, KeyCode.A).release(KeyCode.A, KeyCode.CONTROL)
                .write("formrun").type(KeyCode.ENTER);
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(new Literal(2L), vm.workflow().node("3").input("steps"), "the form edits the workflow");
        assertEquals(new Literal(64L), vm.workflow().node("5").input("width"));
        assertEquals(new Literal(64L), vm.workflow().node("5").input("height"));
        assertEquals(new Literal("formrun"), vm.workflow().node("9").input("filename_prefix"));

        robot.clickOn("#form-run");
        ImageView image = robot.lookup("#form-image").queryAs(ImageView.class);
        WaitForAsyncUtils.waitFor(180, TimeUnit.SECONDS, () -> image.getImage() != null
                && image.getImage().getProgress() >= 1.0 && !window.runViewModel().runningProperty().get());
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(64, image.getImage().getWidth(), "the run's image is shown in the form");
        assertEquals(1.0, robot.lookup("#form-progress").queryAs(ProgressBar.class).getProgress());
        assertTrue(Files.isRegularFile(home.resolve("output/formrun_00001_.png")));

        onFx(() -> {
            robot.lookup("#form-fields").query().getScene().getWindow().hide();
            return null;
        });
        robot.rightClickOn("#node-9");
        choose("Remove from Form", "filename_prefix");
        assertEquals(7, vm.workflow().form().size());
        assertFalse(vm.workflow().form().stream().anyMatch(f -> f.name().equals("filename_prefix")));
    }

    /** Chooses {@code item} from the {@code menu} submenu of the open node menu, as a click on it would. */
    private static void choose(String menu, String item) throws Exception {
        WaitForAsyncUtils.waitForFxEvents();
        onFx(() -> {
            ContextMenu open = Window.getWindows().stream().filter(w -> w instanceof ContextMenu && w.isShowing())
                    .map(w -> (ContextMenu) w).reduce((a, b) -> b).orElseThrow();
            Menu sub = (Menu) open.getItems().stream().filter(i -> menu.equals(i.getText())).findFirst()
                    .orElseThrow(() -> new AssertionError("no " + menu + " in the node menu"));
            MenuItem mi = sub.getItems().stream().filter(i -> i.getText().startsWith(item)
                    || i.getText().endsWith("(" + item + ")")).findFirst()
                    .orElseThrow(() -> new AssertionError("no " + item + " under " + menu));
            mi.fire();
            open.hide();
            return null;
        });
        WaitForAsyncUtils.waitForFxEvents();
    }

    private static <T> T onFx(Callable<T> c) throws Exception {
        return WaitForAsyncUtils.asyncFx(c).get(10, TimeUnit.SECONDS);
    }
}
