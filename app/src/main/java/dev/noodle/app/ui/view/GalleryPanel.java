package dev.noodle.app.ui.view;

import dev.noodle.app.ui.canvas.Images;
import dev.noodle.app.ui.vm.RunViewModel;

import javafx.collections.ListChangeListener;
import javafx.scene.Scene;
import javafx.scene.control.Button;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Tab;
import javafx.scene.control.ToolBar;
import javafx.scene.image.Image;
import javafx.scene.image.ImageView;
import javafx.scene.input.MouseButton;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.TilePane;
import javafx.stage.Stage;
import javafx.stage.Window;

import java.awt.Desktop;
import java.awt.GraphicsEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * The gallery of images made since the editor opened: newest first; a click opens one full size in
 * its own window; "Open folder" shows the output folder in the system file manager (or says where
 * it is when there is none, as in a headless session). FX thread only.
 */
final class GalleryPanel {
    /** Edge of a gallery tile, in pixels. */
    static final double TILE = 140;

    private GalleryPanel() {}

    /**
     * The gallery tab.
     *
     * @param outputDir the folder "Open folder" shows
     * @param say shows a one-line message in the status bar
     */
    static Tab create(RunViewModel run, Path outputDir, Consumer<String> say) {
        TilePane tiles = new TilePane(6, 6);
        tiles.setId("gallery");
        tiles.setPrefTileWidth(TILE);
        tiles.setPrefTileHeight(TILE);
        run.gallery()
                .addListener(
                        (ListChangeListener<Object>)
                                c -> {
                                    tiles.getChildren().clear();
                                    int i = 0;
                                    for (Object o : run.gallery().reversed()) {
                                        ImageView iv = new ImageView(Images.toFx(o));
                                        iv.setId("gallery-tile-" + i++);
                                        iv.getStyleClass().add("gallery-tile");
                                        iv.setFitWidth(TILE);
                                        iv.setFitHeight(TILE);
                                        iv.setPreserveRatio(true);
                                        iv.setPickOnBounds(true);
                                        iv.setOnMouseClicked(
                                                e -> {
                                                    if (e.getButton() == MouseButton.PRIMARY) {
                                                        openFullSize(
                                                                o,
                                                                tiles.getScene() == null
                                                                        ? null
                                                                        : tiles.getScene()
                                                                                .getWindow());
                                                    }
                                                });
                                        tiles.getChildren().add(iv);
                                    }
                                });
        Button open = new Button("Open folder");
        open.setId("gallery-open-folder");
        open.setOnAction(e -> openFolder(outputDir, say));
        ScrollPane scroll = new ScrollPane(tiles);
        scroll.setFitToWidth(true);
        BorderPane pane = new BorderPane(scroll);
        pane.setTop(new ToolBar(open));
        return new Tab("Gallery", pane);
    }

    /**
     * Shows one image at its own size (scrollable when larger than the window) in a new window;
     * returns it.
     */
    static Stage openFullSize(Object descriptor, Window owner) {
        Image full =
                descriptor instanceof Path p
                        ? new Image(p.toUri().toString())
                        : Images.toFx(descriptor);
        ImageView view = new ImageView(full);
        view.setId("full-image");
        ScrollPane scroll = new ScrollPane(view);
        scroll.setId("image-viewer");
        Stage stage = new Stage();
        if (owner != null) {
            stage.initOwner(owner);
        }
        stage.setTitle(descriptor instanceof Path p ? p.getFileName().toString() : "Image");
        double w = full == null ? 400 : Math.min(Math.max(full.getWidth(), 200), 1400);
        double h = full == null ? 300 : Math.min(Math.max(full.getHeight(), 150), 1000);
        stage.setScene(new Scene(scroll, w + 4, h + 4));
        stage.show();
        return stage;
    }

    /**
     * Opens the folder in the desktop's file manager on a background thread (Desktop.open can
     * block); without a desktop (headless, no file manager) only says where the folder is. Never
     * throws.
     */
    static void openFolder(Path folder, Consumer<String> say) {
        Path dir = folder.toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            say.accept("The output folder does not exist yet: " + dir);
            return;
        }
        if (GraphicsEnvironment.isHeadless()
                || !Desktop.isDesktopSupported()
                || !Desktop.getDesktop().isSupported(Desktop.Action.OPEN)) {
            say.accept("Output folder: " + dir);
            return;
        }
        Thread t =
                new Thread(
                        () -> {
                            try {
                                Desktop.getDesktop().open(dir.toFile());
                            } catch (Exception | LinkageError ex) {
                                javafx.application.Platform.runLater(
                                        () ->
                                                say.accept(
                                                        "Could not open "
                                                                + dir
                                                                + ": "
                                                                + ex.getMessage()));
                            }
                        },
                        "noodle-open-folder");
        t.setDaemon(true);
        t.start();
        say.accept("Opening " + dir);
    }
}
