package dev.noodle.app.ui.canvas;

import dev.noodle.app.ui.vm.CanvasEdits;
import dev.noodle.graph.model.Reroute;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javafx.geometry.Point2D;
import javafx.scene.Group;
import javafx.scene.input.MouseButton;
import javafx.scene.input.MouseEvent;
import javafx.scene.shape.Circle;

/**
 * The reroute dots of {@code Layout.reroutes}, drawn over the wires. Dragging a dot moves it live (its wire follows)
 * and commits one undoable move on release. A reroute's (x, y) is the top-left of ComfyUI's 75×26 Reroute node, so
 * the dot sits at its centre. FX thread only.
 */
final class RerouteLayer extends Group {
    /** Offset from a reroute's stored position to the dot's centre. */
    static final double DX = 37.5;
    static final double DY = 13;

    private final GraphCanvas canvas;
    private final CanvasEdits edits;
    private final Map<String, Circle> dots = new LinkedHashMap<>();
    private Point2D dragStart;
    private Point2D dotStart;

    RerouteLayer(GraphCanvas canvas, CanvasEdits edits) {
        this.canvas = canvas;
        this.edits = edits;
    }

    /** Redraws the dots for these reroutes. */
    void sync(List<Reroute> reroutes) {
        getChildren().clear();
        dots.clear();
        for (Reroute r : reroutes) {
            Circle dot = new Circle(r.x() + DX, r.y() + DY, 7);
            dot.getStyleClass().add("reroute");
            dot.setId("reroute-" + r.id());
            dot.setOnMousePressed(e -> pressed(e, dot));
            dot.setOnMouseDragged(e -> dragged(e, dot));
            dot.setOnMouseReleased(e -> released(e, r, dot));
            dot.setOnContextMenuRequested(e -> {
                javafx.scene.control.MenuItem remove = new javafx.scene.control.MenuItem("Remove reroute point");
                remove.setOnAction(a -> edits.removeReroute(r.id()));
                new javafx.scene.control.ContextMenu(remove).show(dot, e.getScreenX(), e.getScreenY());
                e.consume();
            });
            dots.put(r.id(), dot);
            getChildren().add(dot);
        }
    }

    /** The centres of these reroutes' dots as drawn now, skipping unknown ones. */
    List<Point2D> points(List<Reroute> route) {
        List<Point2D> pts = new ArrayList<>();
        if (route != null) {
            for (Reroute r : route) {
                Circle c = dots.get(r.id());
                if (c != null) {
                    pts.add(new Point2D(c.getCenterX(), c.getCenterY()));
                }
            }
        }
        return pts;
    }

    /** The dot of a reroute, or null. */
    Circle dot(String id) {
        return dots.get(id);
    }

    private void pressed(MouseEvent e, Circle dot) {
        if (e.getButton() == MouseButton.PRIMARY) {
            canvas.requestFocus();
            dragStart = new Point2D(e.getSceneX(), e.getSceneY());
            dotStart = new Point2D(dot.getCenterX(), dot.getCenterY());
        }
        e.consume();
    }

    private void dragged(MouseEvent e, Circle dot) {
        if (dragStart != null) {
            double z = canvas.zoom();
            dot.setCenterX(dotStart.getX() + (e.getSceneX() - dragStart.getX()) / z);
            dot.setCenterY(dotStart.getY() + (e.getSceneY() - dragStart.getY()) / z);
            canvas.markWiresDirty();
        }
        e.consume();
    }

    private void released(MouseEvent e, Reroute r, Circle dot) {
        if (dragStart != null) {
            dragStart = null;
            edits.moveReroute(r.id(), dot.getCenterX() - DX, dot.getCenterY() - DY);
        }
        e.consume();
    }
}
