package dev.noodle.app.ui.canvas;

import dev.noodle.app.ui.vm.CanvasEdits;
import dev.noodle.app.ui.vm.Rect;
import dev.noodle.graph.model.Group;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javafx.geometry.Point2D;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.TextField;
import javafx.scene.input.KeyCode;
import javafx.scene.input.MouseButton;
import javafx.scene.input.MouseEvent;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Pane;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.StackPane;
import javafx.scene.paint.Color;

/**
 * The groups of {@code Layout.groups}: titled translucent rectangles behind the cards, tinted with the group's colour.
 * The body lets clicks through to the canvas (pan, rubber band); the title bar drags the group with the cards whose
 * centre lies inside it, a double-click on the title edits it, and × deletes the group (its nodes stay). FX thread
 * only.
 */
final class GroupLayer extends Pane {
    private final GraphCanvas canvas;
    private final CanvasEdits edits;
    private final List<StackPane> views = new ArrayList<>();
    private Point2D dragStart;
    private Map<String, Rect> rectsAtStart;
    private Map<String, Point2D> movedCards;
    private double dx;
    private double dy;

    GroupLayer(GraphCanvas canvas, CanvasEdits edits) {
        this.canvas = canvas;
        this.edits = edits;
        setPickOnBounds(false);
        setManaged(false);
    }

    /** Redraws the groups. */
    void sync(List<Group> groups) {
        getChildren().clear();
        views.clear();
        for (int i = 0; i < groups.size(); i++) {
            StackPane v = view(i, groups.get(i));
            views.add(v);
            getChildren().add(v);
        }
    }

    /** The view of group number {@code index}, or null. */
    StackPane view(int index) {
        return index >= 0 && index < views.size() ? views.get(index) : null;
    }

    /** Starts editing the title of group number {@code index}. */
    void editTitle(int index) {
        StackPane v = view(index);
        if (v != null) {
            HBox bar = (HBox) v.getChildren().get(1);
            Label title = (Label) bar.getChildren().get(0);
            TextField field = new TextField(title.getText());
            field.setId("group-title-field-" + index);
            field.getStyleClass().add("group-title-field");
            boolean[] done = {false};
            Runnable commit = () -> {
                if (!done[0]) {
                    done[0] = true;
                    edits.renameGroup(index, field.getText()); // re-syncs the layer when it changes anything
                    if (bar.getChildren().contains(field)) {
                        bar.getChildren().set(0, title);
                    }
                }
            };
            field.setOnAction(e -> commit.run());
            field.focusedProperty().addListener((o, a, b) -> {
                if (!b) {
                    commit.run();
                }
            });
            field.setOnKeyPressed(e -> {
                if (e.getCode() == KeyCode.ESCAPE) {
                    done[0] = true;
                    bar.getChildren().set(0, title);
                    canvas.requestFocus();
                    e.consume();
                }
            });
            bar.getChildren().set(0, field);
            field.requestFocus();
            field.selectAll();
        }
    }

    private StackPane view(int index, Group g) {
        Label title = new Label(g.title() == null ? "" : g.title());
        title.getStyleClass().add("group-title");
        title.setId("group-title-" + index);
        title.setMinWidth(0);
        Region spacer = new Region();
        HBox.setHgrow(spacer, Priority.ALWAYS);
        Button delete = new Button("×");
        delete.getStyleClass().add("group-delete");
        delete.setId("group-delete-" + index);
        delete.setFocusTraversable(false);
        delete.setOnAction(e -> edits.deleteGroup(index));
        HBox bar = new HBox(4, title, spacer, delete);
        bar.setAlignment(Pos.CENTER_LEFT);
        bar.getStyleClass().add("group-bar");
        bar.setId("group-bar-" + index);
        bar.setMinHeight(CanvasEdits.GROUP_TITLE);
        bar.setMaxHeight(CanvasEdits.GROUP_TITLE);
        bar.addEventHandler(MouseEvent.MOUSE_PRESSED, e -> pressed(e, index));
        bar.addEventHandler(MouseEvent.MOUSE_DRAGGED, e -> dragged(e, index));
        bar.addEventHandler(MouseEvent.MOUSE_RELEASED, e -> released(e, index));
        Region body = new Region();
        body.getStyleClass().add("group-body");
        body.setMouseTransparent(true);
        StackPane v = new StackPane(body, bar);
        StackPane.setAlignment(bar, Pos.TOP_LEFT);
        v.setManaged(false);
        v.getStyleClass().add("canvas-group");
        v.setId("group-" + index);
        v.setStyle(tint(g.color()));
        v.setPickOnBounds(false); // the body is click-through; only the title bar takes the mouse
        v.resizeRelocate(g.x(), g.y(), Math.max(60, g.width()), Math.max(CanvasEdits.GROUP_TITLE, g.height()));
        return v;
    }

    /** Looked-up colours for the group's own tint; the stylesheet decides how they are used. */
    private static String tint(String color) {
        Color c;
        try {
            c = Color.web(color == null || color.isBlank() ? CanvasEdits.GROUP_COLOR : color);
        } catch (IllegalArgumentException e) {
            c = Color.web(CanvasEdits.GROUP_COLOR);
        }
        String rgb = String.format(Locale.ROOT, "%d, %d, %d",
                Math.round(c.getRed() * 255), Math.round(c.getGreen() * 255), Math.round(c.getBlue() * 255));
        return "-group-fill: rgba(" + rgb + ", 0.22); -group-bar: rgba(" + rgb + ", 0.55); -group-edge: rgb(" + rgb
                + ");";
    }

    private void pressed(MouseEvent e, int index) {
        canvas.requestFocus();
        if (e.getButton() != MouseButton.PRIMARY || e.getTarget() instanceof Button) {
            return;
        }
        e.consume();
        if (e.getClickCount() == 2) {
            dragStart = null;
            editTitle(index);
            return;
        }
        dragStart = new Point2D(e.getSceneX(), e.getSceneY());
        rectsAtStart = canvas.cardRects();
        movedCards = new LinkedHashMap<>();
        for (String id : edits.nodesIn(index, rectsAtStart)) {
            NodeCard c = canvas.card(id);
            movedCards.put(id, new Point2D(c.getLayoutX(), c.getLayoutY()));
        }
        views.get(index).getProperties().put("origin", new Point2D(views.get(index).getLayoutX(),
                views.get(index).getLayoutY()));
        dx = 0;
        dy = 0;
    }

    private void dragged(MouseEvent e, int index) {
        if (dragStart == null) {
            return;
        }
        e.consume();
        dx = (e.getSceneX() - dragStart.getX()) / canvas.zoom();
        dy = (e.getSceneY() - dragStart.getY()) / canvas.zoom();
        Point2D origin = (Point2D) views.get(index).getProperties().get("origin");
        views.get(index).relocate(origin.getX() + dx, origin.getY() + dy);
        movedCards.forEach((id, p) -> canvas.card(id).relocate(p.getX() + dx, p.getY() + dy));
    }

    private void released(MouseEvent e, int index) {
        if (dragStart == null) {
            return;
        }
        e.consume();
        dragStart = null;
        edits.moveGroup(index, dx, dy, rectsAtStart);
    }
}
