package dev.noodle.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.app.ui.canvas.NodeCard;
import dev.noodle.app.ui.canvas.WireView;
import dev.noodle.app.ui.vm.GraphEditorViewModel;
import dev.noodle.app.ui.vm.Rect;
import dev.noodle.graph.model.Group;
import dev.noodle.graph.model.NodeLayout;
import dev.noodle.graph.model.Reroute;
import dev.noodle.graph.model.Workflow;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import javafx.geometry.Bounds;
import javafx.geometry.Point2D;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.control.TextField;
import javafx.scene.input.KeyCode;
import javafx.scene.input.MouseButton;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** Real canvas interactions (headless Monocle): rubber band, groups, reroutes, collapse, minimap. */
class CanvasFxTest extends FakeEditorFx {
    @Start
    void start(Stage stage) {
        open(stage);
    }

    private Point2D screen(double canvasX, double canvasY) {
        return canvas().localToScreen(canvasX, canvasY);
    }

    private NodeLayout layout(String id) {
        return vm().workflow().layout().nodes().get(id);
    }

    private void shortcut(FxRobot robot, KeyCode... keys) {
        robot.press(keys);
        for (int i = keys.length - 1; i >= 0; i--) {
            robot.release(keys[i]);
        }
        WaitForAsyncUtils.waitForFxEvents();
    }

    /** Clears the selection and focuses the canvas by clicking empty space. */
    private void focusCanvas(FxRobot robot) {
        robot.clickOn(screen(700, 650));
        WaitForAsyncUtils.waitForFxEvents();
    }

    @Test
    void ctrlDragDrawsARubberBandThatSelectsTouchedCardsWhilePlainDragStillPans(FxRobot robot) throws Exception {
        String[] ids = onFx(() -> new String[] {vm().addNode("EmptyLatentImage", 40, 60),
            vm().addNode("VAEDecode", 400, 60), vm().addNode("SaveImage", 40, 450)});
        WaitForAsyncUtils.waitForFxEvents();
        focusCanvas(robot);
        assertTrue(vm().selection().isEmpty());

        robot.press(KeyCode.CONTROL);
        robot.drag(screen(20, 20), MouseButton.PRIMARY).moveTo(screen(300, 80));
        assertTrue(robot.lookup("#rubber-band").query().isVisible(), "the band is drawn while dragging");
        robot.moveTo(screen(450, 90)).drop();
        robot.release(KeyCode.CONTROL);
        WaitForAsyncUtils.waitForFxEvents();
        assertFalse(robot.lookup("#rubber-band").query().isVisible());
        assertEquals(Set.of(ids[0], ids[1]), vm().selection());
        assertTrue(canvas().card(ids[0]).selectedProperty().get());

        // Shift adds: a band over the third card keeps the first two
        robot.press(KeyCode.SHIFT);
        robot.drag(screen(20, 430), MouseButton.PRIMARY).dropTo(screen(60, 470));
        robot.release(KeyCode.SHIFT);
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(Set.of(ids[0], ids[1], ids[2]), vm().selection());

        // the existing delete works on the band's selection, and Ctrl+Z brings it back
        onFx(() -> {
            vm().select(Set.of(ids[0], ids[1]));
            return null;
        });
        focusOnly();
        robot.type(KeyCode.DELETE);
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(Set.of(ids[2]), vm().workflow().nodes().keySet());
        shortcut(robot, KeyCode.CONTROL, KeyCode.Z);
        assertEquals(3, vm().workflow().nodes().size());

        // a plain drag on empty space pans and selects nothing
        Point2D before = canvas().toContent(0, 0);
        robot.drag(screen(800, 600), MouseButton.PRIMARY).dropTo(screen(700, 550));
        WaitForAsyncUtils.waitForFxEvents();
        Point2D after = canvas().toContent(0, 0);
        assertEquals(before.getX() + 100, after.getX(), 1.0);
        assertEquals(before.getY() + 50, after.getY(), 1.0);
    }

    @Test
    void ctrlGGroupsTheSelectionAndTheTitleBarMovesRenamesAndDeletesTheGroup(FxRobot robot) throws Exception {
        String[] ids = onFx(() -> new String[] {vm().addNode("EmptyLatentImage", 100, 120),
            vm().addNode("VAEDecode", 450, 120), vm().addNode("SaveImage", 900, 120)});
        WaitForAsyncUtils.waitForFxEvents();
        focusCanvas(robot);
        onFx(() -> {
            vm().select(Set.of(ids[0], ids[1]));
            return null;
        });
        shortcut(robot, KeyCode.CONTROL, KeyCode.G);
        assertEquals(1, vm().workflow().layout().groups().size());
        TextField field = robot.lookup("#group-title-field-0").queryAs(TextField.class);
        assertTrue(field.isFocused(), "a new group's title is ready to type");
        robot.write("Latent fx").type(KeyCode.BACK_SPACE, KeyCode.BACK_SPACE).write("stuff").type(KeyCode.ENTER);
        WaitForAsyncUtils.waitForFxEvents();
        assertFalse(robot.lookup("#node-search").query().isVisible(), "a space in the title opens no search");
        assertEquals(3, vm().workflow().nodes().size(), "Backspace in the title deletes no nodes");
        Group g = vm().workflow().layout().groups().get(0);
        assertEquals("Latent stuff", g.title());
        assertEquals("Latent stuff", robot.lookup("#group-title-0").queryAs(Label.class).getText());
        for (String id : List.of(ids[0], ids[1])) {
            Rect r = canvas().cardRects().get(id);
            assertTrue(g.contains(r.x(), r.y()) && g.contains(r.x() + r.width(), r.y() + r.height()), id);
        }
        assertFalse(g.contains(900, 120));
        Node view = robot.lookup("#group-0").query();
        assertEquals(g.x(), view.getLayoutX(), 0.01);

        // drag the title bar: the group and the cards inside move; the card outside stays
        Bounds bar = robot.lookup("#group-bar-0").query().localToScreen(
                robot.lookup("#group-bar-0").query().getBoundsInLocal());
        Point2D grab = new Point2D(bar.getMinX() + 150, bar.getCenterY());
        robot.drag(grab, MouseButton.PRIMARY).dropTo(grab.add(60, 40));
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(g.x() + 60, vm().workflow().layout().groups().get(0).x(), 0.5);
        assertEquals(160, layout(ids[0]).x(), 0.5);
        assertEquals(160, layout(ids[0]).y(), 0.5);
        assertEquals(510, layout(ids[1]).x(), 0.5);
        assertEquals(900, layout(ids[2]).x(), 0.5);
        assertEquals(160, canvas().card(ids[0]).getLayoutX(), 0.5);
        shortcut(robot, KeyCode.CONTROL, KeyCode.Z);
        assertEquals(g, vm().workflow().layout().groups().get(0), "one undo moves the group back");
        assertEquals(100, layout(ids[0]).x(), 0.01);
        assertEquals(100, canvas().card(ids[0]).getLayoutX(), 0.01);

        // double-click the title to rename
        robot.doubleClickOn("#group-title-0");
        WaitForAsyncUtils.waitForFxEvents();
        robot.lookup("#group-title-field-0").queryAs(TextField.class).selectAll();
        robot.write("Decode").type(KeyCode.ENTER);
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals("Decode", vm().workflow().layout().groups().get(0).title());

        // × deletes the group and keeps its nodes; undo restores it
        robot.clickOn("#group-delete-0");
        WaitForAsyncUtils.waitForFxEvents();
        assertTrue(vm().workflow().layout().groups().isEmpty());
        assertTrue(robot.lookup("#group-0").queryAll().isEmpty());
        assertEquals(3, vm().workflow().nodes().size());
        shortcut(robot, KeyCode.CONTROL, KeyCode.Z);
        assertEquals("Decode", vm().workflow().layout().groups().get(0).title());
        assertNotNull(robot.lookup("#group-0").query());
    }

    @Test
    void aCardLaidOutTooNarrowStillShowsItsWholeTitleAndStatus(FxRobot robot) throws Exception {
        String id = onFx(() -> {
            GraphEditorViewModel scratch = new GraphEditorViewModel(FakeNodes.registry());
            String decode = scratch.addNode("VAEDecode", 40, 40);
            Workflow wf = scratch.workflow();
            vm().load(wf.withLayout(wf.layout().withNode(decode, new NodeLayout(40, 40, 90, 46, false, null))));
            return decode;
        });
        WaitForAsyncUtils.waitForFxEvents();
        Node card = robot.lookup("#node-" + id).query();
        Label title = robot.lookup("#node-" + id + " .node-title").queryAs(Label.class);
        javafx.scene.text.Text shown = (javafx.scene.text.Text) title.lookup(".text");
        assertEquals(title.getText(), shown.getText(), "the title is not cut to an ellipsis");
        assertTrue(card.getLayoutBounds().getWidth() > 90, "the card widened for its title row");
    }

    @Test
    void importedGroupsAndReroutesShowAndAWirePassesThroughADraggableReroute(FxRobot robot) throws Exception {
        String[] ids = onFx(() -> {
            GraphEditorViewModel scratch = new GraphEditorViewModel(FakeNodes.registry());
            String ckpt = scratch.addNode("CheckpointLoaderSimple", 40, 40);
            String sampler = scratch.addNode("KSampler", 700, 40);
            scratch.connect(ckpt, 0, sampler, "model");
            Workflow wf = scratch.workflow();
            vm().load(wf.withLayout(wf.layout()
                    .withGroups(List.of(new Group("Loaders", 20, -20, 340, 300, "#a1309b")))
                    .withReroutes(List.of(new Reroute("r1", 400, 420, sampler + ":0")))));
            return new String[] {ckpt, sampler};
        });
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals("Loaders", robot.lookup("#group-title-0").queryAs(Label.class).getText());
        WireView wire = canvas().wire(ids[1], "model");
        assertEquals(2, wire.legs(), "source → reroute → input");
        assertEquals(new Point2D(437.5, 433), wire.legEnd(0));

        Node dot = robot.lookup("#reroute-r1").query();
        robot.drag(dot, MouseButton.PRIMARY).dropBy(50, -30);
        WaitForAsyncUtils.waitForFxEvents();
        Reroute moved = vm().workflow().layout().reroutes().get(0);
        assertEquals(450, moved.x(), 0.5);
        assertEquals(390, moved.y(), 0.5);
        assertEquals(487.5, canvas().wire(ids[1], "model").legEnd(0).getX(), 0.5);
        assertEquals(0, vm().selection().size(), "dragging a reroute neither pans nor selects");
        shortcut(robot, KeyCode.CONTROL, KeyCode.Z);
        assertEquals(400, vm().workflow().layout().reroutes().get(0).x(), 0.01);
        assertEquals(437.5, canvas().wire(ids[1], "model").legEnd(0).getX(), 0.01);
    }

    @Test
    void theCollapseToggleShrinksACardToItsTitleWithPortsAtTheEdges(FxRobot robot) throws Exception {
        String[] ids = onFx(() -> new String[] {vm().addNode("CheckpointLoaderSimple", 40, 40),
            vm().addNode("KSampler", 500, 40)});
        onFx(() -> vm().connect(ids[0], 0, ids[1], "model"));
        WaitForAsyncUtils.waitForFxEvents();
        NodeCard sampler = canvas().card(ids[1]);
        double tall = sampler.getHeight();
        robot.clickOn("#collapse-" + ids[1]);
        WaitForAsyncUtils.waitForFxEvents();
        assertTrue(layout(ids[1]).collapsed());
        assertTrue(sampler.collapsedProperty().get());
        assertTrue(sampler.getHeight() < tall / 3, sampler.getHeight() + " vs " + tall);
        assertTrue(sampler.getWidth() < 200, "as wide as its title row: " + sampler.getWidth());
        Node port = robot.lookup("#port-" + ids[1] + "-in-model").query();
        assertTrue(port.isVisible());
        Bounds p = port.localToScene(port.getBoundsInLocal());
        Bounds card = sampler.localToScene(sampler.getBoundsInLocal());
        assertTrue(p.getCenterY() < card.getMaxY() && Math.abs(p.getCenterX() - card.getMinX()) < 8,
                "the input port sits on the left edge of the title row: " + p + " in " + card);
        onFx(() -> {
            canvas().updateWiresNow();
            return null;
        });
        WireView wire = canvas().wire(ids[1], "model");
        assertEquals(p.getCenterY(), canvas().localToScene(0, 0).getY() + wire.legEnd(0).getY(), 1.5,
                "the wire follows the stacked port");

        shortcut(robot, KeyCode.CONTROL, KeyCode.Z);
        assertFalse(layout(ids[1]).collapsed());
        assertEquals(tall, sampler.getHeight(), 1.0);
        assertEquals(GraphEditorViewModel.DEFAULT_WIDTH, sampler.getWidth(), 1.0);

        // Alt+C collapses the selection
        onFx(() -> {
            vm().select(Set.of(ids[0], ids[1]));
            return null;
        });
        focusOnly();
        shortcut(robot, KeyCode.ALT, KeyCode.C);
        assertTrue(layout(ids[0]).collapsed() && layout(ids[1]).collapsed());
    }

    @Test
    void clickingTheMinimapMovesTheViewportAndTheViewMenuHidesIt(FxRobot robot) throws Exception {
        onFx(() -> {
            vm().addNode("EmptyLatentImage", 0, 0);
            vm().addNode("SaveImage", 3000, 2000);
            return null;
        });
        WaitForAsyncUtils.waitForFxEvents();
        Node minimap = robot.lookup("#minimap").query();
        assertTrue(minimap.isVisible());
        Bounds mb = minimap.localToScreen(minimap.getBoundsInLocal());
        Bounds cb = canvas().localToScreen(canvas().getBoundsInLocal());
        assertTrue(mb.getMaxX() <= cb.getMaxX() && mb.getMaxY() <= cb.getMaxY() && mb.getMinX() > cb.getCenterX(),
                "in the bottom-right corner: " + mb + " of " + cb);
        assertTrue(robot.lookup(".minimap-card").queryAll().size() >= 2);

        Point2D target = new Point2D(mb.getMinX() + mb.getWidth() * 0.8, mb.getMinY() + mb.getHeight() * 0.8);
        Point2D local = canvas().minimap().screenToLocal(target);
        Point2D content = canvas().minimap().toContent(local.getX(), local.getY());
        robot.clickOn(target);
        WaitForAsyncUtils.waitForFxEvents();
        Rect view = canvas().viewportRect();
        assertEquals(content.getX(), view.centerX(), 2.0);
        assertEquals(content.getY(), view.centerY(), 2.0);

        robot.clickOn("View").clickOn("Minimap");
        WaitForAsyncUtils.waitForFxEvents();
        assertFalse(minimap.isVisible());
    }

    /** Focuses the canvas without clicking (which would clear the selection). */
    private void focusOnly() throws Exception {
        onFx(() -> {
            canvas().requestFocus();
            return null;
        });
    }

    private static <T> T onFx(Callable<T> c) throws Exception {
        return WaitForAsyncUtils.asyncFx(c).get(10, TimeUnit.SECONDS);
    }
}
