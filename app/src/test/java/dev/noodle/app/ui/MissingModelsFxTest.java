package dev.noodle.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.inject.util.Modules;
import dev.noodle.app.ui.view.MainWindow;
import dev.noodle.app.ui.vm.MissingModelsViewModel;
import dev.noodle.graph.model.Literal;
import dev.noodle.nodes.host.ModelFolders;
import dev.noodle.nodes.interop.ModelHashCache;
import dev.noodle.nodes.interop.WorkflowSources;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javafx.application.Platform;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.DialogPane;
import javafx.scene.control.Label;
import javafx.stage.Stage;
import javafx.stage.Window;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** Opening a workflow whose recorded checkpoint is missing: listed with its hash and source, fetched in one click. */
@ExtendWith(ApplicationExtension.class)
class MissingModelsFxTest {
    static {
        System.setProperty("headless.geometry", "1600x1000-32");
    }

    private static final String URL = "https://civitai.com/api/download/models/4711";
    private static final byte[] BYTES = "the checkpoint".getBytes(StandardCharsets.UTF_8);

    @TempDir static Path home;
    private MainWindow window;
    private Stage stage;

    @Start
    void start(Stage stage) throws Exception {
        this.stage = stage;
        Path models = home.resolve("models");
        MissingModelsViewModel vm = new MissingModelsViewModel(new ModelFolders(models), new ModelHashCache(),
                (url, progress) -> {
                    Files.createDirectories(models.resolve("checkpoints"));
                    Files.write(models.resolve("checkpoints/tiny.safetensors"), BYTES); // the site's name
                    progress.update(BYTES.length, BYTES.length);
                });
        var store = EditorModule.store(() -> new WorkflowSources(FakeNodes.registry(), List.of()));
        window = TestWindows.open(stage, Modules.override(TestWindows.fake(home, home.resolve("no-examples"), store))
                .with(b -> b.bind(MissingModelsViewModel.class).toInstance(vm)));
    }

    @AfterEach
    void tearDown() throws Exception {
        WaitForAsyncUtils.asyncFx(() -> {
            for (Window w : List.copyOf(Window.getWindows())) {
                if (w != stage && w instanceof Stage s) {
                    s.close();
                }
            }
            return null;
        }).get(10, TimeUnit.SECONDS);
        Platform.runLater(window::shutdown);
        WaitForAsyncUtils.waitForFxEvents();
    }

    @Test
    void aMissingModelIsListedAndFetchedThenUsedUnderItsLocalName(FxRobot robot) throws Exception {
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(BYTES));
        Path wf = home.resolve("shared.json");
        Files.writeString(wf, """
                {"last_node_id": 1, "last_link_id": 0, "nodes": [
                  {"id": 1, "type": "CheckpointLoaderSimple", "pos": [0, 0], "size": [300, 100], "flags": {},
                   "order": 0, "mode": 0, "outputs": [], "properties": {}, "widgets_values": ["mine.safetensors"]}],
                 "links": [], "groups": [], "config": {}, "extra": {}, "version": 0.4,
                 "models": [{"name": "mine.safetensors", "url": "%s", "hash": "%s", "hash_type": "SHA256",
                             "directory": "checkpoints"}]}
                """.formatted(URL, sha));
        Platform.runLater(() -> window.open(wf));
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> !robot.lookup("#missing-models-dialog").queryAll()
                .isEmpty());
        DialogPane pane = robot.lookup("#missing-models-dialog").queryAs(DialogPane.class);
        assertTrue(texts(robot, pane).contains("checkpoints/mine.safetensors (sha256 " + sha + ", source " + URL
                + ")"), texts(robot, pane));
        Button fetch = robot.from(pane).lookup(".fetch-model").queryAs(Button.class);
        robot.clickOn(fetch);
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> texts(robot, pane).contains("found by its SHA-256"));
        assertTrue(texts(robot, pane).contains("checkpoints/mine.safetensors was found by its SHA-256 as"
                + " checkpoints/tiny.safetensors"), texts(robot, pane));
        assertEquals(Literal.of("tiny.safetensors"), WaitForAsyncUtils.asyncFx(() -> window.canvasViewModel()
                .workflow().nodes().get("1").input("ckpt_name")).get(10, TimeUnit.SECONDS));
    }

    private static String texts(FxRobot robot, DialogPane pane) {
        StringBuilder sb = new StringBuilder();
        for (Node n : robot.from(pane).lookup(".label").queryAll()) {
            if (n instanceof Label l) {
                sb.append(l.getText()).append('\n');
            }
        }
        return sb.toString();
    }
}
