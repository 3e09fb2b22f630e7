package dev.noodle.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.inject.util.Modules;
import dev.noodle.app.ui.view.MainWindow;
import dev.noodle.app.ui.vm.GraphEditorViewModel;
import dev.noodle.app.ui.vm.WorkflowStore;
import dev.noodle.graph.library.Component;
import dev.noodle.graph.library.ComponentLibrary;
import dev.noodle.graph.library.Components;
import dev.noodle.graph.model.ComponentRef;
import dev.noodle.graph.model.Layout;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.NodeLayout;
import dev.noodle.graph.model.Subgraph;
import dev.noodle.graph.model.SubgraphInput;
import dev.noodle.graph.model.SubgraphOutput;
import dev.noodle.graph.model.Workflow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javafx.application.Platform;
import javafx.scene.control.Label;
import javafx.scene.control.TextField;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** A user publishes a subgraph as a component, inserts it from the Library panel, and takes a newer version. */
@ExtendWith(ApplicationExtension.class)
class ComponentLibraryFxTest {
    static {
        System.setProperty("headless.geometry", "1600x1000-32");
    }

    @TempDir static Path home;
    private MainWindow window;
    private Path libraryDir;

    @Start
    void start(Stage stage) throws Exception {
        libraryDir = Files.createTempDirectory(home, "components");
        EditorOptions options = new EditorOptions(null, home, home, false, null, false, libraryDir);
        WorkflowStore store = new MemoryStore();
        window = TestWindows.open(stage, Modules.override(new EditorModule(FakeNodes.registry(), new TestServices(),
                options, new EditorPaths(home, home.resolve("examples")))).with(b -> b.bind(WorkflowStore.class)
                .toInstance(store)));
    }

    @AfterEach
    void tearDown() {
        Platform.runLater(window::shutdown);
        WaitForAsyncUtils.waitForFxEvents();
    }

    /** "Blank": width (a promoted widget) → Empty Latent Image → latent. */
    static Subgraph blank(String id) {
        Workflow body = Workflow.empty("Blank").withNode(NodeInstance.of("1", "EmptyLatentImage", Map.of(
                "width", new Link(Subgraph.INPUT_NODE, 0), "height", new Literal(512L),
                "batch_size", new Literal(1L))));
        return new Subgraph(id, "Blank", null,
                List.of(new SubgraphInput("in-w", "width", "INT", null, Map.of())),
                List.of(new SubgraphOutput("out-l", "latent", "LATENT", null, new Link("1", 0), Map.of())),
                body, null, Map.of());
    }

    private static Workflow withHosts(Workflow wf, String def, String... hosts) {
        Layout layout = wf.layout();
        for (int i = 0; i < hosts.length; i++) {
            wf = wf.withNode(NodeInstance.of(hosts[i], def, Map.of("width", new Literal(576L))));
            layout = layout.withNode(hosts[i], new NodeLayout(120 + 360 * i, 200, 280, 0, false, null));
        }
        return wf.withLayout(layout);
    }

    private GraphEditorViewModel vm() {
        return window.canvasViewModel();
    }

    private void load(Workflow wf) {
        Platform.runLater(() -> vm().load(wf));
        WaitForAsyncUtils.waitForFxEvents();
    }

    @Test
    void publishFromTheCardMenuWritesTheComponentAndUndoForgetsTheLink(FxRobot robot) throws Exception {
        load(withHosts(Workflow.empty("mine").withSubgraph(blank("local")), "local", "5"));
        robot.rightClickOn("#node-5");
        robot.clickOn("Publish as component…");
        WaitForAsyncUtils.waitForFxEvents();
        robot.interact(() -> {
            robot.lookup("#component-name").queryAs(TextField.class).setText("Blank canvas");
            robot.lookup("#component-description").queryAs(javafx.scene.control.TextArea.class)
                    .setText("a latent of any width");
        });
        robot.clickOn("#component-publish");
        WaitForAsyncUtils.waitForFxEvents();

        Subgraph def = vm().workflow().subgraphs().get("local");
        assertEquals(1, def.component().version());
        assertEquals("Blank canvas", def.name());
        List<ComponentLibrary.Entry> entries = new ComponentLibrary(libraryDir).scan().components();
        assertEquals(1, entries.size());
        assertEquals(def.component().id(), entries.get(0).component().id());
        assertEquals("a latent of any width", entries.get(0).component().description());
        assertEquals(1, window.componentLibrary().components().size());
        assertTrue(robot.lookup("#library-item-" + def.component().id()).tryQuery().isPresent());

        robot.interact(() -> vm().undo());
        assertNull(vm().workflow().subgraphs().get("local").component());
        robot.interact(() -> vm().redo());
        assertEquals(def, vm().workflow().subgraphs().get("local"));
    }

    @Test
    void doubleClickInTheLibraryInsertsAnEmbeddedCopyThatUndoRemoves(FxRobot robot) throws Exception {
        Component c = new ComponentLibrary(libraryDir).publishNew(Workflow.empty("author")
                .withSubgraph(blank("local")), "local", "Blank", "").component();
        Workflow before = vm().workflow();
        robot.clickOn("Library");
        robot.clickOn("#library-refresh");
        WaitForAsyncUtils.waitForFxEvents();
        robot.doubleClickOn("#library-item-" + c.id());
        WaitForAsyncUtils.waitForFxEvents();

        Workflow after = vm().workflow();
        assertEquals(before.nodes().size() + 1, after.nodes().size());
        String id = vm().selection().iterator().next();
        Subgraph embedded = after.subgraphOf(after.node(id));
        assertEquals(new ComponentRef(c.id(), 1), embedded.component());
        assertNotEquals("local", embedded.id());
        assertEquals(new Literal(512L), after.node(id).input("width"), "the promoted widget's default");
        assertTrue(robot.lookup("#node-" + id).tryQuery().isPresent(), "the host card shows");

        robot.interact(() -> vm().undo());
        assertEquals(before, vm().workflow());
    }

    @Test
    void theBadgeOffersTheNewVersionAndUpdateAllUpdatesBothUsesInOneUndoStep(FxRobot robot) throws Exception {
        ComponentLibrary lib = new ComponentLibrary(libraryDir);
        Components.Published v1 = lib.publishNew(Workflow.empty("author").withSubgraph(blank("local")), "local",
                "Blank", "");
        Components.Embedded e = Components.embed(Workflow.empty("user"), v1.component(), Components.RANDOM_IDS);
        Workflow user = withHosts(e.workflow(), e.definitionId(), "5", "6");
        load(user);
        assertTrue(robot.lookup("#component-update-5").tryQuery().isEmpty(), "no badge while up to date");

        Subgraph local = v1.workflow().subgraphs().get("local");
        Workflow body = local.body().withNode(NodeInstance.of("1", "EmptyLatentImage", Map.of(
                "width", new Link(Subgraph.INPUT_NODE, 0), "height", new Literal(768L),
                "batch_size", new Literal(1L))));
        lib.publishVersion(v1.workflow().withSubgraph(local.withBody(body)), "local");
        robot.interact(() -> window.componentLibrary().refresh());
        WaitForAsyncUtils.waitFor(5, TimeUnit.SECONDS, () -> robot.lookup("#component-update-5").tryQuery()
                .map(javafx.scene.Node::isVisible).orElse(false));
        assertEquals("v2 available", robot.lookup("#component-update-5").queryButton().getText());

        // "Not now" changes nothing
        robot.clickOn("#component-update-5");
        WaitForAsyncUtils.waitForFxEvents();
        String diff = robot.lookup("#component-diff").queryAs(Label.class).getText();
        assertTrue(diff.contains("node 1 (EmptyLatentImage) height: 512 → 768"), diff);
        assertTrue(diff.contains("Used by node 5, node 6"), diff);
        robot.clickOn("#update-not-now");
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(user, vm().workflow());

        robot.clickOn("#component-update-5");
        WaitForAsyncUtils.waitForFxEvents();
        robot.clickOn("#update-all");
        WaitForAsyncUtils.waitForFxEvents();
        Workflow updated = vm().workflow();
        for (String host : List.of("5", "6")) {
            Subgraph d = updated.subgraphOf(updated.node(host));
            assertEquals(2, d.component().version());
            assertEquals(new Literal(768L), d.body().node("1").input("height"));
            assertEquals(new Literal(576L), updated.node(host).input("width"), "the host keeps its value");
        }
        WaitForAsyncUtils.waitForFxEvents();
        assertTrue(robot.lookup("#component-update-5").tryQuery().isEmpty(), "the badge goes");

        robot.interact(() -> vm().undo());
        assertEquals(user, vm().workflow());
    }

    @Test
    void updateThisUseLeavesTheOtherUseOnTheOldVersion(FxRobot robot) throws Exception {
        ComponentLibrary lib = new ComponentLibrary(libraryDir);
        Components.Published v1 = lib.publishNew(Workflow.empty("author").withSubgraph(blank("local")), "local",
                "Blank", "");
        Components.Embedded e = Components.embed(Workflow.empty("user"), v1.component(), Components.RANDOM_IDS);
        load(withHosts(e.workflow(), e.definitionId(), "5", "6"));
        Subgraph local = v1.workflow().subgraphs().get("local");
        lib.publishVersion(v1.workflow().withSubgraph(local.withName("Blank", "now described")), "local");
        robot.interact(() -> window.componentLibrary().refresh());
        WaitForAsyncUtils.waitForFxEvents();

        robot.clickOn("#component-update-6");
        WaitForAsyncUtils.waitForFxEvents();
        robot.clickOn("#update-one");
        WaitForAsyncUtils.waitForFxEvents();
        Workflow w = vm().workflow();
        assertEquals(1, w.subgraphOf(w.node("5")).component().version());
        assertEquals(2, w.subgraphOf(w.node("6")).component().version());
        assertTrue(robot.lookup("#component-update-5").tryQuery().isPresent());
        assertTrue(robot.lookup("#component-update-6").tryQuery().isEmpty());
    }

    @Test
    void anUpdateThatWouldBreakAWireSaysWhichAndOnlyDropsItWhenTheUserAgrees(FxRobot robot) throws Exception {
        ComponentLibrary lib = new ComponentLibrary(libraryDir);
        Components.Published v1 = lib.publishNew(Workflow.empty("author").withSubgraph(blank("local")), "local",
                "Blank", "");
        Components.Embedded e = Components.embed(Workflow.empty("user"), v1.component(), Components.RANDOM_IDS);
        Workflow user = withHosts(e.workflow(), e.definitionId(), "5")
                .withNode(NodeInstance.of("7", "VAEDecode", Map.of("samples", new Link("5", 0))));
        load(user);
        Subgraph local = v1.workflow().subgraphs().get("local");
        lib.publishVersion(v1.workflow().withSubgraph(local.withInterface(local.inputs(),
                List.of(new SubgraphOutput("out-l", "latent", "IMAGE", null, new Link("1", 0), Map.of())))),
                "local");
        robot.interact(() -> window.componentLibrary().refresh());
        WaitForAsyncUtils.waitForFxEvents();

        robot.clickOn("#component-update-5");
        WaitForAsyncUtils.waitForFxEvents();
        assertTrue(robot.lookup("#component-diff").queryAs(Label.class).getText()
                .contains("output 'latent' retyped LATENT → IMAGE"));
        robot.clickOn("#update-all");
        WaitForAsyncUtils.waitForFxEvents();
        String warning = robot.lookup("#update-breaks-wires").queryAs(javafx.scene.control.DialogPane.class)
                .getContentText();
        assertTrue(warning.contains("node 7 input 'samples' (from node 5 output 'latent' retyped LATENT → IMAGE)"),
                warning);
        robot.clickOn("Cancel");
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(user, vm().workflow(), "refused: nothing changed");

        robot.clickOn("#component-update-5");
        WaitForAsyncUtils.waitForFxEvents();
        robot.clickOn("#update-all");
        WaitForAsyncUtils.waitForFxEvents();
        robot.clickOn("#update-drop-wires");
        WaitForAsyncUtils.waitForFxEvents();
        Workflow w = vm().workflow();
        assertEquals(2, w.subgraphOf(w.node("5")).component().version());
        assertNull(w.node("7").input("samples"));
    }
}
