package dev.noodle.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.app.packs.PackJars;
import dev.noodle.app.ui.vm.NodeSearch;
import dev.noodle.nodes.host.CustomNodes;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import java.nio.file.Path;
import java.util.List;
import javafx.scene.control.Label;
import javafx.scene.control.ListView;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.testfx.framework.junit5.Start;
import org.testfx.api.FxRobot;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The editor with the example node pack in {@code custom_nodes/}: the status bar says the pack runs as code, and the
 * node search shows its nodes with the pack's name, finds them by it and adds them.
 */
class NodePackEditorFxTest extends RealEditorFx {
    @Start
    void start(Stage stage) throws Exception {
        open(stage);
    }

    @Override
    NoodleNodes createNodes(Path home) throws Exception {
        PackJars.example(home.resolve("custom_nodes/example-pack.jar"));
        return NoodleNodes.create(NodeEnvironment.of(home.resolve("models"), home.resolve("output")),
                CustomNodes.besideModels(home.resolve("models")));
    }

    @Test
    void theSearchShowsAndAddsThePacksNodes(FxRobot robot) {
        String status = robot.lookup("#status-message").queryAs(Label.class).getText();
        assertTrue(status.contains("custom node packs are code you chose to run") && status.contains("example-pack 1.0.0"),
                status);

        robot.clickOn("+ Node");
        WaitForAsyncUtils.waitForFxEvents();
        robot.write("example-pack");
        WaitForAsyncUtils.waitForFxEvents();
        @SuppressWarnings("unchecked")
        ListView<NodeSearch.Hit> list = robot.lookup("#node-search-list").queryAs(ListView.class);
        List<String> types = list.getItems().stream().map(h -> h.schema().type()).toList();
        assertTrue(types.containsAll(List.of("ExampleInvertImage", "ExampleImageBrightness")), types.toString());
        List<String> shown = robot.lookup("#node-search-list .search-name").queryAllAs(Label.class).stream()
                .map(Label::getText).toList();
        assertTrue(shown.contains("Invert Image — example-pack"), shown.toString());

        // Noodle's own ImageInvert is "Invert Image" too (ComfyUI's name) and comes first for "invert image"
        robot.eraseText("example-pack".length()).write("example invert").type(KeyCode.ENTER);
        WaitForAsyncUtils.waitForFxEvents();
        var vm = window.canvasViewModel();
        String added = vm.selection().iterator().next();
        assertEquals("ExampleInvertImage", vm.workflow().node(added).type());
    }
}
