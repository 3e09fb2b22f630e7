package dev.noodle.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.noodle.app.server.NoodleServer;
import dev.noodle.app.ui.view.MainWindow;
import dev.noodle.app.ui.vm.QueueSnapshot;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javafx.application.Platform;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The editor opened with {@code --connect} on a real server (demo model): its Queue tab pauses the server, shows the
 * prompts queued there, moves one to the front and cancels another with its buttons, resumes, and the server runs
 * them in that order; a long prompt's row follows its steps and Interrupt stops it; when the server stops, the tab says so in one line.
 */
@ExtendWith(ApplicationExtension.class)
class QueuePanelFxTest {
    static {
        System.setProperty("headless.geometry", "1600x1000-32");
    }

    @TempDir
    Path home;

    private final HttpClient http = HttpClient.newHttpClient();
    private NoodleServer server;
    private NoodleNodes nodes;
    private MainWindow window;

    @Start
    void start(Stage stage) throws Exception {
        server = QueueViewModelTest.startServer(home.resolve("server"));
        nodes = NoodleNodes.create(NodeEnvironment.of(home.resolve("models"), home.resolve("output")));
        EditorOptions options = new EditorOptions(null, home.resolve("models"), home.resolve("output"), false,
                URI.create(server.url()));
        EditorPaths paths = new EditorPaths(home, Path.of("..", "workflows").toAbsolutePath().normalize());
        window = TestWindows.open(stage, EditorLauncher.module(nodes, options, paths));
    }

    @AfterEach
    void tearDown() {
        Platform.runLater(window::shutdown);
        WaitForAsyncUtils.waitForFxEvents();
        server.close();
        nodes.close();
    }

    private JsonNode state() throws Exception {
        return QueueViewModelTest.get(http, server.url() + "/noodle/queue");
    }

    private static List<String> ids(JsonNode tuples) {
        List<String> out = new ArrayList<>();
        tuples.forEach(t -> out.add(t.get(1).asText()));
        return out;
    }

    private static void waitFor(String what, java.util.concurrent.Callable<Boolean> until) throws Exception {
        try {
            WaitForAsyncUtils.waitFor(120, TimeUnit.SECONDS, until);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("waited in vain for " + what);
        }
    }

    /** The row of the waiting list showing prompt {@code id} (once the list has drawn it). */
    private static ListCell<?> row(FxRobot robot, String id) throws Exception {
        ListCell<?>[] found = {null};
        waitFor("a row for " + id, () -> {
            WaitForAsyncUtils.waitForFxEvents();
            found[0] = robot.lookup("#queue-pending .list-cell").queryAllAs(ListCell.class).stream()
                    .filter(c -> c.getText() != null && c.getText().startsWith(id.substring(0, 8)))
                    .findFirst().orElse(null);
            return found[0] != null;
        });
        return found[0];
    }

    private static boolean cellShows(FxRobot robot, String list, String text) {
        WaitForAsyncUtils.waitForFxEvents();
        return robot.lookup(list + " .list-cell").queryAllAs(ListCell.class).stream()
                .anyMatch(cell -> cell.getText() != null && cell.getText().contains(text));
    }

    @Test
    @SuppressWarnings("unchecked")
    void pauseMoveCancelAndResumeFromTheQueueTabSteerTheServer(FxRobot robot) throws Exception {
        String base = server.url();
        robot.clickOn("Run").clickOn("Queue and Workers"); // the side panel's Queue tab, shown from the menu
        Label headline = robot.lookup("#queue-headline").queryAs(Label.class);
        waitFor("the first read", () -> headline.getText().contains("idle"));
        assertEquals("Server at " + base + " (embedded queue) — idle, 0 running, 0 waiting", headline.getText());
        ListView<Object> workers = robot.lookup("#queue-workers").queryAs(ListView.class);
        waitFor("the worker row", () -> workers.getItems().size() == 1);

        Button pause = robot.lookup("#queue-pause").queryAs(Button.class);
        assertEquals("Pause", pause.getText());
        robot.clickOn(pause);
        waitFor("the server to be paused", () -> state().path("paused").asBoolean());
        waitFor("the button to offer Resume", () -> pause.getText().equals("▶ Resume"));

        String a = QueueViewModelTest.submit(http, base, 1, 1);
        String b = QueueViewModelTest.submit(http, base, 2, 1);
        String c = QueueViewModelTest.submit(http, base, 3, 1);
        ListView<Object> pending = robot.lookup("#queue-pending").queryAs(ListView.class);
        waitFor("the three prompts in the list", () -> pending.getItems().size() == 3);
        assertTrue(robot.lookup("#queue-top").queryAs(Button.class).isDisabled(), "nothing picked, nothing to move");

        robot.clickOn(row(robot, c));
        robot.clickOn("#queue-top");
        waitFor("c to move to the front", () -> ids(state().path("queue_pending")).equals(List.of(c, a, b)));
        waitFor("the list to show it", () -> ((QueueSnapshot.Prompt) pending.getItems().get(0)).id().equals(c));

        robot.clickOn(row(robot, b));
        robot.clickOn("#queue-cancel");
        waitFor("b to leave the queue", () -> ids(state().path("queue_pending")).equals(List.of(c, a)));
        waitFor("the list to show it", () -> pending.getItems().size() == 2);
        assertFalse(robot.lookup("#queue-problem").queryAs(Label.class).isVisible());

        robot.clickOn(pause);
        waitFor("both to run", () -> state().path("workers").get(0).path("done").asInt() == 2);
        List<String> order = new ArrayList<>();
        QueueViewModelTest.get(http, base + "/history").fieldNames().forEachRemaining(order::add);
        assertEquals(List.of(c, a), order);
        waitFor("the worker row to count them", () -> cellShows(robot, "#queue-workers", "idle\n2 done\nloaded: "));
        waitFor("the list to empty", () -> pending.getItems().isEmpty());

        // a long prompt: its row follows the sampler's steps, and Interrupt stops it
        String slow = QueueViewModelTest.submit(http, base, 9, 2000);
        waitFor("the running row to show the step", () -> cellShows(robot, "#queue-running",
                slow.substring(0, 8) + " — on serve-") && cellShows(robot, "#queue-running", ", node 3, step "));
        robot.clickOn("#queue-interrupt");
        waitFor("the interruption", () -> state().path("workers").get(0).path("done").asInt() == 3);
        JsonNode messages = QueueViewModelTest.get(http, base + "/history/" + slow).path(slow).path("status")
                .path("messages");
        assertEquals("execution_interrupted", messages.get(messages.size() - 1).get(0).asText());

        server.close();
        Label problem = robot.lookup("#queue-problem").queryAs(Label.class);
        waitFor("the panel to notice", () -> problem.isVisible());
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals("server at " + base + " not reachable — is `./noodle serve` running there?", problem.getText());
        assertTrue(workers.getItems().isEmpty());
    }
}
