package dev.noodle.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.app.ui.view.MainWindow;
import dev.noodle.app.ui.vm.GraphEditorViewModel;
import dev.noodle.app.ui.vm.ModelFileDetails;
import dev.noodle.app.ui.vm.NodeStatus;
import dev.noodle.app.ui.vm.WorkflowStore;
import dev.noodle.engine.io.SafetensorsWriter;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.Workflow;
import dev.noodle.nodes.host.ModelFolders;
import dev.noodle.nodes.interop.PngTextChunks;
import dev.noodle.nodes.interop.WorkflowSources;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.zip.CRC32;
import javafx.application.Platform;
import javafx.css.PseudoClass;
import javafx.scene.Node;
import javafx.scene.control.ComboBox;
import javafx.scene.control.DialogPane;
import javafx.scene.control.Label;
import javafx.scene.image.ImageView;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import javafx.stage.Window;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The editor's side of the bad-input catalogue (headless Monocle, the real workflow store and model-file details):
 * S1 invalid model files in the combo, G1/G3 PNGs that hold no usable workflow, W1 cycles, R4 a full disk on save.
 */
@ExtendWith(ApplicationExtension.class)
class BadInputsFxTest {
    static {
        System.setProperty("headless.geometry", "1600x1000-32");
    }

    @TempDir static Path home;
    private MainWindow window;
    private Stage stage;
    private FillingDisk store;

    /** The editor's real store (WorkflowSources and atomic WorkflowJson saves) on a disk that can fill up. */
    static final class FillingDisk implements WorkflowStore {
        private final WorkflowStore real = EditorModule.store(() -> new WorkflowSources(FakeNodes.registry(),
                List.of()));
        volatile boolean full;

        @Override
        public Workflow read(Path file) throws IOException {
            return real.read(file);
        }

        @Override
        public boolean isNative(Path file) {
            return real.isNative(file);
        }

        @Override
        public void save(Workflow wf, Path file) throws IOException {
            if (full) {
                throw new IOException("No space left on device");
            }
            real.save(wf, file);
        }
    }

    @Start
    void start(Stage stage) {
        this.stage = stage;
        store = new FillingDisk();
        window = TestWindows.open(stage, TestWindows.fake(home, home.resolve("no-examples"), store));
    }

    @AfterEach
    void tearDown() throws Exception {
        onFx(() -> {
            for (Window w : List.copyOf(Window.getWindows())) {
                if (w != stage && w instanceof Stage s) {
                    s.close();
                }
            }
            return null;
        });
        Platform.runLater(window::shutdown);
        WaitForAsyncUtils.waitForFxEvents();
    }

    private GraphEditorViewModel vm() {
        return window.canvasViewModel();
    }

    // ---- S1 ----

    @Test
    void s1EmptyAndTinyModelFilesShowAsInvalidInTheCombo(FxRobot robot) throws Exception {
        Path models = home.resolve("s1-models");
        Path ckpts = Files.createDirectories(models.resolve("checkpoints"));
        Files.write(ckpts.resolve("tiny.safetensors"), new byte[0]); // the two names the fake loader lists
        new SafetensorsWriter().addF32("w", new long[] {4}, new float[4]).write(ckpts.resolve("other.safetensors"));
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            onFx(() -> {
                vm().setOptionDetails(new ModelFileDetails(new ModelFolders(models), pool));
                return null;
            });
            String id = onFx(() -> vm().addNode("CheckpointLoaderSimple", 40, 40));
            WaitForAsyncUtils.waitForFxEvents();
            robot.clickOn(robot.lookup("#w-" + id + "-ckpt_name").queryAs(ComboBox.class));
            WaitForAsyncUtils.waitFor(5, TimeUnit.SECONDS, () -> detail(robot, "0 B · invalid: empty file") != null);
            Label empty = detail(robot, "0 B · invalid: empty file");
            assertTrue(empty.getPseudoClassStates().contains(PseudoClass.getPseudoClass("unusable")),
                    "shown in the error colour");
            String size = Files.size(ckpts.resolve("other.safetensors")) + " B"; // a few dozen bytes
            Label ok = detail(robot, size);
            assertFalse(ok == null || ok.getPseudoClassStates().contains(PseudoClass.getPseudoClass("unusable")),
                    "a valid checkpoint shows just its size");
            robot.type(KeyCode.ESCAPE);
            assertTrue(robot.lookup("#error-dialog").queryAll().isEmpty(), "no error dialog");
        } finally {
            pool.shutdownNow();
        }
    }

    private static Label detail(FxRobot robot, String text) {
        return robot.lookup(".option-detail").queryAll().stream()
                .filter(n -> n.isVisible() && text.equals(((Label) n).getText()))
                .map(Label.class::cast).findFirst().orElse(null);
    }

    // ---- G1, G3 ----

    @Test
    void g1PngsWithDamagedChunksSayWhyShowTheImageAndLeaveTheCanvas(FxRobot robot) throws Exception {
        String[] ids = onFx(() -> {
            String[] built = TestGraphs.buildPipeline(vm());
            vm().markSaved(); // as if opened from a file: opening another one asks nothing
            return built;
        });
        Workflow before = vm().workflow();
        byte[] png = png(40, 30);
        byte[] text = ("workflow\0" + WorkflowJson.write(before)).getBytes(StandardCharsets.ISO_8859_1);
        int afterIhdr = 33;
        int iend = png.length - 12;
        Map<String, byte[]> damaged = Map.of(
                "bad-crc.png", insert(png, afterIhdr, chunk("tEXt", text, text.length, true)),
                "no-iend.png", Arrays.copyOf(insert(png, afterIhdr, chunk("tEXt", text, text.length, false)),
                        png.length + 12 + text.length - 12),
                "length-past-end.png", insert(png, iend, chunk("tEXt", text, 100_000, false)));
        Map<String, String> reasons = Map.of("bad-crc.png", "bad CRC", "no-iend.png", "without an IEND chunk",
                "length-past-end.png", "claims 100000 bytes but the file ends first");
        for (Map.Entry<String, byte[]> e : damaged.entrySet()) {
            Path file = Files.write(home.resolve(e.getKey()), e.getValue());
            DialogPane dialog = openAndGetError(robot, file);
            assertEquals("Could not open " + e.getKey() + " — the canvas is unchanged", dialog.getHeaderText());
            assertTrue(dialog.getContentText().contains(reasons.get(e.getKey())), dialog.getContentText());
            assertTrue(dialog.getContentText().contains("The image itself is intact (40 × 30 pixels)"),
                    dialog.getContentText());
            ImageView shown = (ImageView) dialog.getGraphic();
            assertEquals("open-failed-image", shown.getId());
            assertEquals(40, shown.getImage().getWidth(), "the image is still shown");
            assertEquals(before, vm().workflow(), e.getKey());
            assertTrue(status(robot).contains(e.getKey()), status(robot));
            closeDialogs();
        }

        // a chunk running past the end before the pixels: the image cannot be decoded either, only the reason shows
        Path broken = Files.write(home.resolve("undecodable.png"),
                insert(png, afterIhdr, chunk("tEXt", text, 100_000, false)));
        DialogPane dialog = openAndGetError(robot, broken);
        assertTrue(dialog.getContentText().contains("the file ends first"), dialog.getContentText());
        assertFalse(dialog.getContentText().contains("intact"), dialog.getContentText());
        assertFalse(dialog.getGraphic() instanceof ImageView v && "open-failed-image".equals(v.getId()));
        assertEquals(before, vm().workflow());
        closeDialogs();

        // the same workflow in an intact PNG opens
        Path good = Files.write(home.resolve("good.png"), insert(png, afterIhdr, chunk("tEXt", text, text.length,
                false)));
        onFx(() -> {
            window.open(good);
            return null;
        });
        assertEquals(before.nodes(), vm().workflow().nodes());
        assertEquals("good", vm().workflow().name());
        assertTrue(robot.lookup("#error-dialog").queryAll().isEmpty());
        assertEquals(new Link(ids[3], 0), vm().workflow().node(ids[4]).input("samples"));
    }

    @Test
    void g3PngTextThatIsNotAWorkflowSaysSoAndKeepsUnsavedWork(FxRobot robot) throws Exception {
        String[] ids = onFx(() -> TestGraphs.buildPipeline(vm()));
        onFx(() -> {
            vm().setInput(ids[3], "steps", 9L);
            return null;
        });
        Workflow before = vm().workflow();
        String title = stage.getTitle();
        assertTrue(vm().dirtyProperty().get() && title.endsWith("•"), "unsaved work on the canvas");
        byte[] png = png(16, 16);
        Map<String, Map<String, String>> files = Map.of(
                "not-json.png", Map.of("workflow", "{\"nodes\": [1, 2,"),
                "wrong-shape.png", Map.of("workflow", "{\"nodes\": 5}", "prompt", "[1, 2, 3]"));
        for (Map.Entry<String, Map<String, String>> e : files.entrySet()) {
            Path file = Files.write(home.resolve(e.getKey()), PngTextChunks.write(png, e.getValue()));
            // no "save changes?" question first: it would block here, as the file turns out to hold no workflow
            DialogPane dialog = openAndGetError(robot, file);
            assertTrue(dialog.getHeaderText().contains("the canvas is unchanged"), dialog.getHeaderText());
            assertTrue(dialog.getContentText().contains("text is not a workflow"), dialog.getContentText());
            assertTrue(dialog.getContentText().contains(e.getKey()), "names the file: " + dialog.getContentText());
            assertEquals(before, vm().workflow(), "the canvas is unchanged");
            assertTrue(vm().dirtyProperty().get(), "still unsaved");
            assertEquals(title, stage.getTitle());
            assertNull(window.components().files().currentProperty().get());
            assertFalse(window.components().files().recent().contains(file.toAbsolutePath().normalize()));
            closeDialogs();
        }
    }

    private DialogPane openAndGetError(FxRobot robot, Path file) throws Exception {
        WaitForAsyncUtils.asyncFx(() -> window.open(file)).get(10, TimeUnit.SECONDS);
        WaitForAsyncUtils.waitFor(5, TimeUnit.SECONDS, () -> robot.lookup("#error-dialog").tryQuery().isPresent());
        return robot.lookup("#error-dialog").queryAs(DialogPane.class);
    }

    // ---- W1 ----

    @Test
    void w1RunningACycleMarksEveryNodeOnItAndRunsNothing(FxRobot robot) throws Exception {
        GraphEditorViewModel scratch = new GraphEditorViewModel(FakeNodes.registry());
        String[] ids = TestGraphs.buildPipeline(scratch);
        String second = scratch.addNode("KSampler", 640, 420);
        scratch.connect(ids[0], 0, second, "model");
        scratch.connect(ids[1], 0, second, "positive");
        scratch.connect(ids[2], 0, second, "negative");
        scratch.connect(ids[3], 0, second, "latent_image");
        assertTrue(scratch.connect(second, 0, ids[3], "latent_image").isPresent(), "the editor refuses a loop");
        Workflow wf = scratch.workflow();
        Workflow loop = wf.withNode(wf.node(ids[3]).withInput("latent_image", new Link(second, 0))).withName("loop");
        Path file = home.resolve("loop.json");
        WorkflowJson.save(loop, file); // a file from elsewhere can hold one
        onFx(() -> {
            window.open(file);
            return null;
        });
        assertEquals(loop.nodes(), vm().workflow().nodes());

        FakeNodes.samplerStarted = new CountDownLatch(1);
        robot.clickOn("#run-button");
        WaitForAsyncUtils.waitFor(5, TimeUnit.SECONDS, () -> status(robot).contains("dependency_cycle"));
        for (String id : List.of(ids[3], second)) {
            assertEquals(NodeStatus.INVALID, window.runViewModel().states().get(id).status(), "node " + id);
            Node card = robot.lookup("#node-" + id).query();
            assertTrue(card.getPseudoClassStates().contains(PseudoClass.getPseudoClass("error")), "card " + id);
            String message = robot.lookup("#message-" + id).queryAs(Label.class).getText();
            assertTrue(message.contains("Dependency cycle") && message.contains(ids[3]) && message.contains(second),
                    message);
        }
        for (String id : List.of(ids[0], ids[4], ids[5], ids[6])) {
            var s = window.runViewModel().states().get(id);
            assertTrue(s == null || s.status() == NodeStatus.IDLE, "not on the cycle: " + id + " " + s);
            assertFalse(robot.lookup("#node-" + id).query().getPseudoClassStates()
                    .contains(PseudoClass.getPseudoClass("error")));
        }
        assertTrue(window.runViewModel().queue().isEmpty(), "nothing was queued");
        assertFalse(window.runViewModel().runningProperty().get());
        assertEquals(1, FakeNodes.samplerStarted.getCount(), "nothing executed");
    }

    // ---- R4 ----

    @Test
    void r4ADiskFullSaveSaysSoAndLosesNothing(FxRobot robot) throws Exception {
        Path dir = Files.createDirectories(home.resolve("r4"));
        Path first = dir.resolve("first.json");
        String[] ids = onFx(() -> TestGraphs.buildPipeline(vm()));

        // an untitled workflow whose first save fails keeps its name and stays unsaved
        store.full = true;
        assertFalse(onFx(() -> window.saveTo(first)));
        DialogPane dialog = error(robot);
        assertEquals("Could not save " + first, dialog.getHeaderText());
        assertTrue(dialog.getContentText().startsWith("No space left on device"), dialog.getContentText());
        assertTrue(dialog.getContentText().contains("The file on disk was not changed"), dialog.getContentText());
        assertTrue(status(robot).contains("No space left on device"), status(robot));
        assertFalse(Files.exists(first));
        assertEquals("Untitled", vm().workflow().name());
        assertTrue(vm().dirtyProperty().get());
        assertTrue(stage.getTitle().endsWith("•"), stage.getTitle());
        assertEquals(7, vm().workflow().nodes().size());
        closeDialogs();

        store.full = false;
        assertTrue(onFx(() -> window.saveTo(first)));
        assertEquals("first", vm().workflow().name());
        assertFalse(vm().dirtyProperty().get());
        byte[] saved = Files.readAllBytes(first);

        // an edit, then the disk fills up: the file keeps the last save, the edit stays on the canvas, unsaved
        onFx(() -> {
            vm().setInput(ids[3], "steps", 12L);
            return null;
        });
        store.full = true;
        assertFalse(onFx(() -> window.save()));
        dialog = error(robot);
        assertTrue(dialog.getContentText().contains("No space left on device"), dialog.getContentText());
        assertTrue(Arrays.equals(saved, Files.readAllBytes(first)), "the previous file is untouched");
        try (var files = Files.list(dir)) {
            assertEquals(List.of(first), files.toList());
        }
        assertEquals(new Literal(12L), vm().workflow().node(ids[3]).input("steps"));
        assertTrue(vm().dirtyProperty().get());
        assertEquals("Noodle — first •", stage.getTitle());
        assertEquals(first, window.components().files().currentProperty().get());
        closeDialogs();

        store.full = false;
        assertTrue(onFx(() -> window.save()), "once there is space the same save works");
        assertFalse(vm().dirtyProperty().get());
        assertEquals(new Literal(12L), store.read(first).node(ids[3]).input("steps"));
    }

    private static DialogPane error(FxRobot robot) throws TimeoutException {
        WaitForAsyncUtils.waitFor(5, TimeUnit.SECONDS, () -> robot.lookup("#error-dialog").tryQuery().isPresent());
        return robot.lookup("#error-dialog").queryAs(DialogPane.class);
    }

    // ---- helpers ----

    private static String status(FxRobot robot) {
        return robot.lookup("#status-message").queryAs(Label.class).getText();
    }

    private void closeDialogs() throws Exception {
        onFx(() -> {
            for (Window w : List.copyOf(Window.getWindows())) {
                if (w.getScene() != null && w.getScene().getRoot() instanceof DialogPane && w instanceof Stage s) {
                    s.close();
                }
            }
            return null;
        });
        WaitForAsyncUtils.waitForFxEvents();
    }

    private static byte[] png(int w, int h) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB), "png", out);
        return out.toByteArray();
    }

    /** A PNG chunk claiming {@code length} bytes (the real length unless testing a lie), with a right or wrong CRC. */
    private static byte[] chunk(String type, byte[] data, int length, boolean badCrc) {
        ByteBuffer b = ByteBuffer.allocate(12 + data.length);
        b.putInt(length).put(type.getBytes(StandardCharsets.US_ASCII)).put(data);
        CRC32 crc = new CRC32();
        crc.update(type.getBytes(StandardCharsets.US_ASCII));
        crc.update(data);
        b.putInt((int) crc.getValue() ^ (badCrc ? 1 : 0));
        return b.array();
    }

    private static byte[] insert(byte[] png, int at, byte[] chunk) {
        byte[] out = new byte[png.length + chunk.length];
        System.arraycopy(png, 0, out, 0, at);
        System.arraycopy(chunk, 0, out, at, chunk.length);
        System.arraycopy(png, at, out, at + chunk.length, png.length - at);
        return out;
    }

    private static <T> T onFx(Callable<T> c) throws Exception {
        return WaitForAsyncUtils.asyncFx(c).get(10, TimeUnit.SECONDS);
    }
}
