package dev.noodle.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.app.ui.canvas.GraphCanvas;
import dev.noodle.app.ui.view.MainWindow;
import dev.noodle.app.ui.vm.GraphEditorViewModel;
import dev.noodle.app.ui.vm.NodeStatus;
import dev.noodle.app.ui.vm.WorkflowStore;
import dev.noodle.graph.exec.RunEvent;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.Workflow;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javafx.application.Platform;
import javafx.geometry.Point2D;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.control.Spinner;
import javafx.scene.image.ImageView;
import javafx.scene.input.KeyCode;
import javafx.scene.input.MouseButton;
import javafx.stage.Stage;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** Real interactions with the editor window (headless Monocle): search, wiring, widgets, undo, run, cancel, recovery. */
@ExtendWith(ApplicationExtension.class)
class EditorFxTest {
    static {
        System.setProperty("headless.geometry", "1600x1000-32");
    }

    @TempDir static Path home;
    private static final WorkflowStore STORE = new MemoryStore();
    private MainWindow window;
    private Stage stage;

    @Start
    void start(Stage stage) {
        this.stage = stage;
        window = openWindow(stage);
        stage.show();
        window.start();
    }

    private static MainWindow openWindow(Stage stage) {
        return openWindow(stage, new EditorPaths(home, home.resolve("examples")));
    }

    private static MainWindow openWindow(Stage stage, EditorPaths paths) {
        return TestWindows.create(stage, TestWindows.fake(home, paths, STORE));
    }

    @AfterEach
    void tearDown() throws TimeoutException {
        FakeNodes.stepMillis = 0;
        Platform.runLater(window::shutdown);
        WaitForAsyncUtils.waitForFxEvents();
    }

    private GraphEditorViewModel vm() {
        return window.canvas() == null ? null : vmOf(window);
    }

    private static GraphEditorViewModel vmOf(MainWindow w) {
        return w.canvasViewModel();
    }

    private String addBySearch(FxRobot robot, String query, double x, double y) {
        GraphCanvas canvas = window.canvas();
        Point2D screen = canvas.localToScreen(x, y);
        robot.doubleClickOn(screen, MouseButton.PRIMARY);
        robot.write(query).type(KeyCode.ENTER);
        WaitForAsyncUtils.waitForFxEvents();
        return vm().selection().iterator().next();
    }

    private void wire(FxRobot robot, String from, int out, String to, String input) {
        robot.drag("#port-" + from + "-out-" + out, MouseButton.PRIMARY)
                .dropTo("#port-" + to + "-in-" + input);
        WaitForAsyncUtils.waitForFxEvents();
    }

    @Test
    void buildWireEditUndoAndRunFromTheWindow(FxRobot robot) throws Exception {
        assertTrue(stage.getTitle().startsWith("Noodle — Untitled"), stage.getTitle());
        String ckpt = addBySearch(robot, "ckpt", 5, 40);
        String pos = addBySearch(robot, "prompt", 300, 40);
        String sampler = addBySearch(robot, "ksamp", 595, 40);
        String decode = addBySearch(robot, "vae decode", 5, 420);
        String save = addBySearch(robot, "save image", 5, 600);
        assertEquals("CheckpointLoaderSimple", vm().workflow().node(ckpt).type());
        assertEquals("KSampler", vm().workflow().node(sampler).type());
        assertEquals("SaveImage", vm().workflow().node(save).type());
        String[] rest = onFx(() -> new String[] {vm().addNode("CLIPTextEncode", 300, 420),
            vm().addNode("EmptyLatentImage", 595, 600)});
        WaitForAsyncUtils.waitForFxEvents();

        wire(robot, ckpt, 1, pos, "clip");
        wire(robot, ckpt, 1, rest[0], "clip");
        wire(robot, ckpt, 0, sampler, "model");
        wire(robot, pos, 0, sampler, "positive");
        wire(robot, rest[0], 0, sampler, "negative");
        wire(robot, rest[1], 0, sampler, "latent_image");
        wire(robot, sampler, 0, decode, "samples");
        wire(robot, ckpt, 2, decode, "vae");
        assertEquals(new Link(sampler, 0), vm().workflow().node(decode).input("samples"), () -> vm().workflow().nodes() + " " + window.canvas().card(decode).localToScreen(window.canvas().card(decode).getBoundsInLocal()) + " " + stage.getWidth() + "x" + stage.getHeight() + " " + javafx.stage.Screen.getPrimary().getBounds());
        assertEquals(8, window.canvas().wireCount());

        // LATENT → IMAGE is refused, with the reason in the status bar
        wire(robot, sampler, 0, save, "images");
        assertNull(vm().workflow().node(save).input("images"));
        String status = robot.lookup("#status-message").queryAs(Label.class).getText();
        assertTrue(status.contains("LATENT") && status.contains("IMAGE"), status);
        wire(robot, decode, 0, save, "images");
        assertEquals(new Link(decode, 0), vm().workflow().node(save).input("images"));

        // edit a widget, then undo / redo with the keyboard
        Spinner<?> steps = robot.lookup("#w-" + sampler + "-steps").queryAs(Spinner.class);
        robot.doubleClickOn(steps.getEditor()).eraseText(3).write("3").type(KeyCode.ENTER);
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(new Literal(3L), vm().workflow().node(sampler).input("steps"));
        robot.clickOn(window.canvas().localToScreen(1000, 800)); // focus the canvas, not the text field
        robot.press(KeyCode.CONTROL, KeyCode.Z).release(KeyCode.Z, KeyCode.CONTROL);
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(new Literal(4L), vm().workflow().node(sampler).input("steps"));
        robot.press(KeyCode.CONTROL, KeyCode.SHIFT, KeyCode.Z).release(KeyCode.Z, KeyCode.SHIFT, KeyCode.CONTROL);
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(new Literal(3L), vm().workflow().node(sampler).input("steps"));

        // run: every node finishes and the image appears on the Save Image card
        robot.clickOn("#run-button");
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS,
                () -> !window.runViewModel().runningProperty().get());
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(NodeStatus.DONE, window.runViewModel().states().get(save).status());
        ImageView image = robot.lookup("#image-" + save).queryAs(ImageView.class);
        assertNotNull(image.getImage());
        assertEquals(64, image.getImage().getWidth());
        assertTrue(robot.lookup("#node-" + sampler + " .node-status").queryAs(Label.class).getText()
                .startsWith("done"));
        assertEquals(1, window.runViewModel().gallery().size());
    }

    @Test
    void cancelStopsARunningSampler(FxRobot robot) throws Exception {
        String[] ids = onFx(() -> TestGraphs.buildPipeline(vm()));
        onFx(() -> {
            vm().setInput(ids[3], "steps", 500L);
            return null;
        });
        FakeNodes.stepMillis = 20;
        FakeNodes.samplerStarted = new java.util.concurrent.CountDownLatch(1);
        robot.clickOn("#run-button");
        assertTrue(FakeNodes.samplerStarted.await(10, TimeUnit.SECONDS));
        WaitForAsyncUtils.waitFor(5, TimeUnit.SECONDS,
                () -> window.runViewModel().states().get(ids[3]).status() == NodeStatus.RUNNING);
        Label samplerStatus = robot.lookup("#node-" + ids[3] + " .node-status").queryAs(Label.class);
        WaitForAsyncUtils.waitFor(5, TimeUnit.SECONDS, () -> samplerStatus.getText().matches("step \\d+/500"));
        robot.clickOn("#cancel-button");
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> !window.runViewModel().runningProperty().get());
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals("cancelled", window.runViewModel().queue().get(0).state());
        assertEquals(NodeStatus.IDLE, window.runViewModel().states().get(ids[3]).status());
        assertNotEquals(NodeStatus.DONE, window.runViewModel().states().get(ids[5]).status());
    }

    @Test
    void reopensUnsavedWorkAfterACrash(FxRobot robot) throws Exception {
        String[] ids = onFx(() -> TestGraphs.buildPipeline(vm()));
        Workflow before = vm().workflow();
        onFx(() -> {
            window.workflowFile().autosaveNow();
            window.workflowFile().closeKeepingRecovery(); // as a crash leaves it
            window.components().close();
            return null;
        });
        assertTrue(Files.exists(home.resolve("autosave.json")));
        Stage[] second = new Stage[1];
        MainWindow[] reopened = new MainWindow[1];
        Platform.runLater(() -> {
            stage.close();
            second[0] = new Stage();
            reopened[0] = openWindow(second[0]);
            second[0].show();
            reopened[0].start();
        });
        WaitForAsyncUtils.waitFor(5, TimeUnit.SECONDS, () -> robot.lookup("Restore").queryAll().stream()
                .anyMatch(n -> n.isVisible() && n.getScene() != null && n.getScene().getWindow().isShowing()));
        WaitForAsyncUtils.waitForFxEvents();
        robot.clickOn("Restore");
        WaitForAsyncUtils.waitForFxEvents();
        window = reopened[0];
        assertEquals(before.nodes(), vmOf(reopened[0]).workflow().nodes());
        assertTrue(vmOf(reopened[0]).dirtyProperty().get(), "recovered work is unsaved");
        assertTrue(second[0].getTitle().contains("•"));
        Node card = robot.lookup("#node-" + ids[3]).query();
        assertNotNull(card);
    }

    @Test
    void droppingAWireOnEmptyCanvasSearchesCompatibleNodesAndWiresTheChoice(FxRobot robot) throws Exception {
        String sampler = onFx(() -> vm().addNode("KSampler", 40, 40));
        WaitForAsyncUtils.waitForFxEvents();
        int before = vm().workflow().nodes().size();
        Point2D empty = window.canvas().localToScreen(1000, 500);
        robot.drag("#port-" + sampler + "-out-0", MouseButton.PRIMARY).dropTo(empty);
        WaitForAsyncUtils.waitForFxEvents();
        Node box = robot.lookup("#node-search").query();
        assertTrue(box.isVisible(), "the search opens on a dropped wire");
        @SuppressWarnings("unchecked")
        var list = (javafx.scene.control.ListView<dev.noodle.app.ui.vm.NodeSearch.Hit>)
                robot.lookup("#node-search-list").queryAs(javafx.scene.control.ListView.class);
        assertEquals(Set.of("KSampler", "VAEDecode"), list.getItems().stream()
                .map(h -> h.schema().type()).collect(java.util.stream.Collectors.toSet()));
        robot.write("decode").type(KeyCode.ENTER);
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(before + 1, vm().workflow().nodes().size());
        String decode = vm().selection().iterator().next();
        assertEquals("VAEDecode", vm().workflow().node(decode).type());
        assertEquals(new Link(sampler, 0), vm().workflow().node(decode).input("samples"));
        assertEquals(1, window.canvas().wireCount());
        onFx(() -> {
            vm().undo();
            return null;
        });
        assertEquals(before, vm().workflow().nodes().size(), "one undo removes the node and its wire");

        // dragged back from an unconnected input: nodes with a matching output
        robot.drag("#port-" + sampler + "-in-model", MouseButton.PRIMARY).dropTo(empty);
        WaitForAsyncUtils.waitForFxEvents();
        assertTrue(box.isVisible());
        assertEquals(List.of("CheckpointLoaderSimple"),
                list.getItems().stream().map(h -> h.schema().type()).toList());
        robot.type(KeyCode.ENTER);
        WaitForAsyncUtils.waitForFxEvents();
        String ckpt = vm().selection().iterator().next();
        assertEquals(new Link(ckpt, 0), vm().workflow().node(sampler).input("model"));

        // a plain click on a port opens nothing
        robot.clickOn("#port-" + sampler + "-out-0");
        WaitForAsyncUtils.waitForFxEvents();
        assertFalse(box.isVisible(), "a click is not a wire drop");
    }

    @Test
    void galleryTileOpensFullSizeAndOpenFolderDoesNotCrashHeadless(FxRobot robot) throws Exception {
        Path png = home.resolve("gallery-test.png");
        ImageIO.write(new BufferedImage(300, 200, BufferedImage.TYPE_INT_RGB), "png", png.toFile());
        onFx(() -> {
            window.runViewModel().apply(new RunEvent.NodeFinished("r-gallery", "9", 1, Map.of("images", List.of(png))));
            return null;
        });
        robot.clickOn("Gallery");
        WaitForAsyncUtils.waitForFxEvents();
        robot.clickOn("#gallery-tile-0");
        WaitForAsyncUtils.waitForFxEvents();
        ImageView full = robot.lookup("#full-image").queryAs(ImageView.class);
        assertEquals(300, full.getImage().getWidth(), "full size, not the 140 px tile");
        assertEquals(200, full.getImage().getHeight());
        assertFalse(full.getImage().isError());
        Stage viewer = (Stage) full.getScene().getWindow();
        assertEquals("gallery-test.png", viewer.getTitle());
        onFx(() -> {
            viewer.close();
            return null;
        });

        robot.clickOn("#gallery-open-folder");
        WaitForAsyncUtils.waitForFxEvents();
        String status = robot.lookup("#status-message").queryAs(Label.class).getText();
        assertTrue(status.contains(home.toAbsolutePath().normalize().toString()), status);
    }

    @Test
    void startsOnTheTxt2imgExampleWhenNoWorkflowIsGiven(FxRobot robot) throws Exception {
        Path appHome = Files.createTempDirectory(home, "fresh");
        Path examples = appHome.resolve("workflows");
        GraphEditorViewModel scratch = new GraphEditorViewModel(FakeNodes.registry());
        TestGraphs.buildPipeline(scratch);
        STORE.save(scratch.workflow().withName("txt2img"), examples.resolve("txt2img.json"));
        Stage[] fresh = new Stage[1];
        MainWindow[] opened = new MainWindow[1];
        onFx(() -> {
            fresh[0] = new Stage();
            opened[0] = openWindow(fresh[0], new EditorPaths(appHome, examples));
            fresh[0].show();
            opened[0].start();
            return null;
        });
        WaitForAsyncUtils.waitForFxEvents();
        try {
            assertEquals("Noodle — txt2img", fresh[0].getTitle());
            assertEquals(7, vmOf(opened[0]).workflow().nodes().size());
            assertTrue(robot.lookup(".node-card").queryAll().size() >= 7);
        } finally {
            onFx(() -> {
                opened[0].shutdown();
                fresh[0].close();
                return null;
            });
        }
    }

    @Test
    void theExplainPanelSaysWhatTheSelectedSamplerDoesAndFollowsAChange(FxRobot robot) throws Exception {
        String sampler = onFx(() -> vm().addNode("KSampler", 300, 200));
        onFx(() -> {
            vm().select(Set.of(sampler));
            return null;
        });
        WaitForAsyncUtils.waitForFxEvents();
        Label text = robot.lookup("#explain-option-sampler_name").queryAs(Label.class);
        assertEquals(dev.noodle.nodes.sampling.SamplingHelp.sampler("euler").orElseThrow(), text.getText());
        assertTrue(robot.lookup("#concept-sampler_families").tryQuery().isPresent(), "the families are explained");

        onFx(() -> {
            vm().setInput(sampler, "sampler_name", "euler_ancestral");
            return null;
        });
        WaitForAsyncUtils.waitForFxEvents();
        String now = robot.lookup("#explain-option-sampler_name").queryAs(Label.class).getText();
        assertEquals(dev.noodle.nodes.sampling.SamplingHelp.sampler("euler_ancestral").orElseThrow(), now);
        assertTrue(robot.lookup(".explain-heading").queryAllAs(Label.class).stream()
                .anyMatch(l -> l.getText().equals("sampler_name: euler_ancestral")));
    }

    private static void assertNotEquals(Object a, Object b) {
        org.junit.jupiter.api.Assertions.assertNotEquals(a, b);
    }

    private static <T> T onFx(Callable<T> c) throws Exception {
        return WaitForAsyncUtils.asyncFx(c).get(10, TimeUnit.SECONDS);
    }
}
