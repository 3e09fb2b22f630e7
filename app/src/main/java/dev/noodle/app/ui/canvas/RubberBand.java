package dev.noodle.app.ui.canvas;

import dev.noodle.app.ui.vm.CanvasEdits;
import dev.noodle.app.ui.vm.Rect;
import javafx.geometry.Point2D;
import javafx.scene.input.MouseEvent;
import javafx.scene.shape.Rectangle;

/**
 * The rubber-band gesture: Shift+drag or Ctrl+drag on empty canvas draws a rectangle and selects every card it
 * touches (Shift adds to the selection, Ctrl replaces it). The rectangle lives in canvas (screen-aligned)
 * coordinates above the content. FX thread only.
 */
final class RubberBand {
    private final GraphCanvas canvas;
    private final CanvasEdits edits;
    private final Rectangle band = new Rectangle();
    private Point2D start;
    private boolean add;

    RubberBand(GraphCanvas canvas, CanvasEdits edits) {
        this.canvas = canvas;
        this.edits = edits;
        band.getStyleClass().add("rubber-band");
        band.setId("rubber-band");
        band.setManaged(false);
        band.setMouseTransparent(true);
        band.setVisible(false);
    }

    /** The rectangle node, to be added above the canvas content. */
    Rectangle view() {
        return band;
    }

    /** Whether a band is being drawn. */
    boolean active() {
        return start != null;
    }

    /** Whether a press on empty canvas starts a band rather than a pan. */
    static boolean starts(MouseEvent e) {
        return e.isShiftDown() || e.isShortcutDown();
    }

    void start(MouseEvent e) {
        start = new Point2D(e.getX(), e.getY());
        add = e.isShiftDown();
        show(e.getX(), e.getY());
        band.setVisible(true);
    }

    void drag(MouseEvent e) {
        show(e.getX(), e.getY());
    }

    void finish(MouseEvent e) {
        Point2D a = canvas.toContent(start.getX(), start.getY());
        Point2D b = canvas.toContent(e.getX(), e.getY());
        start = null;
        band.setVisible(false);
        edits.selectTouching(canvas.cardRects(), Rect.corners(a.getX(), a.getY(), b.getX(), b.getY()), add);
    }

    private void show(double x, double y) {
        band.setX(Math.min(x, start.getX()));
        band.setY(Math.min(y, start.getY()));
        band.setWidth(Math.abs(x - start.getX()));
        band.setHeight(Math.abs(y - start.getY()));
    }
}
