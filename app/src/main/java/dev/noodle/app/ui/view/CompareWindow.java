package dev.noodle.app.ui.view;

import java.awt.image.BufferedImage;
import java.util.List;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.embed.swing.SwingFXUtils;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.Cursor;
import javafx.scene.Scene;
import javafx.scene.control.Label;
import javafx.scene.image.ImageView;
import javafx.scene.input.MouseEvent;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Pane;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.StackPane;
import javafx.scene.paint.Color;
import javafx.scene.shape.Circle;
import javafx.scene.shape.Line;
import javafx.scene.shape.Rectangle;
import javafx.stage.Stage;
import javafx.stage.Window;

/**
 * A before/after view: two images over each other at the size of the "after" one (the "before" scaled to it), split by
 * a divider the user drags; left of it the before, right of it the after. FX thread only.
 */
final class CompareWindow {
    private static final double VIEW = 720;
    private final Stage stage = new Stage();
    private final DoubleProperty divider = new SimpleDoubleProperty(this, "divider", 0.5);

    private CompareWindow(Window owner, List<String> css, String title, BufferedImage before, String beforeText,
            BufferedImage after, String afterText) {
        int w = after.getWidth();
        int h = after.getHeight();
        double scale = Math.min(8, Math.min(VIEW / w, VIEW / h));
        double dw = w * scale;
        double dh = h * scale;
        ImageView beforeView = new ImageView(SwingFXUtils.toFXImage(before, null));
        beforeView.setId("compare-before");
        ImageView afterView = new ImageView(SwingFXUtils.toFXImage(after, null));
        afterView.setId("compare-after");
        for (ImageView v : List.of(beforeView, afterView)) {
            v.setFitWidth(dw); // the before is stretched to the after's size: an upscale's input at its output size
            v.setFitHeight(dh);
            v.setPreserveRatio(false);
            v.setSmooth(true);
        }
        Rectangle clip = new Rectangle(0, 0, dw, dh);
        clip.xProperty().bind(divider.multiply(dw));
        clip.widthProperty().bind(divider.negate().add(1).multiply(dw));
        afterView.setClip(clip);
        Line line = new Line();
        line.setId("compare-divider");
        line.getStyleClass().add("compare-divider");
        line.setStroke(Color.WHITE);
        line.setStrokeWidth(2);
        line.startXProperty().bind(divider.multiply(dw));
        line.endXProperty().bind(line.startXProperty());
        line.setEndY(dh);
        Circle knob = new Circle(9, Color.WHITE);
        knob.setStroke(Color.rgb(0, 0, 0, 0.5));
        knob.centerXProperty().bind(line.startXProperty());
        knob.setCenterY(dh / 2);
        Pane handles = new Pane(line, knob);
        handles.setMouseTransparent(true);
        StackPane view = new StackPane(beforeView, afterView, handles);
        view.setId("compare-view");
        view.setMinSize(dw, dh);
        view.setMaxSize(dw, dh);
        view.setCursor(Cursor.H_RESIZE);
        javafx.event.EventHandler<MouseEvent> drag = e -> {
            divider.set(Math.max(0, Math.min(1, e.getX() / dw)));
            e.consume();
        };
        view.addEventHandler(MouseEvent.MOUSE_PRESSED, drag);
        view.addEventHandler(MouseEvent.MOUSE_DRAGGED, drag);

        Label left = new Label("\u25c0 Before: " + beforeText);
        left.setId("compare-before-label");
        Label right = new Label("After: " + afterText + " \u25b6");
        right.setId("compare-after-label");
        Region gap = new Region();
        HBox.setHgrow(gap, Priority.ALWAYS);
        HBox labels = new HBox(10, left, gap, right);
        labels.setAlignment(Pos.CENTER_LEFT);
        labels.setPadding(new Insets(8, 12, 4, 12));
        Label hint = new Label("Drag across the image to move the divider.");
        hint.getStyleClass().add("compare-hint");
        hint.setPadding(new Insets(4, 12, 8, 12));
        StackPane center = new StackPane(view);
        center.setPadding(new Insets(8));
        BorderPane root = new BorderPane(center, labels, null, hint, null);
        root.getStyleClass().addAll("noodle", "compare-window");
        Scene scene = new Scene(root, Math.max(560, dw + 32), dh + 110);
        scene.getStylesheets().addAll(css);
        stage.setScene(scene);
        stage.setTitle("Before / after — " + title);
        if (owner != null) {
            stage.initOwner(owner);
        }
    }

    /** Opens the view; {@code beforeText} and {@code afterText} say what each image is. */
    static Stage open(Window owner, List<String> css, String title, BufferedImage before, String beforeText,
            BufferedImage after, String afterText) {
        CompareWindow w = new CompareWindow(owner, css, title, before, beforeText, after, afterText);
        w.stage.show();
        return w.stage;
    }
}
