package dev.noodle.app.ui.view;

import dev.noodle.app.ui.vm.ComponentLibraryViewModel;
import dev.noodle.graph.library.Component;
import dev.noodle.graph.library.ComponentLibrary;
import java.util.function.Consumer;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.Tab;
import javafx.scene.control.Tooltip;
import javafx.scene.input.ClipboardContent;
import javafx.scene.input.DataFormat;
import javafx.scene.input.MouseButton;
import javafx.scene.input.TransferMode;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

/**
 * The Library side panel: the components in the library folder with their version, description and interface;
 * double-click one (or drag it onto the canvas) to insert it. FX thread only.
 */
final class LibraryPanel {
    /** What a component dragged from the panel carries: its library id. */
    static final DataFormat COMPONENT = new DataFormat("application/x-noodle-component");

    private LibraryPanel() {}

    /** The tab; {@code insert} places a component at the centre of the canvas. */
    static Tab create(ComponentLibraryViewModel library, Consumer<Component> insert) {
        ListView<ComponentLibrary.Entry> list = new ListView<>(library.components());
        list.setId("library-list");
        list.setPlaceholder(wrap(new Label("No components yet. Right-click a subgraph and choose \"Publish as"
                + " component…\"; component files go in " + library.library().folder() + ".")));
        list.setCellFactory(v -> new ListCell<>() {
            @Override
            protected void updateItem(ComponentLibrary.Entry e, boolean empty) {
                super.updateItem(e, empty);
                if (empty || e == null) {
                    setGraphic(null);
                    setText(null);
                    setOnDragDetected(null);
                    return;
                }
                Component c = e.component();
                Label name = new Label(c.name() + "  v" + c.version());
                name.getStyleClass().add("explain-title");
                Label ports = wrap(new Label(c.interfaceLine()));
                ports.getStyleClass().add("library-interface");
                VBox box = new VBox(2, name, ports);
                if (!c.description().isBlank()) {
                    box.getChildren().add(1, wrap(new Label(c.description())));
                }
                box.setId("library-item-" + c.id());
                setGraphic(box);
                setText(null);
                setTooltip(new Tooltip(e.file().toString()));
                setOnDragDetected(ev -> {
                    var board = startDragAndDrop(TransferMode.COPY);
                    ClipboardContent content = new ClipboardContent();
                    content.put(COMPONENT, c.id());
                    board.setContent(content);
                    ev.consume();
                });
            }
        });
        list.setOnMouseClicked(e -> {
            ComponentLibrary.Entry chosen = list.getSelectionModel().getSelectedItem();
            if (e.getButton() == MouseButton.PRIMARY && e.getClickCount() == 2 && chosen != null) {
                insert.accept(chosen.component());
            }
        });
        Button refresh = new Button("Refresh");
        refresh.setId("library-refresh");
        refresh.setOnAction(e -> library.refresh());
        Label folder = wrap(new Label(library.library().folder().toString()));
        HBox.setHgrow(folder, Priority.ALWAYS);
        HBox top = new HBox(8, folder, refresh);
        top.setAlignment(Pos.CENTER_LEFT);
        Label problems = wrap(new Label());
        problems.setId("library-problems");
        problems.getStyleClass().add("unknown-badge");
        problems.textProperty().bind(library.problemsProperty());
        problems.visibleProperty().bind(library.problemsProperty().isNotEmpty());
        problems.managedProperty().bind(problems.visibleProperty());
        VBox box = new VBox(8, top, list, problems);
        VBox.setVgrow(list, Priority.ALWAYS);
        box.getStyleClass().add("explain-panel");
        Tab tab = new Tab("Library", box);
        tab.setId("library-tab");
        return tab;
    }

    /** The component a drag from the panel carries, if the library has it. */
    static Component dragged(ComponentLibraryViewModel library, Object id) {
        return library.components().stream().map(ComponentLibrary.Entry::component)
                .filter(c -> c.id().equals(id)).findFirst().orElse(null);
    }

    private static Label wrap(Label l) {
        l.setWrapText(true);
        l.setMaxWidth(290);
        return l;
    }
}
