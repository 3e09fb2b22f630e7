package dev.noodle.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.app.ui.canvas.NodeCard;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.Subgraph;
import dev.noodle.graph.model.Workflow;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import javafx.geometry.Point2D;
import javafx.scene.Node;
import javafx.scene.control.Labeled;
import javafx.scene.control.TextField;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** Subgraphs as a user works with them (headless Monocle): convert, open, breadcrumb, interface, promote, unpack. */
class SubgraphFxTest extends FakeEditorFx {
    @Start
    void start(Stage stage) {
        open(stage);
    }

    /** A point on a card's header, in screen coordinates. */
    private Point2D header(String id) {
        NodeCard card = canvas().card(id);
        assertNotNull(card, "card " + id + " is shown");
        return card.localToScreen(card.getWidth() * 0.6, 10); // the header's free space, past the title
    }

    private void keys(FxRobot robot, KeyCode... codes) {
        robot.press(codes);
        for (int i = codes.length - 1; i >= 0; i--) {
            robot.release(codes[i]);
        }
        WaitForAsyncUtils.waitForFxEvents();
    }

    private Subgraph def(String host) {
        return vm().workflow().subgraphOf(vm().workflow().node(host));
    }

    /** Where the last menu item clicked was (submenus are entered from its row). */
    private javafx.geometry.Point2D lastMenuPoint;

    /** Clicks the showing menu item with this text (not a card's label of the same words). */
    private void clickMenuItem(FxRobot robot, String text) {
        Node item = robot.lookup(".menu-item").match((Node n) -> n.isVisible() && n.getScene() != null
                && n.getScene().getWindow() != null && n.getScene().getWindow().isShowing()
                && robot.from(n).lookup(".label")
                .queryAll().stream().anyMatch(l -> l instanceof Labeled lb && text.equals(lb.getText()))).query();
        assertNotNull(item, "menu item " + text);
        javafx.geometry.Bounds b = item.localToScreen(item.getBoundsInLocal());
        if (lastMenuPoint != null) {
            // into a submenu as a hand does: along the parent item's row first, so no other submenu opens on the way
            robot.moveTo(new javafx.geometry.Point2D(b.getMinX() + 4, lastMenuPoint.getY()));
        }
        robot.clickOn(item);
        lastMenuPoint = new javafx.geometry.Point2D(b.getCenterX(), b.getCenterY());
        WaitForAsyncUtils.waitForFxEvents();
    }

    @Test
    void convertOpenRenamePromoteAndUnpackAsAUserWouldWithUndoForEach(FxRobot robot) throws Exception {
        String[] ids = onFx(() -> TestGraphs.buildPipeline(vm()));
        WaitForAsyncUtils.waitForFxEvents();
        Workflow plain = vm().workflow();

        // select the sampler and the decoder with clicks, then Ctrl+Shift+E
        robot.clickOn(header(ids[3]));
        robot.press(KeyCode.SHIFT).clickOn(header(ids[4])).release(KeyCode.SHIFT);
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(Set.of(ids[3], ids[4]), vm().selection());
        keys(robot, KeyCode.CONTROL, KeyCode.SHIFT, KeyCode.E);
        assertEquals(1, vm().workflow().subgraphs().size(), "Ctrl+Shift+E made a subgraph");
        String host = vm().selection().iterator().next();
        assertNull(canvas().card(ids[3]));
        assertNotNull(canvas().card(host));
        assertEquals(new Link(host, 0), vm().workflow().node(ids[5]).input("images"));
        keys(robot, KeyCode.CONTROL, KeyCode.Z);
        assertEquals(plain, vm().workflow(), "undo of the conversion");
        keys(robot, KeyCode.CONTROL, KeyCode.SHIFT, KeyCode.Z);
        assertEquals(1, vm().workflow().subgraphs().size(), "redo of the conversion");

        // double-click the host: the inside shows, with the boundary cards and the breadcrumb bar
        robot.doubleClickOn(header(host));
        WaitForAsyncUtils.waitForFxEvents();
        assertFalse(vm().where().isRoot());
        assertNotNull(canvas().card(ids[3]));
        assertNotNull(canvas().card(Subgraph.INPUT_NODE));
        assertNotNull(canvas().card(Subgraph.OUTPUT_NODE));
        assertNull(canvas().card(host));
        Node bar = robot.lookup("#subgraph-breadcrumbs").query();
        assertTrue(bar.isVisible());

        // the Inputs card's Explain panel edits the same interface
        robot.clickOn(header(Subgraph.INPUT_NODE));
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals("model", robot.lookup("#subgraph-input-0-name").queryAs(TextField.class).getText());

        // promote the sampler's steps from its right-click menu
        robot.rightClickOn(header(ids[3]));
        lastMenuPoint = null;
        WaitForAsyncUtils.waitForFxEvents();
        clickMenuItem(robot, "Promote Widget to Subgraph Input");
        clickMenuItem(robot, "steps");
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals("steps", def(host).inputs().getLast().name());
        assertEquals(new Link(Subgraph.INPUT_NODE, 5), def(host).body().node(ids[3]).input("steps"));

        // the breadcrumb's first step leads back to the workflow
        robot.clickOn("#breadcrumb-0");
        WaitForAsyncUtils.waitForFxEvents();
        assertTrue(vm().where().isRoot());
        assertFalse(robot.lookup("#subgraph-breadcrumbs").query().isVisible());
        assertNotNull(canvas().card(host));

        // the host card shows the promoted widget; editing it sets the host's value
        assertEquals(Literal.of(4L), vm().workflow().node(host).input("steps"));
        robot.clickOn(header(host));
        Node steps = robot.lookup("#w-" + host + "-steps").query();
        TextField stepsField = robot.from(steps).lookup(".text-field").queryAs(TextField.class);
        robot.doubleClickOn(stepsField);
        keys(robot, KeyCode.CONTROL, KeyCode.A);
        robot.write("9");
        keys(robot, KeyCode.ENTER);
        assertEquals(Literal.of(9L), vm().workflow().node(host).input("steps"));
        focusCanvas();
        keys(robot, KeyCode.CONTROL, KeyCode.Z);
        assertEquals(Literal.of(4L), vm().workflow().node(host).input("steps"), "undo of the host widget edit");

        // rename the first interface input in the Explain panel's interface editor
        robot.clickOn(header(host));
        WaitForAsyncUtils.waitForFxEvents();
        TextField name = robot.lookup("#subgraph-input-0-name").queryAs(TextField.class);
        robot.doubleClickOn(name);
        keys(robot, KeyCode.CONTROL, KeyCode.A);
        robot.write("checkpoint model");
        keys(robot, KeyCode.ENTER);
        assertEquals("checkpoint model", def(host).inputs().get(0).name());
        assertEquals(new Link(ids[0], 0), vm().workflow().node(host).input("checkpoint model"));
        focusCanvas();
        keys(robot, KeyCode.CONTROL, KeyCode.Z);
        assertEquals("model", def(host).inputs().get(0).name(), "undo of the rename");

        // unpack from the host's right-click menu, then undo
        robot.rightClickOn(header(host));
        lastMenuPoint = null;
        WaitForAsyncUtils.waitForFxEvents();
        clickMenuItem(robot, "Unpack Subgraph");
        WaitForAsyncUtils.waitForFxEvents();
        assertTrue(vm().workflow().subgraphs().isEmpty());
        assertNotNull(canvas().card(ids[3]));
        assertEquals(new Link(ids[4], 0), vm().workflow().node(ids[5]).input("images"));
        keys(robot, KeyCode.CONTROL, KeyCode.Z);
        assertNotNull(vm().workflow().node(host), "undo of the unpack");
        assertNotNull(canvas().card(host));
    }

    @Test
    void innerRunStatesShowOnTheHostCardAndOnTheInnerCardInside(FxRobot robot) throws Exception {
        String[] ids = onFx(() -> TestGraphs.buildPipeline(vm()));
        String host = onFx(() -> {
            vm().select(Set.of(ids[3], ids[4]));
            return new dev.noodle.app.ui.vm.SubgraphEditing(vm()).convertSelection().orElseThrow();
        });
        onFx(() -> {
            window.runViewModel().apply(new dev.noodle.graph.exec.RunEvent.NodeStarted("r", host + ":" + ids[3],
                    "KSampler"));
            return null;
        });
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(dev.noodle.app.ui.vm.NodeStatus.RUNNING,
                canvas().card(host).runStateProperty().get().status());
        onFx(() -> vm().enter(host));
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(dev.noodle.app.ui.vm.NodeStatus.RUNNING,
                canvas().card(ids[3]).runStateProperty().get().status());
        assertEquals(dev.noodle.app.ui.vm.NodeStatus.IDLE,
                canvas().card(ids[4]).runStateProperty().get().status());
        onFx(() -> {
            window.runViewModel().apply(new dev.noodle.graph.exec.RunEvent.NodeStarted("r", host + ":" + ids[4],
                    "VAEDecode"));
            return null;
        });
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(dev.noodle.app.ui.vm.NodeStatus.RUNNING,
                canvas().card(ids[4]).runStateProperty().get().status());
        robot.clickOn(canvas().localToScreen(700, 700));
    }

    /** Gives the canvas the keyboard, as clicking on it would, so Ctrl+Z undoes an edit rather than typing. */
    private void focusCanvas() throws Exception {
        onFx(() -> {
            canvas().requestFocus();
            return null;
        });
        WaitForAsyncUtils.waitForFxEvents();
    }

    private static <T> T onFx(Callable<T> c) throws Exception {
        return WaitForAsyncUtils.asyncFx(c).get(10, TimeUnit.SECONDS);
    }
}
