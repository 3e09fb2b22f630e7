package dev.noodle.app.ui.view;

import dev.noodle.app.ui.vm.MaskClipspace;
import dev.noodle.app.ui.vm.MaskEditorViewModel;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import javafx.embed.swing.SwingFXUtils;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.Cursor;
import javafx.scene.Scene;
import javafx.scene.control.Alert;
import javafx.scene.control.Button;
import javafx.scene.control.ButtonType;
import javafx.scene.control.Label;
import javafx.scene.control.Separator;
import javafx.scene.control.Slider;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.ToggleGroup;
import javafx.scene.control.Tooltip;
import javafx.scene.image.ImageView;
import javafx.scene.image.PixelFormat;
import javafx.scene.image.WritableImage;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyCombination;
import javafx.scene.input.MouseButton;
import javafx.scene.input.MouseEvent;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Pane;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;
import javafx.scene.paint.Color;
import javafx.scene.shape.Circle;
import javafx.stage.Stage;
import javafx.stage.Window;

/**
 * The mask editor: the image with the mask drawn over it in colour, a round brush (size, hardness, opacity; paint
 * with the left button, erase with the right or in erase mode), undo, clear and invert; Save writes the clipspace copy
 * ({@link MaskClipspace}) and hands its LoadImage value to {@code onSaved}. All state is in
 * {@link MaskEditorViewModel}; this class binds and forwards. FX thread only.
 */
final class MaskEditorWindow {
    /** The overlay colour: the painted (masked) area. */
    static final int OVERLAY_RGB = 0xFF2D6E;
    static final double OVERLAY_STRENGTH = 0.6;
    private static final double VIEW = 640;

    private final MaskEditorViewModel vm;
    private final BufferedImage image;
    private final Stage stage = new Stage();
    private final WritableImage overlay;
    private final double scale;
    private MaskEditorViewModel.Mode strokeMode;

    private MaskEditorWindow(Window owner, List<String> css, String title, BufferedImage image, Path inputDir,
            Consumer<String> onSaved) {
        this.image = image;
        this.vm = MaskEditorViewModel.of(image);
        int w = vm.width();
        int h = vm.height();
        // small images are shown larger (to paint them at all), large ones fit the window
        scale = Math.min(8, Math.min(VIEW / w, VIEW / h));
        vm.sizeProperty().set(Math.max(1, Math.round(Math.max(w, h) / 12.0)));

        ImageView picture = new ImageView(SwingFXUtils.toFXImage(image, null));
        picture.setFitWidth(w * scale);
        picture.setFitHeight(h * scale);
        picture.setSmooth(scale < 1);
        overlay = new WritableImage(w, h);
        ImageView overlayView = new ImageView(overlay);
        overlayView.setId("mask-overlay");
        overlayView.setFitWidth(w * scale);
        overlayView.setFitHeight(h * scale);
        overlayView.setSmooth(scale < 1);
        Circle brush = new Circle();
        brush.getStyleClass().add("mask-brush");
        brush.setFill(Color.TRANSPARENT);
        brush.setStroke(Color.WHITE);
        brush.setStrokeWidth(1.2);
        brush.setMouseTransparent(true);
        brush.setManaged(false);
        brush.setVisible(false);
        brush.radiusProperty().bind(vm.sizeProperty().multiply(scale / 2));
        Pane brushLayer = new Pane(brush);
        brushLayer.setMouseTransparent(true);
        StackPane paintArea = new StackPane(picture, overlayView, brushLayer);
        paintArea.setId("mask-canvas");
        paintArea.setMaxSize(w * scale, h * scale);
        paintArea.setMinSize(w * scale, h * scale);
        paintArea.setCursor(Cursor.CROSSHAIR);
        paintArea.addEventHandler(MouseEvent.MOUSE_PRESSED, e -> {
            strokeMode = vm.modeProperty().get();
            if (e.getButton() == MouseButton.SECONDARY) { // right button: erase, whatever the mode
                vm.modeProperty().set(MaskEditorViewModel.Mode.ERASE);
            }
            vm.beginStroke(e.getX() / scale, e.getY() / scale);
            e.consume();
        });
        paintArea.addEventHandler(MouseEvent.MOUSE_DRAGGED, e -> {
            vm.strokeTo(e.getX() / scale, e.getY() / scale);
            moveBrush(brush, e);
            e.consume();
        });
        paintArea.addEventHandler(MouseEvent.MOUSE_RELEASED, e -> {
            vm.endStroke();
            if (strokeMode != null) {
                vm.modeProperty().set(strokeMode);
                strokeMode = null;
            }
            e.consume();
        });
        paintArea.addEventHandler(MouseEvent.MOUSE_MOVED, e -> moveBrush(brush, e));
        paintArea.addEventHandler(MouseEvent.MOUSE_EXITED, e -> brush.setVisible(false));
        vm.versionProperty().addListener((o, a, b) -> redraw());
        overlay.getPixelWriter().setPixels(0, 0, w, h, PixelFormat.getIntArgbInstance(),
                vm.overlay(OVERLAY_RGB, OVERLAY_STRENGTH), 0, w);

        ToggleGroup modes = new ToggleGroup();
        ToggleButton paint = new ToggleButton("Paint");
        paint.setId("mask-paint");
        paint.setTooltip(new Tooltip("Paint the area to change (the right mouse button erases)"));
        ToggleButton erase = new ToggleButton("Erase");
        erase.setId("mask-erase");
        paint.setToggleGroup(modes);
        erase.setToggleGroup(modes);
        paint.setSelected(true);
        modes.selectedToggleProperty().addListener((o, a, b) -> {
            if (b == null) {
                a.setSelected(true); // one mode is always on
            } else {
                vm.modeProperty().set(b == erase ? MaskEditorViewModel.Mode.ERASE : MaskEditorViewModel.Mode.PAINT);
            }
        });
        vm.modeProperty().addListener((o, a, b) -> {
            if (strokeMode == null) {
                (b == MaskEditorViewModel.Mode.ERASE ? erase : paint).setSelected(true);
            }
        });
        Slider size = slider("mask-size", 1, Math.max(64, Math.max(w, h) / 2.0), vm.sizeProperty().get());
        size.valueProperty().bindBidirectional(vm.sizeProperty());
        Slider hardness = slider("mask-hardness", 0, 1, vm.hardnessProperty().get());
        hardness.valueProperty().bindBidirectional(vm.hardnessProperty());
        Slider opacity = slider("mask-opacity", 0.05, 1, vm.opacityProperty().get());
        opacity.valueProperty().bindBidirectional(vm.opacityProperty());
        Button undo = new Button("Undo");
        undo.setId("mask-undo");
        undo.disableProperty().bind(vm.canUndoProperty().not());
        undo.setOnAction(e -> vm.undo());
        Button clear = new Button("Clear");
        clear.setId("mask-clear");
        clear.setOnAction(e -> vm.clear());
        Button invert = new Button("Invert");
        invert.setId("mask-invert");
        invert.setOnAction(e -> vm.invert());
        for (javafx.scene.control.ButtonBase bb : List.of(paint, erase, undo, clear, invert)) {
            bb.setMinWidth(Region.USE_PREF_SIZE);
        }
        HBox tools = new HBox(8, paint, erase, new Separator(javafx.geometry.Orientation.VERTICAL),
                labelled("Size", size), labelled("Hardness", hardness), labelled("Opacity", opacity),
                new Separator(javafx.geometry.Orientation.VERTICAL), undo, clear, invert);
        tools.setAlignment(Pos.CENTER_LEFT);
        tools.setPadding(new Insets(8));
        tools.getStyleClass().add("mask-tools");

        Label hint = new Label(w + " × " + h + " — the painted area becomes Load Image's MASK");
        hint.setTooltip(new Tooltip("Save writes a copy of the image with the mask as transparency to input/"
                + MaskClipspace.FOLDER + " and points Load Image at it, as ComfyUI's mask editor does"));
        hint.getStyleClass().add("mask-hint");
        Region gap = new Region();
        HBox.setHgrow(gap, Priority.ALWAYS);
        Button cancel = new Button("Cancel");
        cancel.setId("mask-cancel");
        cancel.setCancelButton(true);
        cancel.setOnAction(e -> stage.close());
        Button save = new Button("Save");
        save.setId("mask-save");
        save.setDefaultButton(true);
        save.setOnAction(e -> {
            try {
                MaskClipspace.Saved saved = MaskClipspace.save(inputDir, image, vm.mask(), System.currentTimeMillis());
                vm.dirtyProperty().set(false);
                stage.close();
                onSaved.accept(saved.widgetValue());
            } catch (IOException | RuntimeException ex) {
                Alert a = new Alert(Alert.AlertType.ERROR, "Could not save the mask in " + inputDir.resolve(
                        MaskClipspace.FOLDER) + ": " + ex.getMessage(), ButtonType.OK);
                a.initOwner(stage);
                a.showAndWait();
            }
        });
        cancel.setMinWidth(Region.USE_PREF_SIZE);
        save.setMinWidth(Region.USE_PREF_SIZE);
        hint.setMinWidth(0);
        HBox.setHgrow(hint, Priority.SOMETIMES);
        HBox bottom = new HBox(10, hint, gap, cancel, save);
        bottom.setAlignment(Pos.CENTER_LEFT);
        bottom.setPadding(new Insets(8));

        StackPane center = new StackPane(paintArea);
        center.getStyleClass().add("mask-stage");
        center.setPadding(new Insets(12));
        BorderPane root = new BorderPane(center, tools, null, bottom, null);
        root.getStyleClass().addAll("noodle", "mask-editor");
        Scene scene = new Scene(root, Math.max(820, w * scale + 40), h * scale + 130);
        scene.getStylesheets().addAll(css);
        scene.getAccelerators().put(KeyCombination.keyCombination("Shortcut+Z"), vm::undo);
        scene.setOnKeyPressed(e -> {
            if (e.getCode() == KeyCode.X) {
                (vm.modeProperty().get() == MaskEditorViewModel.Mode.PAINT ? erase : paint).setSelected(true);
            }
        });
        stage.setScene(scene);
        stage.setTitle("Mask editor — " + title);
        if (owner != null) {
            stage.initOwner(owner);
        }
        stage.setOnCloseRequest(e -> {
            if (vm.dirtyProperty().get()) {
                Alert a = new Alert(Alert.AlertType.CONFIRMATION, "Close without saving the mask?",
                        ButtonType.YES, ButtonType.NO);
                a.initOwner(stage);
                if (a.showAndWait().orElse(ButtonType.NO) != ButtonType.YES) {
                    e.consume();
                }
            }
        });
    }

    private void moveBrush(Circle brush, MouseEvent e) {
        brush.setCenterX(e.getX());
        brush.setCenterY(e.getY());
        brush.setVisible(true);
    }

    /** Redraws the overlay where the mask changed (a stroke touches only a few rows of a large image). */
    private void redraw() {
        int[] r = vm.takeDirty();
        if (r == null) {
            return;
        }
        overlay.getPixelWriter().setPixels(r[0], r[1], r[2], r[3], PixelFormat.getIntArgbInstance(),
                vm.overlay(OVERLAY_RGB, OVERLAY_STRENGTH, r), 0, r[2]);
    }

    private static Slider slider(String id, double min, double max, double value) {
        Slider s = new Slider(min, max, value);
        s.setId(id);
        s.setPrefWidth(110);
        return s;
    }

    private static VBox labelled(String text, Slider s) {
        Label l = new Label(text);
        l.getStyleClass().add("mask-tool-label");
        return new VBox(0, l, s);
    }

    /**
     * Opens the editor on {@code image}; Save writes the copy under {@code inputDir/clipspace} and passes the LoadImage
     * value ({@code clipspace/clipspace-mask-N.png [input]}) to {@code onSaved}.
     */
    static Stage open(Window owner, List<String> css, String title, BufferedImage image, Path inputDir,
            Consumer<String> onSaved) {
        MaskEditorWindow w = new MaskEditorWindow(owner, css, title, image, inputDir, onSaved);
        w.stage.show();
        return w.stage;
    }

    /** The view-model (tests). */
    MaskEditorViewModel viewModel() {
        return vm;
    }

    BufferedImage image() {
        return image;
    }
}
