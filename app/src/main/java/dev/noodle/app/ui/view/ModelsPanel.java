package dev.noodle.app.ui.view;

import dev.noodle.app.ui.vm.ModelLibraryViewModel;
import dev.noodle.nodes.library.BaseModel;
import dev.noodle.nodes.library.ModelEntry;
import dev.noodle.nodes.library.ModelType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javafx.collections.ListChangeListener;
import javafx.collections.MapChangeListener;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Tab;
import javafx.scene.control.TextField;
import javafx.scene.image.Image;
import javafx.scene.image.ImageView;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import javafx.util.StringConverter;

/**
 * The Models side panel: the model library's files with kind, base model and size; filters by base model and kind
 * and a text search; Scan; and, for the picked file, its hashes, trigger words, source, notes, preview and the nodes
 * of the open workflow that use it. FX thread only; the view model does the reading in the background.
 */
final class ModelsPanel {
    private ModelsPanel() {}

    static Tab create(ModelLibraryViewModel models) {
        ComboBox<BaseModel> base = new ComboBox<>();
        base.getItems().add(null);
        base.getItems().addAll(BaseModel.values());
        base.setId("models-base");
        base.setPromptText("Any base model");
        base.setConverter(names(b -> b.displayName(), "Any base model"));
        base.valueProperty().bindBidirectional(models.baseFilterProperty());
        ComboBox<ModelType> kind = new ComboBox<>();
        kind.getItems().add(null);
        kind.getItems().addAll(ModelType.values());
        kind.setId("models-kind");
        kind.setPromptText("Any kind");
        kind.setConverter(names(t -> t.displayName(), "Any kind"));
        kind.valueProperty().bindBidirectional(models.typeFilterProperty());
        TextField search = new TextField();
        search.setId("models-search");
        search.setPromptText("Search name, trigger words, notes, hash");
        search.textProperty().bindBidirectional(models.searchProperty());
        Button scan = new Button("Scan folders");
        scan.setId("models-scan");
        scan.disableProperty().bind(models.busyProperty());
        scan.setOnAction(e -> models.scan());
        ProgressBar progress = new ProgressBar(ProgressBar.INDETERMINATE_PROGRESS);
        progress.setId("models-progress");
        progress.visibleProperty().bind(models.busyProperty());
        progress.managedProperty().bind(models.busyProperty());
        progress.setMaxWidth(Double.MAX_VALUE);
        Label status = wrap(new Label());
        status.setId("models-status");
        status.textProperty().bind(models.statusProperty());

        ListView<ModelEntry> list = new ListView<>(models.shown());
        list.setId("models-list");
        list.setPrefHeight(260);
        list.setPlaceholder(wrap(new Label("No models listed. Drop a model file on the canvas to file it, add one"
                + " with ./noodle models add FILE|URL, or press Scan folders to record what is in " + models.root()
                + ".")));
        list.setCellFactory(v -> new ListCell<>() {
            @Override
            protected void updateItem(ModelEntry e, boolean empty) {
                super.updateItem(e, empty);
                if (empty || e == null) {
                    setGraphic(null);
                    setText(null);
                    return;
                }
                Label name = new Label(e.fileName());
                name.getStyleClass().add("explain-title");
                Label what = new Label(e.describe() + " · " + dev.noodle.app.ui.vm.ModelFileDetails.size(e.size()) + " · "
                        + e.autoV2().toUpperCase(Locale.ROOT));
                VBox box = new VBox(1, name, what);
                box.setId("models-item-" + e.fileName().replaceAll("[^A-Za-z0-9_-]", "_"));
                setGraphic(box);
                setText(null);
            }
        });
        VBox details = new VBox(4);
        details.setId("models-details");
        details.getStyleClass().add("explain-panel");
        Runnable show = () -> showDetails(details, models, list.getSelectionModel().getSelectedItem());
        list.getSelectionModel().selectedItemProperty().addListener((o, a, b) -> show.run());
        models.entries().addListener((ListChangeListener<ModelEntry>) c -> show.run());
        models.warnings().addListener((MapChangeListener<String, dev.noodle.app.ui.vm.ModelMismatch.Finding>) c -> show.run());

        HBox filters = new HBox(6, base, kind);
        HBox actions = new HBox(6, search, scan);
        HBox.setHgrow(search, Priority.ALWAYS);
        VBox box = new VBox(6, filters, actions, progress, status, list, details);
        box.setId("models-panel");
        box.getStyleClass().add("explain-panel");
        ScrollPane scroll = new ScrollPane(box);
        scroll.setFitToWidth(true);
        Tab tab = new Tab("Models", scroll);
        tab.setId("models-tab");
        return tab;
    }

    private static void showDetails(VBox details, ModelLibraryViewModel models, ModelEntry e) {
        details.getChildren().clear();
        if (e == null) {
            return;
        }
        List<Label> lines = new ArrayList<>();
        Label title = new Label(e.title().isEmpty() ? e.fileName() : e.title());
        title.getStyleClass().add("explain-title");
        lines.add(title);
        lines.add(new Label(e.describe() + " · " + dev.noodle.app.ui.vm.ModelFileDetails.size(e.size())));
        lines.add(new Label("models/" + e.path()));
        lines.add(new Label("AutoV2 (A1111 model hash) " + e.autoV2().toUpperCase(Locale.ROOT)));
        if (!e.triggerWords().isEmpty()) {
            lines.add(new Label("Trigger words: " + String.join(", ", e.triggerWords())));
        }
        if (!e.pageUrl().isEmpty() || !e.sourceUrl().isEmpty()) {
            lines.add(new Label("Source: " + (e.pageUrl().isEmpty() ? e.sourceUrl() : e.pageUrl())));
        }
        String training = training(e.metadataJson());
        if (!training.isEmpty()) {
            lines.add(new Label("Training: " + training));
        }
        if (!e.notes().isBlank()) {
            lines.add(new Label("Notes: " + e.notes().strip()));
        }
        List<String> used = models.usedIn(e);
        Label usedIn = new Label(used.isEmpty() ? "Not used in the open workflow"
                : "Used in the open workflow by " + String.join(", ", used));
        usedIn.setId("models-used-in");
        lines.add(usedIn);
        lines.forEach(l -> details.getChildren().add(wrap(l)));
        Label sha = wrap(new Label("SHA-256 " + e.sha256()));
        sha.getStyleClass().add("library-interface");
        details.getChildren().add(4, sha);
        models.preview(e).ifPresent(p -> {
            ImageView view = new ImageView(new Image(p.toUri().toString(), 280, 280, true, true, true));
            view.setId("models-preview");
            details.getChildren().add(1, view);
        });
    }

    /** A few training facts from kohya's metadata: the base it was trained on, steps, epochs, resolution. */
    private static String training(String json) {
        try {
            var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
            List<String> parts = new ArrayList<>();
            for (String[] k : new String[][] {{"ss_sd_model_name", "on "}, {"ss_base_model_version", "base "},
                    {"ss_resolution", "resolution "}, {"ss_num_epochs", "epochs "}, {"ss_steps", "steps "},
                    {"ss_network_dim", "rank "}}) {
                String v = node == null ? "" : node.path(k[0]).asText("");
                if (!v.isBlank()) {
                    parts.add(k[1] + v);
                }
            }
            return String.join(", ", parts);
        } catch (java.io.IOException | RuntimeException ex) {
            return "";
        }
    }

    private static <T> StringConverter<T> names(java.util.function.Function<T, String> name, String none) {
        return new StringConverter<>() {
            @Override
            public String toString(T t) {
                return t == null ? none : name.apply(t);
            }

            @Override
            public T fromString(String s) {
                return null;
            }
        };
    }

    private static Label wrap(Label l) {
        l.setWrapText(true);
        l.setMaxWidth(290);
        return l;
    }
}
