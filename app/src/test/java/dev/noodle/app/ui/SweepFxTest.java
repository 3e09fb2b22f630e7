package dev.noodle.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.app.ui.vm.NodeStatus;
import dev.noodle.app.ui.vm.SweepViewModel;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.Workflow;
import dev.noodle.nodes.interop.PngTextChunks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javafx.scene.Node;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.MenuButton;
import javafx.scene.image.ImageView;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.testfx.framework.junit5.Start;
import org.testfx.api.FxRobot;
import org.testfx.util.WaitForAsyncUtils;

/**
 * Run → Sweep… on the demo model, as a user does it: select the LoRA node, pick its two strengths as X and Y, type
 * the values, Run; the grid shows in the dialog and the gallery, and the checkpoint loaded once.
 */
class SweepFxTest extends RealEditorFx {
    @Start
    void start(Stage stage) throws Exception {
        open(stage);
    }

    @Test
    void aLoraStrengthSweepFromTheMenuShowsTheGrid(FxRobot robot) throws Exception {
        Workflow wf = WorkflowJson.read(Path.of("..", "workflows", "lora_stack.json"), nodes.registry());
        Workflow small = wf.withNode(wf.node("5").withInput("width", Literal.of(64L)).withInput("height",
                        Literal.of(64L)))
                .withNode(wf.node("3").withInput("steps", Literal.of(2L)));
        var vm = window.canvasViewModel();
        WaitForAsyncUtils.asyncFx(() -> {
            vm.load(small);
            vm.select(Set.of("10"));
        }).get(10, TimeUnit.SECONDS);

        robot.clickOn(robot.lookup((Node n) -> n instanceof MenuButton m && "Run".equals(m.getText()))
                .queryAs(Node.class));
        robot.clickOn("Sweep…");
        WaitForAsyncUtils.waitForFxEvents();
        ComboBox<?> x = robot.lookup("#sweep-x-input").queryComboBox();
        // the selected node's widgets only, sockets and wired inputs left out
        assertEquals(List.of("(none)", "10 Load LoRA: lora_name", "10 Load LoRA: strength_model",
                "10 Load LoRA: strength_clip"), x.getItems().stream().map(Object::toString).toList());
        robot.clickOn("#sweep-x-input").clickOn("10 Load LoRA: strength_model");
        robot.clickOn("#sweep-x-values").write("0,1");
        robot.clickOn("#sweep-y-input").clickOn("10 Load LoRA: strength_clip");
        robot.clickOn("#sweep-y-values").write("0-1 [2]");
        robot.clickOn("#sweep-run");
        ImageView grid = robot.lookup("#sweep-grid").queryAs(ImageView.class);
        Label problem = robot.lookup("#sweep-problem").queryAs(Label.class);
        WaitForAsyncUtils.waitFor(300, TimeUnit.SECONDS, () -> grid.getImage() != null
                || !problem.getText().isEmpty());
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals("", problem.getText());
        assertTrue(robot.lookup("#sweep-status").queryAs(Label.class).getText().startsWith("Ran 4 cell(s); grid"
                + " xyz_grid_00001_.png"), robot.lookup("#sweep-status").queryAs(Label.class).getText());
        Path gridFile = home.resolve("output/xyz_grid_00001_.png");
        assertTrue(Files.isRegularFile(gridFile));
        assertEquals(gridFile, window.runViewModel().gallery().get(window.runViewModel().gallery().size() - 1),
                "the grid is the newest gallery image");
        assertTrue(PngTextChunks.read(gridFile).get("sweep").contains("strength_clip"));
        try (Stream<Path> s = Files.list(home.resolve("output"))) {
            assertEquals(4, s.filter(p -> p.getFileName().toString().startsWith("lora_stack_")).count());
        }
        // the last cell took the checkpoint from the cache
        assertEquals(NodeStatus.CACHED, window.runViewModel().states().get("4").status());
        assertNotNull(grid.getImage());
    }

    @Test
    void badValuesAreNamedInTheDialogAndNothingRuns(FxRobot robot) throws Exception {
        var vm = window.canvasViewModel();
        Workflow wf = WorkflowJson.read(Path.of("..", "workflows", "lora_stack.json"), nodes.registry());
        SweepViewModel sweeps = new SweepViewModel(null, null, nodes.registry(), home, Runnable::run);
        // every node's widgets when nothing is selected; never a socket or a wired input
        List<String> all = sweeps.choices(wf, Set.of()).stream().map(SweepViewModel.Choice::ref).toList();
        assertTrue(all.containsAll(List.of("4.ckpt_name", "3.steps", "3.sampler_name", "11.strength_clip",
                "9.filename_prefix")), all.toString());
        assertTrue(all.stream().noneMatch(r -> r.endsWith(".model") || r.endsWith(".clip")
                || r.endsWith(".positive") || r.endsWith(".images") || r.endsWith(".latent_image")), all.toString());
        WaitForAsyncUtils.asyncFx(() -> {
            vm.load(wf);
            vm.select(Set.of("3"));
        }).get(10, TimeUnit.SECONDS);
        robot.clickOn(robot.lookup((Node n) -> n instanceof MenuButton m && "Run".equals(m.getText()))
                .queryAs(Node.class));
        robot.clickOn("Sweep…");
        WaitForAsyncUtils.waitForFxEvents();
        robot.clickOn("#sweep-x-input").clickOn("3 KSampler: steps");
        robot.clickOn("#sweep-x-values").write("10, 20000");
        robot.clickOn("#sweep-run");
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals("X axis: '20000' for 'steps': 20000 is outside 1 to 10000",
                robot.lookup("#sweep-problem").queryAs(Label.class).getText());
        assertTrue(window.runViewModel().queue().isEmpty(), "nothing was queued");
    }
}
