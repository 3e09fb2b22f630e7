package dev.noodle.app.ui.view;

import dev.noodle.app.ui.vm.GraphEditorViewModel;
import dev.noodle.app.ui.vm.NodeSearch;
import dev.noodle.app.ui.vm.PendingWire;
import dev.noodle.graph.spec.NodeSchema;
import javafx.geometry.Point2D;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.TextField;
import javafx.scene.input.KeyCode;
import javafx.scene.input.MouseButton;
import javafx.scene.layout.VBox;

/**
 * The node search box: type to fuzzy-match names, categories and descriptions; Enter adds the node. Opened for a
 * wire dropped on empty canvas, it lists only nodes that can take the wire and connects the one chosen.
 */
final class SearchOverlay extends VBox {
    private final TextField field = new TextField();
    private final ListView<NodeSearch.Hit> list = new ListView<>();
    private final NodeSearch search;
    private final GraphEditorViewModel vm;
    private Point2D where = Point2D.ZERO;
    private PendingWire wire;

    SearchOverlay(NodeSearch search, GraphEditorViewModel vm) {
        this.search = search;
        this.vm = vm;
        getStyleClass().add("search-overlay");
        setId("node-search");
        field.setId("node-search-field");
        field.setPromptText("Search nodes… (name, category or purpose)");
        list.setId("node-search-list");
        list.setPrefHeight(300);
        list.setCellFactory(v -> new ListCell<>() {
            @Override
            protected void updateItem(NodeSearch.Hit hit, boolean empty) {
                super.updateItem(hit, empty);
                if (empty || hit == null) {
                    setText(null);
                    setGraphic(null);
                    return;
                }
                NodeSchema s = hit.schema();
                Label name = new Label(hit.title());
                name.getStyleClass().add("search-name");
                Label cat = new Label(s.category() + " — " + firstSentence(s.description()));
                cat.getStyleClass().add("search-detail");
                setGraphic(new VBox(name, cat));
            }
        });
        getChildren().addAll(field, list);
        setMaxSize(420, 360);
        setVisible(false);
        field.textProperty().addListener((o, a, b) -> refresh());
        field.setOnKeyPressed(e -> {
            if (e.getCode() == KeyCode.ESCAPE) {
                hide();
            } else if (e.getCode() == KeyCode.ENTER) {
                choose();
            } else if (e.getCode() == KeyCode.DOWN) {
                list.getSelectionModel().selectNext();
            } else if (e.getCode() == KeyCode.UP) {
                list.getSelectionModel().selectPrevious();
            } else {
                return;
            }
            e.consume();
        });
        list.setOnMouseClicked(e -> {
            if (e.getButton() == MouseButton.PRIMARY && e.getClickCount() == 2) {
                choose();
            }
        });
        list.setOnKeyPressed(e -> {
            if (e.getCode() == KeyCode.ENTER) {
                choose();
            } else if (e.getCode() == KeyCode.ESCAPE) {
                hide();
            }
        });
        focusWithinProperty().addListener((o, was, is) -> {
            if (!is) {
                hide();
            }
        });
    }

    /** Opens the search; a chosen node is placed at {@code contentPoint}; the box appears at (x, y). */
    void show(Point2D contentPoint, double x, double y) {
        show(contentPoint, x, y, null);
    }

    /** Opens the search for a dropped wire (null for a plain search). */
    void show(Point2D contentPoint, double x, double y, PendingWire wire) {
        where = contentPoint;
        this.wire = wire;
        field.setPromptText(wire == null ? "Search nodes… (name, category or purpose)"
                : "Nodes that can take this wire…");
        field.clear();
        refresh();
        setTranslateX(x);
        setTranslateY(y);
        setVisible(true);
        field.requestFocus();
    }

    void hide() {
        setVisible(false);
    }

    private void refresh() {
        list.getItems().setAll(wire == null ? search.search(field.getText(), 50)
                : search.search(field.getText(), 50, vm.compatibleWith(wire)));
        list.getSelectionModel().selectFirst();
    }

    private void choose() {
        NodeSearch.Hit hit = list.getSelectionModel().getSelectedItem();
        if (hit != null) {
            hide();
            if (wire == null) {
                vm.addNode(hit.schema().type(), where.getX(), where.getY());
            } else {
                vm.addNodeConnected(hit.schema().type(), where.getX(), where.getY(), wire);
            }
        }
    }

    private static String firstSentence(String text) {
        if (text == null) {
            return "";
        }
        int dot = text.indexOf(". ");
        return dot > 0 ? text.substring(0, dot + 1) : text;
    }
}
