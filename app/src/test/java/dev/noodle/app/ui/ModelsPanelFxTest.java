package dev.noodle.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.engine.model.DemoCheckpoint;
import dev.noodle.engine.model.TinyCheckpoints;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.nodes.library.ModelEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javafx.scene.control.Label;
import javafx.scene.control.ListView;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The Models panel end to end on the real nodes: an SDXL LoRA dropped on the editor is filed in models/loras, said in
 * the status bar, listed in the panel and offered by the LoRA Loader's combo; wired to an SDXL checkpoint its card has
 * no badge, wired to the SD 1.x demo checkpoint it shows "LoRA for SDXL on an SD 1.x checkpoint".
 */
class ModelsPanelFxTest extends RealEditorFx {
    @Start
    void start(Stage stage) throws Exception {
        open(stage);
    }


    @Test
    @SuppressWarnings("unchecked")
    void aDroppedSdxlLoraIsFiledListedAndWarnedOfOnAnSd1Checkpoint(FxRobot robot) throws Exception {
        Path models = home.resolve("models");
        TinyCheckpoints.write(models.resolve("checkpoints/tiny-xl.safetensors"), TinyCheckpoints.Kind.SDXL);
        Path lora = ModelFixtures.sdxlLora(home.resolve("Downloads/xl-style.safetensors"));
        var vm = window.canvasViewModel();
        assertEquals(DemoCheckpoint.FILE_NAME, String.valueOf(
                ((dev.noodle.graph.model.Literal) vm.workflow().node("4").inputs().get("ckpt_name")).value()));

        // drop the file on the editor: filed, said, listed
        fx(() -> {
            window.dropFiles(List.of(lora));
            return null;
        });
        Label status = robot.lookup("#status-message").queryAs(Label.class);
        waitFor("the status bar to say what was done", () -> status.getText().startsWith("filed "));
        assertTrue(status.getText().startsWith("filed xl-style.safetensors as LoRA for SDXL in"
                + " models/loras/xl-style.safetensors (sha256 "), status.getText());
        assertTrue(Files.isRegularFile(models.resolve("loras/xl-style.safetensors")));
        ListView<ModelEntry> list = robot.lookup("#models-list").queryAs(ListView.class);
        assertTrue(list.isVisible(), "the Models tab is shown after a drop");
        waitFor("the LoRA in the Models panel", () -> list.getItems().stream()
                .anyMatch(e -> e.path().equals("loras/xl-style.safetensors")));
        robot.clickOn("#models-item-xl-style_safetensors");
        WaitForAsyncUtils.waitForFxEvents();
        String details = fx(() -> robot.lookup("#models-details .label").queryAllAs(Label.class).stream()
                .map(Label::getText).reduce("", (a, b) -> a + "\n" + b));
        assertTrue(details.contains("LoRA for SDXL") && details.contains("AutoV2 ")
                && details.contains("Not used in the open workflow"), details);

        // the LoRA Loader's combo lists it now
        ComboInput names = (ComboInput) vm.schema("LoraLoader").orElseThrow().input("lora_name").orElseThrow();
        assertTrue(names.currentOptions().contains("xl-style.safetensors"), names.currentOptions().toString());

        // wire a LoRA Loader between the SDXL checkpoint and the sampler: no badge
        String loraId = fx(() -> {
            vm.setInput("4", "ckpt_name", "tiny-xl.safetensors");
            String id = vm.addNode("LoraLoader", 600, 500);
            vm.connect("4", 0, id, "model");
            vm.connect("4", 1, id, "clip");
            vm.connect(id, 0, "3", "model");
            vm.setInput(id, "lora_name", "xl-style.safetensors");
            return id;
        });
        WaitForAsyncUtils.sleep(1, TimeUnit.SECONDS); // time for the background identification of both files
        waitFor("the files to be identified", () -> window.models().warnings().isEmpty()
                && robot.lookup("#model-warning-" + loraId).tryQuery().isEmpty());
        MaskInpaintFxTest.Shots.take(window.scene(), "models-sdxl-lora-on-sdxl");

        // the SD 1.x demo checkpoint: the badge says what is wrong
        fx(() -> {
            vm.setInput("4", "ckpt_name", DemoCheckpoint.FILE_NAME);
            return null;
        });
        waitFor("the badge on the LoRA card", () -> robot.lookup("#model-warning-" + loraId).tryQuery()
                .map(javafx.scene.Node::isVisible).orElse(false));
        Label badge = robot.lookup("#model-warning-" + loraId).queryAs(Label.class);
        assertEquals("⚠ LoRA for SDXL on an SD 1.x checkpoint", badge.getText());
        assertTrue(badge.getTooltip().getText().contains("pick an SD 1.x LoRA or an SDXL checkpoint"),
                badge.getTooltip().getText());
        MaskInpaintFxTest.Shots.take(window.scene(), "models-sdxl-lora-on-sd1");

        // the panel says where the LoRA is used
        robot.clickOn("#models-item-xl-style_safetensors");
        waitFor("the use in the details", () -> robot.lookup("#models-used-in").queryAs(Label.class).getText()
                .equals("Used in the open workflow by node " + loraId + " (Load LoRA)"));
    }
}
