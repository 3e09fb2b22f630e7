package dev.noodle.app.ui.canvas;

import dev.noodle.app.ui.vm.Rect;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javafx.scene.Group;
import javafx.scene.input.MouseButton;
import javafx.scene.input.MouseEvent;
import javafx.scene.layout.Region;
import javafx.scene.shape.Rectangle;

/**
 * A small overview in a corner of the canvas: every card as a rectangle, groups behind them, and the current
 * viewport as an outline. Pressing or dragging in it centres the viewport on that point. Redrawn lazily, at most
 * once a pulse, when cards, pan or zoom changed. FX thread only.
 */
public final class Minimap extends Region {
    /** Size of the minimap in pixels. */
    public static final double WIDTH = 220;
    public static final double HEIGHT = 150;
    private static final double PAD = 6;

    private final GraphCanvas canvas;
    private final Group shapes = new Group();
    private final Rectangle viewport = new Rectangle();
    private final List<Rectangle> cardShapes = new ArrayList<>();
    private boolean dirty = true;
    private boolean dragging;
    private double scale = 1;
    private double originX;
    private double originY;

    Minimap(GraphCanvas canvas) {
        this.canvas = canvas;
        getStyleClass().add("minimap");
        setId("minimap");
        setManaged(false);
        resize(WIDTH, HEIGHT);
        Rectangle clip = new Rectangle(WIDTH, HEIGHT);
        setClip(clip);
        viewport.getStyleClass().add("minimap-viewport");
        viewport.setMouseTransparent(true);
        shapes.setMouseTransparent(true);
        getChildren().addAll(shapes, viewport);
        addEventHandler(MouseEvent.MOUSE_PRESSED, e -> {
            canvas.requestFocus();
            if (e.getButton() == MouseButton.PRIMARY) {
                dragging = true;
                centreAt(e);
            }
            e.consume();
        });
        addEventHandler(MouseEvent.MOUSE_DRAGGED, e -> {
            if (dragging) {
                centreAt(e);
            }
            e.consume();
        });
        addEventHandler(MouseEvent.MOUSE_RELEASED, e -> {
            dragging = false;
            dirty = true;
            e.consume();
        });
        addEventHandler(MouseEvent.MOUSE_CLICKED, MouseEvent::consume);
        visibleProperty().addListener((o, a, b) -> dirty = true);
    }

    /** Asks for a redraw on the next pulse. */
    void markDirty() {
        dirty = true;
    }

    /** Redraws when something changed; called by the canvas after each layout pulse. */
    void refreshIfDirty() {
        if (dirty && isVisible()) {
            dirty = false;
            refresh();
        }
    }

    /** The canvas point (content coordinates) shown at minimap point (x, y). */
    public javafx.geometry.Point2D toContent(double x, double y) {
        return new javafx.geometry.Point2D(originX + (x - PAD) / scale, originY + (y - PAD) / scale);
    }

    private void centreAt(MouseEvent e) {
        var p = toContent(e.getX(), e.getY());
        canvas.centreOn(p.getX(), p.getY());
        showViewport(canvas.viewportRect()); // keep the mapping fixed while dragging
    }

    private void refresh() {
        Map<String, Rect> cards = canvas.cardRects();
        Rect view = canvas.viewportRect();
        Rect world = null;
        for (Rect r : cards.values()) {
            world = world == null ? r : world.union(r);
        }
        if (!dragging) {
            Rect all = world == null ? view : world.union(view);
            scale = Math.min((WIDTH - 2 * PAD) / Math.max(1, all.width()),
                    (HEIGHT - 2 * PAD) / Math.max(1, all.height()));
            originX = all.x();
            originY = all.y();
        }
        while (cardShapes.size() < cards.size()) {
            Rectangle r = new Rectangle();
            r.getStyleClass().add("minimap-card");
            cardShapes.add(r);
            shapes.getChildren().add(r);
        }
        while (cardShapes.size() > cards.size()) {
            shapes.getChildren().remove(cardShapes.removeLast());
        }
        int i = 0;
        for (Rect c : cards.values()) {
            place(cardShapes.get(i++), c);
        }
        showViewport(view);
    }

    private void showViewport(Rect view) {
        place(viewport, view);
    }

    private void place(Rectangle shape, Rect r) {
        shape.setX(PAD + (r.x() - originX) * scale);
        shape.setY(PAD + (r.y() - originY) * scale);
        shape.setWidth(Math.max(1, r.width() * scale));
        shape.setHeight(Math.max(1, r.height() * scale));
    }
}
