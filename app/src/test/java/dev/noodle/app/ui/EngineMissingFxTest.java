package dev.noodle.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.engine.runtime.EngineOptions;
import dev.noodle.engine.runtime.EngineStatus;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javafx.scene.control.Label;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.testfx.framework.junit5.Start;
import org.testfx.api.FxRobot;
import org.testfx.util.WaitForAsyncUtils;

/**
 * Bad-inputs R6: when the PyTorch engine cannot load (here: as {@link EngineStatus} reports an unwritable native
 * cache), the editor still opens the example and edits it; pressing Run says the engine is not installed and what
 * to do, in the status bar, and nothing runs.
 */
class EngineMissingFxTest extends RealEditorFx {
    @Start
    void start(Stage stage) throws Exception {
        open(stage);
    }

    @Override
    NoodleNodes createNodes(Path home) throws Exception {
        return NoodleNodes.create(NodeEnvironment.of(home.resolve("models"), home.resolve("output")),
                EngineOptions.defaults(),
                Optional.of(EngineStatus.message("Failed to extract PyTorch native library: /proc/nodjl")));
    }

    @Test
    void theEditorEditsAndRunSaysTheEngineIsNotInstalled(FxRobot robot) throws Exception {
        var vm = window.canvasViewModel();
        assertEquals("KSampler", vm.workflow().node("3").type(), "the example opened");
        WaitForAsyncUtils.asyncFx(() -> vm.setInputs("edit", Map.of("3", Map.of("steps", 7L))))
                .get(10, TimeUnit.SECONDS);
        assertEquals(7L, ((dev.noodle.graph.model.Literal) vm.workflow().node("3").input("steps")).value(),
                "editing works without the engine");
        robot.clickOn("#run-button");
        Label status = robot.lookup("#status-message").queryAs(Label.class);
        WaitForAsyncUtils.waitFor(30, TimeUnit.SECONDS, () -> status.getText().contains("engine is not installed"));
        assertTrue(status.getText().contains("DJL_CACHE_DIR"), "says what to do: " + status.getText());
        assertFalse(Files.exists(home.resolve("output")), "nothing ran");
        assertEquals(0, nodes.models().loadCount());
    }
}
