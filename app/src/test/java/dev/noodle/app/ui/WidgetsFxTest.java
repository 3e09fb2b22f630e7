package dev.noodle.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.inject.Guice;
import com.google.inject.util.Modules;
import dev.noodle.app.ui.canvas.NodeCard;
import dev.noodle.app.ui.canvas.WireView;
import dev.noodle.app.ui.view.MainWindow;
import dev.noodle.app.ui.vm.GraphEditorViewModel;
import dev.noodle.app.ui.vm.WorkflowStore;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Workflow;
import dev.noodle.nodes.interop.WorkflowSources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import javafx.application.Platform;
import javafx.event.Event;
import javafx.scene.control.Label;
import javafx.scene.control.Tooltip;
import javafx.scene.input.MouseEvent;
import javafx.stage.Stage;
import org.fxmisc.richtext.CodeArea;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** Headless tests of the widgets: prompt highlighting as typed, placeholder cards for custom nodes, wire tooltips. */
@ExtendWith(ApplicationExtension.class)
class WidgetsFxTest {
    static {
        System.setProperty("headless.geometry", "1600x1000-32");
    }

    @TempDir static Path home;
    private MainWindow window;

    @Start
    void start(Stage stage) {
        WorkflowStore store = EditorModule.store(() -> new WorkflowSources(FakeNodes.registry(), List.of()));
        window = TestWindows.open(stage, TestWindows.fake(home, home.resolve("examples"), store));
    }

    @AfterEach
    void tearDown() {
        Platform.runLater(window::shutdown);
        WaitForAsyncUtils.waitForFxEvents();
    }

    private GraphEditorViewModel vm() {
        return window.canvasViewModel();
    }

    @Test
    void promptIsHighlightedAsTheUserTypes(FxRobot robot) throws Exception {
        String id = onFx(() -> vm().addNode("CLIPTextEncode", 40, 40));
        WaitForAsyncUtils.waitForFxEvents();
        CodeArea area = robot.lookup("#w-" + id + "-text").queryAs(CodeArea.class);
        robot.clickOn(area);
        String typed = "a (fluffy cat:1.2) [dog] embedding:bad-hands.v2 <lora:detail:0.8> (x";
        double zoom = window.canvas().zoom();
        robot.write(typed + "Q").type(javafx.scene.input.KeyCode.BACK_SPACE);
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(typed, area.getText());
        // keys typed into the prompt are not canvas shortcuts (space: search, backspace: delete, f: fit)
        assertEquals(1, vm().workflow().nodes().size());
        assertEquals(zoom, window.canvas().zoom());
        assertTrue(robot.lookup(".search-overlay").queryAll().stream().noneMatch(javafx.scene.Node::isVisible));
        assertStyle(area, typed.indexOf("fluffy"), "prompt-emphasis");
        assertStyle(area, typed.indexOf(":1.2") + 1, "prompt-weight");
        assertStyle(area, typed.indexOf("dog"), "prompt-deemphasis");
        assertStyle(area, typed.indexOf("bad-hands") + 3, "prompt-embedding");
        assertStyle(area, typed.indexOf("detail"), "prompt-tag");
        assertStyle(area, typed.lastIndexOf('('), "prompt-unbalanced");
        assertStyle(area, 0, "prompt-plain");
        // focus leaving commits the text to the model
        assertTrue(area.isFocused(), "typing happens in the prompt editor");
        robot.clickOn(window.canvas().localToScreen(1000, 800));
        WaitForAsyncUtils.waitForFxEvents();
        assertTrue(!area.isFocused(), "focus left: " + area.getScene().getFocusOwner());
        assertEquals(new Literal(typed), vm().workflow().node(id).input("text"));
        // a value from the model (undo, another edit) is shown and restyled
        onFx(() -> {
            vm().undo();
            return null;
        });
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals("", area.getText());
        onFx(() -> {
            vm().setInput(id, "text", "(b:0.5)");
            return null;
        });
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals("(b:0.5)", area.getText());
        assertStyle(area, 3, "prompt-weight");
    }

    private static void assertStyle(CodeArea area, int index, String styleClass) {
        assertTrue(area.getStyleOfChar(index).contains(styleClass),
                "char " + index + " '" + area.getText().charAt(index) + "' has " + area.getStyleOfChar(index)
                        + ", expected " + styleClass);
    }

    @Test
    void customNodeOpensAsAPlaceholderAndItsValuesSurviveASave(FxRobot robot) throws Exception {
        Path source = home.resolve("custom.json");
        Files.copy(WidgetsFxTest.class.getResourceAsStream("custom_node_workflow.json"), source,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        onFx(() -> {
            window.open(source);
            return null;
        });
        WaitForAsyncUtils.waitForFxEvents();
        NodeInstance imported = vm().workflow().node("2");
        assertEquals("FreeU_Pro_Custom", imported.type());

        // the card is there, with the badge, its model port wired both ways and its values read-only
        NodeCard card = window.canvas().card("2");
        assertNotNull(card.placeholder());
        Label badge = robot.lookup("#unknown-badge-2").queryAs(Label.class);
        assertTrue(badge.isVisible() && badge.getText().contains("Unknown node type FreeU_Pro_Custom")
                && badge.getText().contains("install the custom node pack 'freeu-pro'"), badge.getText());
        assertEquals("\"keep me exactly\"", robot.lookup("#value-2-note").queryAs(Label.class).getText());
        assertEquals("1.3", robot.lookup("#value-2-b1").queryAs(Label.class).getText());
        assertNotNull(card.inputPort("model"));
        assertNotNull(card.outputPort(0));
        assertNotNull(window.canvas().wire("2", "model"));
        assertNotNull(window.canvas().wire("4", "model"));

        // hovering its outgoing wire still explains the model behind it
        WireView out = window.canvas().wire("4", "model");
        onFx(() -> {
            Event.fireEvent(out, new MouseEvent(MouseEvent.MOUSE_ENTERED, 0, 0, 0, 0,
                    javafx.scene.input.MouseButton.NONE, 0, false, false, false, false, false, false, false, false,
                    false, false, null));
            return null;
        });
        assertTrue(tooltip(out).startsWith("MODEL: the UNet of other, through FreeU_Pro_Custom (not installed"),
                tooltip(out));

        // save (Noodle JSON) and export (ComfyUI JSON): the custom node is unchanged in both
        Path saved = home.resolve("saved.json");
        Path exported = home.resolve("exported.json");
        assertTrue(onFx(() -> window.saveTo(saved)));
        onFx(() -> {
            window.exportTo(exported, false);
            return null;
        });
        Workflow reread = WorkflowJson.read(saved);
        assertEquals(imported, reread.node("2"));
        var mapper = WorkflowJson.newMapper();
        JsonNode before = node(mapper.readTree(source.toFile()), 2);
        JsonNode after = node(mapper.readTree(exported.toFile()), 2);
        assertEquals(before.get("widgets_values"), after.get("widgets_values"));
        assertEquals(before.get("properties"), after.get("properties"));
        assertEquals(before.get("type"), after.get("type"));
    }

    @Test
    void hoveringAWireSaysWhatFlowsOnIt() throws Exception {
        String[] ids = onFx(() -> TestGraphs.buildPipeline(vm()));
        WaitForAsyncUtils.waitForFxEvents();
        WireView model = onFx(() -> window.canvas().wire(ids[3], "model"));
        assertNotNull(model);
        onFx(() -> {
            Event.fireEvent(model, new MouseEvent(MouseEvent.MOUSE_ENTERED, 0, 0, 0, 0,
                    javafx.scene.input.MouseButton.NONE, 0, false, false, false, false, false, false, false, false,
                    false, false, null));
            return null;
        });
        assertTrue(tooltip(model).startsWith("MODEL: the UNet of tiny"), tooltip(model));
        // the explanation follows edits: a different checkpoint shows on the next hover
        onFx(() -> {
            vm().setInput(ids[0], "ckpt_name", "other.safetensors");
            Event.fireEvent(window.canvas().wire(ids[3], "model"), new MouseEvent(MouseEvent.MOUSE_ENTERED, 0, 0,
                    0, 0, javafx.scene.input.MouseButton.NONE, 0, false, false, false, false, false, false, false,
                    false, false, false, null));
            return null;
        });
        assertTrue(tooltip(window.canvas().wire(ids[3], "model")).startsWith("MODEL: the UNet of other"));
    }

    @Test
    void modelCombosListFileDetailsReadOffTheFxThread(FxRobot robot) throws Exception {
        boolean[] onFxThread = {true};
        onFx(() -> {
            vm().setOptionDetails((input, options) -> java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                onFxThread[0] = Platform.isFxApplicationThread();
                return input.equals("ckpt_name") ? java.util.Map.of("other.safetensors", "2.1 GB") : java.util.Map.of();
            }));
            return null;
        });
        String id = onFx(() -> vm().addNode("CheckpointLoaderSimple", 40, 40));
        WaitForAsyncUtils.waitForFxEvents();
        javafx.scene.control.ComboBox<?> combo =
                robot.lookup("#w-" + id + "-ckpt_name").queryAs(javafx.scene.control.ComboBox.class);
        robot.clickOn(combo);
        WaitForAsyncUtils.waitFor(5, TimeUnit.SECONDS, () -> robot.lookup(".option-detail").queryAll().stream()
                .anyMatch(n -> "2.1 GB".equals(((Label) n).getText()) && n.isVisible()));
        assertTrue(!onFxThread[0], "details are read off the FX thread");
        assertTrue(combo.getTooltip().getText().startsWith("tiny.safetensors"), combo.getTooltip().getText());
        robot.type(javafx.scene.input.KeyCode.ESCAPE);
    }

    @Test
    void theHostsOptionDetailsReachTheEditorThroughGuice() {
        dev.noodle.app.ui.vm.OptionDetails details = (input, options) ->
                java.util.concurrent.CompletableFuture.completedFuture(java.util.Map.of());
        EditorOptions options = new EditorOptions(null, home, home, false);
        var paths = new EditorPaths(home, home.resolve("examples"));
        var bound = Guice.createInjector(Modules.override(new EditorModule(FakeNodes.registry(), new TestServices(),
                options, paths)).with(b -> b.bind(dev.noodle.app.ui.vm.OptionDetails.class).toInstance(details)));
        assertEquals(details, bound.getInstance(EditorComponents.class).editor().optionDetails());
        var unbound = Guice.createInjector(new EditorModule(FakeNodes.registry(), new TestServices(), options, paths));
        assertEquals(dev.noodle.app.ui.vm.OptionDetails.NONE,
                unbound.getInstance(EditorComponents.class).editor().optionDetails());
    }

    private static String tooltip(WireView w) {
        return ((Tooltip) w.getProperties().get("tooltip")).getText();
    }

    private static JsonNode node(JsonNode root, int id) {
        for (JsonNode n : root.get("nodes")) {
            if (n.get("id").asInt() == id) {
                return n;
            }
        }
        throw new AssertionError("no node " + id + " in " + root);
    }

    private static <T> T onFx(Callable<T> c) throws Exception {
        return WaitForAsyncUtils.asyncFx(c).get(10, TimeUnit.SECONDS);
    }
}
